/**
 * The rule table: one entry per primitive, typed as a mapped type over the
 * primitive names, so that a primitive without a rule fails `deno check`.
 * Each rule is defined beside its op (in `ops/`); this file only gathers them.
 *
 * @module
 */
import type { MultiPrim } from "../kernels/backend.ts";
import type { CorePrim, MultiRule, MultiRuleTable, Rule, RuleTable } from "./bind.ts";
import { binaryRule, castRule, compareRule, unaryRule, whereRule } from "./ops/elementwise.ts";
import { logSoftmaxRule, reduceMaxRule, reduceSumRule } from "./ops/reduce.ts";
import { matmulRule } from "./ops/matmul.ts";
import { aliasRule, broadcastRule, reshapeRule, transposeRule } from "./ops/shape.ts";
import { concatRule, padRule, sliceRule } from "./ops/slice.ts";
import { gatherRule, scatterAddRule } from "./ops/indexing.ts";
import { crossEntropyGradRule, crossEntropyRule } from "./ops/losses.ts";
import { adamUpdateRule, normalizeAxisRule } from "./ops/optimizer_kernels.ts";

let table: RuleTable | null = null;
let multiTable: MultiRuleTable | null = null;

/** Built on first use, so that the ops' modules have finished loading. */
function build(): RuleTable {
  return {
    unary: unaryRule,
    binary: binaryRule,
    compare: compareRule,
    where: whereRule,
    cast: castRule,
    reduceSum: reduceSumRule,
    reduceMax: reduceMaxRule,
    logSoftmax: logSoftmaxRule,
    matmul: matmulRule,
    reshape: reshapeRule,
    alias: aliasRule,
    transpose: transposeRule,
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
}

/** The multi-output primitives' rules (none has a VJP). */
function buildMulti(): MultiRuleTable {
  return { adamUpdate: adamUpdateRule };
}

/** The rule of multi-output primitive `prim`. */
export function multiRuleFor<P extends MultiPrim>(prim: P): MultiRule<P> {
  multiTable ??= buildMulti();
  return multiTable[prim] as unknown as MultiRule<P>;
}

/** Every multi-output primitive name (for tests that must cover them all). */
export function multiPrimitiveNames(): MultiPrim[] {
  multiTable ??= buildMulti();
  return Object.keys(multiTable) as MultiPrim[];
}

/** The rule of primitive `prim`. */
export function ruleFor<P extends CorePrim>(prim: P): Rule<P> {
  table ??= build();
  return table[prim] as unknown as Rule<P>;
}

/** Every primitive name (for tests that must cover them all). */
export function primitiveNames(): CorePrim[] {
  table ??= build();
  return Object.keys(table) as CorePrim[];
}
