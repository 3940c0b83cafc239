/**
 * Applying a primitive: check, run on the backend, wrap, record.
 *
 * Every op in nugrad ends in {@linkcode bind}. Each op module hands its
 * primitives' rules (output spec, VJP and, for elementwise primitives, the
 * scalar definition that every backend renders) to {@linkcode defineRule};
 * `rules.ts` gathers them into the type-checked table that tests read.
 *
 * @module
 */
import type {
  Backend,
  BackendBuffer,
  BinaryOp,
  CompareOp,
  DType,
  OutSpec,
  Prim,
  PrimParams,
  Shape,
  UnaryOp,
} from "../kernels/backend.ts";
import { broadcastStrides, sizeOf } from "../kernels/backend.ts";
import { type FusedKernel, ProgramBuilder } from "../kernels/fused.ts";
import { type Lowering, runLowering } from "./lowering.ts";
import { fmtShape, shareStorage, type Tensor, wrapBuffer } from "./tensor.ts";
import { record } from "./tape.ts";
import { compatibleBackends, redirectBackend } from "./trace_context.ts";
import { allocationError, checkAllocation } from "./alloc_checks.ts";
import { activeChecks, readableNow } from "./checks.ts";
import { checkNans, watchNans } from "./nan_checks.ts";
import { type BatchArg, BatchedTensor, topLevel } from "./vmap_batched.ts";

/**
 * Parameters of the primitives the core adds to the backend's: elementwise
 * primitives (run as generated kernels), the ones lowered to fused kernels
 * (reductions, log-softmax, normalization) and the storage-sharing ones.
 */
export interface CoreOnlyParams {
  /** Sum over `axes` (sorted, unique; kept as size 1). */
  reduceSum: { axes: readonly number[] };
  /** Maximum over `axes` (sorted, unique; kept as size 1). */
  reduceMax: { axes: readonly number[] };
  /** Log-softmax along the last axis. */
  logSoftmax: Record<string, never>;
  /** Softmax along the last axis. */
  softmax: Record<string, never>;
  /** L2 normalization of the rows (`-1`) or columns (`0`) of a matrix (`eps` under the root). */
  normalizeAxis: { axis: 0 | -1; eps: number };
  /** Elementwise function of one input. */
  unary: { op: UnaryOp };
  /** Elementwise arithmetic of two broadcast inputs. */
  binary: { op: BinaryOp };
  /** Elementwise comparison of two broadcast inputs (bool out). */
  compare: { op: CompareOp };
  /** `cond ? a : b`, broadcast. */
  where: Record<string, never>;
  /** Convert to dtype `to`. */
  cast: { to: DType };
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
  /**
   * For elementwise primitives: the scalar definition, as nodes added to `b`
   * over the inputs' values `args`; returns the result's node. Every backend
   * renders it (JavaScript, WGSL), alone or fused with its neighbours.
   */
  scalar?: (
    b: ProgramBuilder,
    args: readonly number[],
    params: CorePrimParams[P],
    dtypes: { inputs: readonly DType[]; out: DType },
  ) => number;
  /**
   * For primitives run as fused kernels that are not one elementwise op (reductions,
   * log-softmax, normalization): the kernels, over contiguous operands of the given shapes and
   * dtypes. Eager execution runs them, and so does a `nu.jit` trace (which records them).
   */
  lower?: (
    inputs: readonly { shape: Shape; dtype: DType }[],
    params: CorePrimParams[P],
    out: OutSpec,
  ) => Lowering;
  /**
   * The batching rule (`nu.vmap`): the output, with its batch axis, from the inputs with theirs
   * (`axis: null` for an input every member shares; at least one input is batched). `size` is
   * the batch size. Written with primitives or ops on the values, which may be batched at
   * outer levels themselves.
   */
  batch: (args: readonly BatchArg[], params: CorePrimParams[P], size: number) => BatchArg;
}

const registry = new Map<CorePrim, Rule<never>>();

/**
 * Register primitive `prim`'s rule (each op module does this for its
 * primitives); returns the rule.
 *
 * @example
 * ```ts
 * import { ruleOf } from "./bind.ts";
 * import "./ops/elementwise.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(ruleOf("unary").scalar !== undefined);
 * ```
 */
export function defineRule<P extends CorePrim>(prim: P, rule: Rule<P>): Rule<P> {
  registry.set(prim, rule as unknown as Rule<never>);
  return rule;
}

