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

/** Element types. `f64` exists on the CPU backend only (for gradient checks). */
export type DType = "f32" | "f64" | "i32" | "bool";

/** A tensor shape: one non-negative integer per axis. */
export type Shape = readonly number[];

/** The typed array each dtype reads back as. */
export type TypedArrayFor<D extends DType> = D extends "f32" ? Float32Array
  : D extends "f64" ? Float64Array
  : D extends "i32" ? Int32Array
  : Uint8Array;

/** Any typed array a tensor can be read back as. */
export type DataArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Bytes per element as stored on the CPU backend. */
export const BYTES_PER_ELEMENT: Record<DType, number> = {
  f32: 4,
  f64: 8,
  i32: 4,
  bool: 1,
};

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
 * - `reduceSum` / `reduceMax`: reduce over `axes` (sorted, unique); the output
 *   keeps those axes with size 1 (`out.shape` has the input's rank).
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
 * - `logSoftmax`: fused, along the last axis.
 * - `crossEntropy`: `(logits [..., V], targets i32 [...])` -> `[...]`: per row
 *   `logsumexp(logits) - logits[target]`; a target outside `[0, V)` gives NaN.
 * - `crossEntropyGrad`: `(logits [..., V], targets [...], g [...])` ->
 *   `[..., V]`: `(softmax(logits) - oneHot(target)) * g` per row.
 * - `normalizeAxis`: a 2-D float input; each row (`axis: -1`) or column
 *   (`axis: 0`) times `1 / sqrt(sum of its squares + eps)`.
 */
export interface PrimParams {
  /** Sum over `axes` (kept as size 1). */
  reduceSum: { axes: readonly number[] };
  /** Maximum over `axes` (kept as size 1). */
  reduceMax: { axes: readonly number[] };
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
  /** Fused log-softmax along the last axis. */
  logSoftmax: Record<string, never>;
  /** Fused per-row softmax cross-entropy. */
  crossEntropy: Record<string, never>;
  /** Its gradient with respect to the logits. */
  crossEntropyGrad: Record<string, never>;
  /** Fused L2 normalization of the rows (`-1`) or columns (`0`) of a matrix. */
  normalizeAxis: { axis: 0 | -1; eps: number };
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
  ): void;
  /** The most buffers (inputs and outputs together) one fused kernel may bind. */
  readonly maxKernelBuffers: number;
  /** Run primitive `prim` on `inputs`, producing a new buffer of spec `out`. */
  run<P extends Prim>(
    prim: P,
    inputs: readonly Operand[],
    params: PrimParams[P],
    out: OutSpec,
  ): BackendBuffer;
  /** Live and pooled buffers and bytes. */
  memory(): BackendMemory;
  /** Wait until all queued work is done (a no-op on the CPU). */
  flush(): Promise<void>;
  /** A one-line description (adapter, BLAS library, ...). */
  info(): string;
}

/** Number of elements in a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Strides (in elements) that read an input of shape `inShape` broadcast over `outShape`
 * (right-aligned NumPy broadcasting; 0 on missing and size-1 axes).
 *
 * @example
 * ```ts
 * import { broadcastStrides } from "./backend.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(broadcastStrides([3, 1], [2, 3, 4]), [0, 1, 0]);
 * ```
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const own = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  const s = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < inShape.length; i++) s[lead + i] = inShape[i] === 1 ? 0 : own[i];
  return s;
}
