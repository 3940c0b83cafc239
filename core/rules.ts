/**
 * The rule table: one entry per primitive, typed as a mapped type over the
 * primitive names, so that a primitive without a rule fails `deno check`.
 * Each rule is defined beside its op (in `ops/`) and handed to `bind` there
 * (`defineRule`); this file only gathers them for tests and tools. Nothing in
 * the op path imports it, so there is no import cycle.
 *
 * @module
 */
import type { CorePrim, Rule, RuleTable } from "./bind.ts";
import { binaryRule, castRule, compareRule, unaryRule, whereRule } from "./ops/elementwise.ts";
import { reduceMaxRule, reduceSumRule } from "./ops/reduce.ts";
import { logSoftmaxRule, softmaxRule } from "./ops/softmax.ts";
import { matmulRule } from "./ops/matmul.ts";
import { aliasRule, broadcastRule, flipRule, reshapeRule, transposeRule } from "./ops/shape.ts";
import { concatRule, padRule, sliceRule } from "./ops/slice.ts";
import { gatherRule, scatterAddRule } from "./ops/indexing.ts";
import { crossEntropyGradRule, crossEntropyRule } from "./ops/losses.ts";
import { normalizeAxisRule } from "./ops/optimizer_kernels.ts";

const table: RuleTable = {
  unary: unaryRule,
  binary: binaryRule,
  compare: compareRule,
  where: whereRule,
  cast: castRule,
  reduceSum: reduceSumRule,
  reduceMax: reduceMaxRule,
  logSoftmax: logSoftmaxRule,
  softmax: softmaxRule,
  matmul: matmulRule,
  reshape: reshapeRule,
  alias: aliasRule,
  transpose: transposeRule,
  flip: flipRule,
  broadcast: broadcastRule,
  slice: sliceRule,
  pad: padRule,
  concat: concatRule,
  gather: gatherRule,
  scatterAdd: scatterAddRule,
  crossEntropy: crossEntropyRule,
  crossEntropyGrad: crossEntropyGradRule,
  normalizeAxis: normalizeAxisRule,
};

/** The rule of primitive `prim`. */
export function ruleFor<P extends CorePrim>(prim: P): Rule<P> {
  return table[prim] as unknown as Rule<P>;
}

/** Every primitive name (for tests that must cover them all). */
export function primitiveNames(): CorePrim[] {
  return Object.keys(table) as CorePrim[];
}