/** The registered rule of `prim` (throws if its op module was never loaded). */
export function ruleOf<P extends CorePrim>(prim: P): Rule<P> {
  const r = registry.get(prim);
  if (r === undefined) throw new Error(`bind: no rule registered for primitive ${prim}`);
  return r as unknown as Rule<P>;
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
  const level = topLevel(inputs);
  if (level > 0) return bindBatched(prim, inputs, params, level);
  const op = userOpName(prim, params);
  const backend = redirectBackend(sameBackend(op, inputs));
  const rule = ruleOf(prim);
  const spec = rule.outSpec(inputs, params);
  let out: Tensor;
  if (prim === "reshape" || prim === "alias") {
    out = shareStorage(inputs[0], spec.shape);
  } else {
    checkAllocation(op, spec.shape, spec.dtype, backend);
    try {
      out = wrapBuffer(
        backend,
        runPrimitive(backend, prim, inputs, params, spec),
        spec.shape,
        spec.dtype,
      );
    } catch (e) {
      throw allocationError(op, spec.shape, spec.dtype, e);
    }
  }
  if (activeChecks().nans) {
    if (readableNow(out)) checkNans(op, inputs, out, (t) => t.dataSync());
    else watchNans(op, inputs, out);
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

/** Primitives whose op has another name. */
const OP_NAMES: Partial<Record<CorePrim, string>> = {
  reduceSum: "sum",
  reduceMax: "max",
  broadcast: "broadcastTo",
  crossEntropyGrad: "crossEntropy",
  normalizeAxis: "l2Normalize",
};

/** The name users know a primitive by: `add` for `binary`, `exp` for `unary`, `gt` for `compare`. */
function userOpName<P extends CorePrim>(prim: P, params: CorePrimParams[P]): string {
  const op = (params as { op?: unknown }).op;
  return typeof op === "string" ? op : OP_NAMES[prim] ?? prim;
}

/** Apply `prim` at vmap level `level`: unwrap that level's inputs, run the batching rule, wrap. */
function bindBatched<P extends CorePrim>(
  prim: P,
  inputs: readonly Tensor[],
  params: CorePrimParams[P],
  level: number,
): Tensor {
  let size = 0;
  const args: BatchArg[] = inputs.map((t) => {
    if (t instanceof BatchedTensor && t.level === level) {
      t.assertLive(prim);
      size = t.batchSize;
      return { value: t.value, axis: t.axis };
    }
    return { value: t, axis: null };
  });
  const out = ruleOf(prim).batch(args, params, size);
  // A rule may hand back one of its inputs' values: the new tensor needs one of its own.
  const value = args.some((a) => a.value === out.value)
    ? bind("alias", [out.value], {})
    : out.value;
  return out.axis === null ? value : new BatchedTensor(value, level, out.axis);
}

/**
 * The one-op kernel of an elementwise primitive: each input read with its
 * broadcast strides over the output shape, the rule's scalar definition, one
 * output.
 *
 * @example
 * ```ts
 * import { elementwiseKernel, ruleOf } from "./bind.ts";
 * import { tensor } from "./ops/create.ts";
 * import "./ops/elementwise.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const [a, b] = [tensor([[1], [2]]), tensor([1, 2, 3])];
 * const k = elementwiseKernel(ruleOf("binary"), [a, b], { op: "add" }, { shape: [2, 3], dtype: "f32" });
 * assertEquals(k.inputs.map((x) => x.strides), [[1, 0], [0, 1]]);
 * ```
 */
export function elementwiseKernel<P extends CorePrim>(
  rule: Rule<P>,
  inputs: readonly { shape: Shape; dtype: DType }[],
  params: CorePrimParams[P],
  out: OutSpec,
): FusedKernel {
  const b = new ProgramBuilder();
  const dtypes = inputs.map((t) => t.dtype);
  const args = inputs.map((t, i) => b.load(i, t.dtype));
  const node = rule.scalar!(b, args, params, { inputs: dtypes, out: out.dtype });
  return {
    shape: out.shape,
    inputs: inputs.map((t) => ({
      dtype: t.dtype,
      strides: broadcastStrides(t.shape, out.shape),
      offset: 0,
    })),
    nodes: b.nodes,
    outputs: [node],
  };
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
    else if (!compatibleBackends(t.backend, b)) {
      throw new Error(
        `${op}: inputs live on different backends: ${b.name} and ${t.backend.name}; move one with toBackend()`,
      );
    }
  }
  if (b === null) throw new Error(`${op}: no inputs`);
  return b;
}

/**
 * Run a primitive at the buffer level, as {@linkcode bind} would: an
 * elementwise primitive as its one-op generated kernel, a lowered one as its
 * rule's kernels, any other through `backend.run`. For kernel tests and
 * benchmarks.
 *
 * @example
 * ```ts
 * import { runPrimitive } from "./bind.ts";
 * import { createCpuBackend } from "../kernels/cpu/backend.ts";
 * import "./ops/elementwise.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const cpu = createCpuBackend({ blas: false });
 * const x = { buffer: cpu.upload(new Float32Array([1, -2]), "f32"), shape: [2], dtype: "f32" as const };
 * const y = runPrimitive(cpu, "unary", [x], { op: "abs" }, { shape: [2], dtype: "f32" });
 * assertEquals([...cpu.readSync(y, "f32", 2)], [1, 2]);
 * ```
 */
export function runPrimitive<P extends CorePrim>(
  backend: Backend,
  prim: P,
  inputs: readonly { buffer: BackendBuffer; shape: Shape; dtype: DType }[],
  params: CorePrimParams[P],
  out: OutSpec,
): BackendBuffer {
  const rule = ruleOf(prim);
  if (rule.lower !== undefined) {
    const lowering = rule.lower(inputs, params, out);
    return runLowering(backend, lowering, inputs.map((x) => x.buffer));
  }
  if (rule.scalar === undefined) {
    return backend.run(prim as Prim, inputs, params as PrimParams[Prim], out);
  }
  const kernel = elementwiseKernel(rule, inputs, params, out);
  const y = backend.alloc(out.dtype, sizeOf(out.shape));
  try {
    backend.runFused(kernel, inputs.map((x) => x.buffer), [y]);
  } catch (e) {
    backend.release(y);
    throw e;
  }
  return y;
}
