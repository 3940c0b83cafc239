/**
 * The contract between nugrad's core and its backends.
 *
 * A backend knows nothing of autodiff: it allocates, uploads, reads back and
 * releases buffers, and runs one primitive at a time on buffers it owns. The
 * core checks every shape and dtype before it calls {@linkcode Backend.run},
 * so a backend may trust the operands it is given.
 *
 * @module
 */
import type { FusedKernel } from "./fused.ts";

export { broadcastStrides, BYTES_PER_ELEMENT, sizeOf, stridesOf } from "./dtype_shape.ts";
export type { DataArray, DType, Shape, TypedArrayFor } from "./dtype_shape.ts";
import type { DataArray, DType, Shape } from "./dtype_shape.ts";

/** An opaque buffer handle owned by one backend. */
export interface BackendBuffer {
  /** The name of the backend that owns this buffer. */
  readonly backend: string;
}

/** A buffer together with the shape and dtype the core gives it. */
export interface Operand {
  /** The buffer holding the elements, row-major, contiguous. */
  readonly buffer: BackendBuffer;
  /** The logical shape. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
}

/** Elementwise functions of one argument. */
export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "rsqrt"
  | "abs"
  | "sign"
  | "tanh"
  | "sin"
  | "cos"
  | "sigmoid"
  | "erf"
  | "log1p"
  | "expm1"
  | "floor"
  | "ceil"
  | "round";

/** Elementwise functions of two arguments (NumPy broadcasting). */
export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "max" | "min" | "atan2";

/** Elementwise comparisons (NumPy broadcasting); they produce `bool`. */
export type CompareOp = "lt" | "le" | "gt" | "ge" | "eq" | "ne";

/**
 * Every structural primitive a backend runs, with its parameters. Elementwise
 * work (unary and binary functions, comparisons, `where`, `cast`) is not a
 * primitive of the backend: it arrives as a {@linkcode FusedKernel} through
 * {@linkcode Backend.runFused}, generated from one definition per op.
 *
 * Shapes of inputs and output are passed separately (as {@linkcode Operand}s
 * and the `out` spec), so parameters hold only what shapes cannot say.
 *
 * - `matmul`: `a [...batchA, m, k]` times `b [...batchB, k, n]` (after the
 *   transposes that `transA`/`transB` ask for, which the kernel folds into its
 *   indexing); batch dims broadcast; both inputs have rank >= 2.
 * - `transpose`: permute axes by `perm`.
 * - `flip`: reverse the order of the elements along `axis`.
 * - `broadcast`: expand an input of the same rank (size-1 axes) to `shape` (= `out.shape`).
 * - `slice`: take `sizes[i]` (= `out.shape[i]`) elements from `starts[i]` on each axis.
 * - `pad`: zero-pad by `before[i]` and `after[i]` on each axis (giving `out.shape`).
 * - `concat`: join inputs along `axis`.
 * - `gather`: `x` indexed along `axis` by `i32` indices `idx`; output shape is
 *   `x.shape[:axis] + idx.shape + x.shape[axis+1:]` (NumPy `take`).
 * - `scatterAdd`: the transpose of `gather`: `(g, idx)` summed into zeros of
 *   `out.shape` along `axis` (`size` = `out.shape[axis]`).
 * - `crossEntropy`: `(logits [..., V], targets i32 [...])` -> `[...]`: per row
 *   `logsumexp(logits) - logits[target]`; a target outside `[0, V)` gives NaN.
 * - `crossEntropyGrad`: `(logits [..., V], targets [...], g [...])` ->
 *   `[..., V]`: `(softmax(logits) - oneHot(target)) * g` per row.
 *
 * Reductions, softmax and normalization are not primitives of the backend
 * either: the core lowers them to fused kernels (see `core/lowering.ts`).
 */
export interface PrimParams {
  /** Batched matrix product; transposes folded into indexing. */
  matmul: { transA: boolean; transB: boolean };
  /** Permute axes. */
  transpose: { perm: readonly number[] };
  /** Reverse the elements along `axis`. */
  flip: { axis: number };
  /** Expand size-1 axes to `shape`. */
  broadcast: { shape: Shape };
  /** A box of `sizes` from `starts`. */
  slice: { starts: readonly number[]; sizes: readonly number[] };
  /** Zero padding. */
  pad: { before: readonly number[]; after: readonly number[] };
  /** Join along `axis`. */
  concat: { axis: number };
  /** NumPy `take` along `axis`. */
  gather: { axis: number };
  /** The transpose of `gather`. */
  scatterAdd: { axis: number; size: number };
  /** Fused per-row softmax cross-entropy. */
  crossEntropy: Record<string, never>;
  /** Its gradient with respect to the logits. */
  crossEntropyGrad: Record<string, never>;
}

/** The name of a primitive. */
export type Prim = keyof PrimParams;

/** Output spec of a primitive: its shape and dtype. */
export interface OutSpec {
  /** Output shape. */
  readonly shape: Shape;
  /** Output dtype. */
  readonly dtype: DType;
}

/** What {@linkcode Backend.memory} reports. */
export interface BackendMemory {
  /** Live (not released) buffers, pooled ones excluded. */
  buffers: number;
  /** Bytes held by live buffers. */
  bytes: number;
  /** Buffers kept in the reuse pool (not live). */
  pooledBuffers: number;
  /** Bytes kept in the reuse pool. */
  pooledBytes: number;
  /** Allocations served from the pool (backends that count them). */
  poolHits?: number;
  /** Allocations the pool could not serve (backends that count them). */
  poolMisses?: number;
  /** Fresh storage created so far: a steady-state step should add none (backends that count it). */
  created?: number;
}

/** How {@linkcode Backend.runFused} may run a kernel. */
export interface FusedRunOptions {
  /**
   * Accumulate a reduction in the widest precision the backend has (f64 on the CPU, whatever
   * renderer would take the kernel otherwise): eager primitives ask for it, as the reference
   * semantics; compiled programs leave it off for speed.
   */
  readonly wideAccumulation?: boolean;
}

/** A fused kernel run on a matmul's output (see {@linkcode Backend.runMatmulEpilogue}). */
export interface MatmulEpilogue {
  /** The kernel: as many elements as the product, reading it element for element. */
  readonly kernel: FusedKernel;
  /** Its input buffers (the product's target among them where it reads the product). */
  readonly inputs: readonly BackendBuffer[];
  /** Its output buffers. */
  readonly outputs: readonly BackendBuffer[];
}

/** A place where tensors live and primitives run. */
export interface Backend {
  /** Short name: `cpu` or `webgpu`. */
  readonly name: string;
  /** Dtypes this backend can hold. */
  readonly dtypes: readonly DType[];
  /** Copy host data into a new buffer of `dtype`. `data.length` elements. */
  upload(data: DataArray, dtype: DType): BackendBuffer;
  /** Read `size` elements of `dtype` back to the host. */
  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<DataArray>;
  /** Synchronous read, offered only where it is free (the CPU backend). */
  readSync?(buffer: BackendBuffer, dtype: DType, size: number): DataArray;
  /** Give a buffer back; the handle must not be used again. */
  release(buffer: BackendBuffer): void;
  /**
   * A new buffer of `size` elements of `dtype` whose contents are unspecified:
   * for kernels that write every element (fused kernels, compiled programs).
   */
  alloc(dtype: DType, size: number): BackendBuffer;
  /**
   * Run fused kernel `kernel` (see `kernels/fused.ts`): read `inputs` through
   * the kernel's views and write every element of each buffer in `outputs` (one
   * per output node, then the reduction's). No output may also be an input.
   */
  runFused(
    kernel: FusedKernel,
    inputs: readonly BackendBuffer[],
    outputs: readonly BackendBuffer[],
    options?: FusedRunOptions,
  ): void;
  /** The most buffers (inputs and outputs together) one fused kernel may bind. */
  readonly maxKernelBuffers: number;
  /**
   * A compiled program stores, rather than recomputes in the backward kernels that read it, a
   * value made with a transcendental function (exp, log, tanh, …) over fewer elements than this
   * (`core/jit/remat.ts`); 0 or absent: such values are recomputed as any cheap value is.
   */
  readonly storeTranscendentalsBelow?: number;
  /** Run primitive `prim` on `inputs`, producing a new buffer of spec `out`. */
  run<P extends Prim>(
    prim: P,
    inputs: readonly Operand[],
    params: PrimParams[P],
    out: OutSpec,
  ): BackendBuffer;
  /**
   * Optional: run `prim` into `target`, a live buffer of spec `out` that aliases
   * no input (so a compiled program can keep structural outputs in its arena).
   */
  runInto?<P extends Prim>(
    prim: P,
    inputs: readonly Operand[],
    params: PrimParams[P],
    out: OutSpec,
    target: BackendBuffer,
  ): void;
  /**
   * Optional: a matmul into `target` (a live buffer of spec `out`, aliasing no
   * operand) with `epilogue` run on its output while it is in cache: the
   * backend may compute the product in row tiles and run the epilogue on each
   * tile before the next. The epilogue kernel iterates over as many elements
   * as the product and reads `target` (when it does) element for element,
   * row-major; one of its outputs may be `target` itself (an in-place epilogue).
   */
  runMatmulEpilogue?(
    inputs: readonly Operand[],
    params: PrimParams["matmul"],
    out: OutSpec,
    target: BackendBuffer,
    epilogue: MatmulEpilogue,
  ): void;
  /** Live and pooled buffers and bytes. */
  memory(): BackendMemory;
  /** Wait until all queued work is done (a no-op on the CPU). */
  flush(): Promise<void>;
  /** A one-line description (adapter, BLAS library, ...). */
  info(): string;
  /**
   * Optional (NaN debugging on backends that cannot read synchronously): watch `size` f32
   * elements of `buffer` and make the next readback throw `describe(bits, position)` if one is
   * a NaN or an infinity.
   */
  watchNonFinite?(
    buffer: BackendBuffer,
    size: number,
    describe: (bits: number, at: number) => string,
  ): void;
}
