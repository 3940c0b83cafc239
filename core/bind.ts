/**
 * Applying a primitive: check, run on the backend, wrap, record.
 *
 * Every op in nugrad ends in {@linkcode bind}. The primitive's rule (its
 * output spec and its VJP) comes from the rule table in `rules.ts`.
 *
 * @module
 */
import type {
  Backend,
  DType,
  MultiPrim,
  MultiPrimParams,
  OutSpec,
  Prim,
  PrimParams,
  Shape,
} from "../kernels/backend.ts";
import { fmtShape, shareStorage, type Tensor, wrapBuffer } from "./tensor.ts";
import { isTracked, record } from "./tape.ts";
import { multiRuleFor, ruleFor } from "./rules.ts";

/** Parameters of the primitives the core adds to the backend's (no kernel of their own). */
export interface CoreOnlyParams {
  /** Same storage, new shape. */
  reshape: { shape: Shape };
  /** Same storage, same shape, a new identity (the tape's view of an input). */
  alias: Record<string, never>;
}

/** Every primitive's parameters: the backend's plus the core-only ones. */
export type CorePrimParams = PrimParams & CoreOnlyParams;

/** A primitive name, backend or core-only. */
export type CorePrim = keyof CorePrimParams;

/** What a VJP rule is given about the node it differentiates. */
export interface NodeView<P extends CorePrim> {
  /** The primitive's inputs. */
  readonly inputs: readonly Tensor[];
  /** The primitive's output. */
  readonly output: Tensor;
  /** The primitive's parameters. */
  readonly params: CorePrimParams[P];
  /** Which inputs need a cotangent (the rule may return null for the others). */
  readonly wants: readonly boolean[];
}

/**
 * A primitive's rule: its output spec (shape and dtype, from validated inputs)
 * and its VJP written with nugrad's own ops, so that it can be differentiated
 * again. `vjp: null` marks a primitive without a derivative (comparisons).
 */
export interface Rule<P extends CorePrim> {
  /** Output shape and dtype, given the inputs' shapes and dtypes. */
  outSpec(inputs: readonly { shape: Shape; dtype: DType }[], params: CorePrimParams[P]): OutSpec;
  /** Input cotangents (null where an input gets none) from the output cotangent. */
  vjp: ((cotangent: Tensor, node: NodeView<P>) => readonly (Tensor | null)[]) | null;
}

/** The rule table type: one rule per primitive, checked by `deno check`. */
export type RuleTable = { [P in CorePrim]: Rule<P> };

/**
 * Apply primitive `prim` to `inputs`. Inputs must be live, on one backend;
 * callers (the ops) have validated shapes and dtypes and produce the messages
 * users see.
 */
export function bind<P extends CorePrim>(
  prim: P,
  inputs: readonly Tensor[],
  params: CorePrimParams[P],
): Tensor {
  const backend = sameBackend(prim, inputs);
  const rule = ruleFor(prim);
  const spec = rule.outSpec(inputs, params);
  let out: Tensor;
  if (prim === "reshape" || prim === "alias") {
    out = shareStorage(inputs[0], spec.shape);
  } else {
    const buffer = backend.run(
      prim as Prim,
      inputs.map((t) => ({ buffer: t.buffer, shape: t.shape, dtype: t.dtype })),
      params as PrimParams[Prim],
      spec,
    );
    out = wrapBuffer(backend, buffer, spec.shape, spec.dtype);
  }
  const vjp = rule.vjp;
  record({
    name: prim,
    inputs,
    output: out,
    vjp: vjp === null ? null : (g, wants) => vjp(g, { inputs, output: out, params, wants }),
  });
  return out;
}

/**
 * A multi-output primitive's rule: its output specs. Multi-output primitives
 * (optimizer kernels) have no VJP: {@linkcode bindMulti} refuses them under a
 * gradient tape.
 */
export interface MultiRule<P extends MultiPrim> {
  /** Output shapes and dtypes, given the inputs' shapes and dtypes. */
  outSpecs(
    inputs: readonly { shape: Shape; dtype: DType }[],
    params: MultiPrimParams[P],
  ): OutSpec[];
}

/** The multi-output rule table type: one rule per multi-output primitive, checked by `deno check`. */
export type MultiRuleTable = { [P in MultiPrim]: MultiRule<P> };

/**
 * Apply multi-output primitive `prim` to `inputs`: one new tensor per output,
 * each registered in the current scope. Throws `<prim>: not differentiable (an
 * input is being traced by grad/vjp)` when an active gradient tape tracks an input.
 */
export function bindMulti<P extends MultiPrim>(
  prim: P,
  inputs: readonly Tensor[],
  params: MultiPrimParams[P],
): Tensor[] {
  const backend = sameBackend(prim, inputs);
  if (isTracked(inputs)) {
    throw new Error(`${prim}: not differentiable (an input is being traced by grad/vjp)`);
  }
  const specs = multiRuleFor(prim).outSpecs(inputs, params);
  const buffers = backend.runMulti(
    prim,
    inputs.map((t) => ({ buffer: t.buffer, shape: t.shape, dtype: t.dtype })),
    params,
    specs,
  );
  return buffers.map((b, i) => wrapBuffer(backend, b, specs[i].shape, specs[i].dtype));
}

/** The one backend all `inputs` live on; a clear error when they are disposed or mixed. */
export function sameBackend(op: string, inputs: readonly Tensor[]): Backend {
  let b: Backend | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t.disposed) {
      throw new Error(
        `${op}: input ${i} (tensor #${t.id} ${fmtShape(t.shape)} ${t.dtype}) was disposed`,
      );
    }
    if (b === null) b = t.backend;
    else if (t.backend !== b) {
      throw new Error(
        `${op}: inputs live on different backends: ${b.name} and ${t.backend.name}; move one with toBackend()`,
      );
    }
  }
  if (b === null) throw new Error(`${op}: no inputs`);
  return b;
}
