/**
 * How a fused kernel's module finds its buffers and sizes: the i32 parameter
 * words its `run(params)` reads (sizes, each input's byte address and byte
 * strides, each output's address, the reduction's address, strides and
 * count), and the same words for a slab of rows (one Worker task).
 *
 * @example
 * ```ts
 * import { paramWords } from "./fused_params.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const words = paramWords({
 *   shape: [5],
 *   inputs: [{ dtype: "bool", strides: [1], offset: 2 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "bool" }],
 *   outputs: [0],
 * }, [64], [128]);
 * assertEquals([...words], [5, 66, 1, 128]);
 * ```
 *
 * @module
 */
import type { FusedKernel } from "../../fused.ts";

/** Maximum pages of the fused kernels' memory (4 GiB). */
export const FUSED_MAX_PAGES = 65536;

/** Bytes per element of the dtypes the renderer takes. */
export const BYTES: Readonly<Record<string, number>> = { f32: 4, bool: 1 };

/**
 * A rank-0 kernel as a rank-1 kernel of one element (the loops need an innermost axis).
 *
 * @example
 * ```ts
 * import { atLeastRank1 } from "./fused_params.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const k = atLeastRank1({
 *   shape: [],
 *   inputs: [{ dtype: "f32", strides: [], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [0],
 * });
 * assertEquals([k.shape, k.inputs[0].strides], [[1], [0]]);
 * ```
 */
export function atLeastRank1(k: FusedKernel): FusedKernel {
  if (k.shape.length > 0) return k;
  return {
    ...k,
    shape: [1],
    inputs: k.inputs.map((x) => ({ ...x, strides: [0] })),
    ...(k.reduce ? { reduce: { ...k.reduce, axes: [] } } : {}),
  };
}

/**
 * The i32 parameter words of a kernel (already collapsed and at least rank
 * 1) whose buffers start at the byte addresses `inputAt`, `outputAt` (one per
 * output, then the reduction's): sizes; each input's address (offset
 * included) and byte strides; each output's address; the reduction's address,
 * byte strides and element count.
 *
 * @example
 * ```ts
 * import { paramWords } from "./fused_params.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const words = paramWords({
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32", strides: [3, 1], offset: 1 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [],
 *   reduce: { op: "sum", node: 0, axes: [1] },
 * }, [100], [200]);
 * assertEquals([...words], [2, 3, 104, 12, 4, 200, 4, 0, 2]);
 * ```
 */
export function paramWords(
  k: FusedKernel,
  inputAt: readonly number[],
  outputAt: readonly number[],
): Int32Array {
  return writeAddresses(paramLayout(k), inputAt, outputAt);
}

/**
 * A kernel's parameter words with its operands' addresses left to fill: the words at zero
 * addresses, where each input's address goes (with the bytes its offset adds) and where the
 * outputs' (then the reduction's) go. {@linkcode writeAddresses} fills them in place, so that a
 * kernel run again and again builds no new array.
 *
 * @example
 * ```ts
 * import { paramLayout, paramWords, writeAddresses } from "./fused_params.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const k = {
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32" as const, strides: [3, 1], offset: 1 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const }],
 *   outputs: [],
 *   reduce: { op: "sum" as const, node: 0, axes: [1] },
 * };
 * const layout = paramLayout(k);
 * assertEquals([...writeAddresses(layout, [100], [200])], [...paramWords(k, [100], [200])]);
 * ```
 */
export interface ParamLayout {
  /** The words, rewritten in place by each {@linkcode writeAddresses}. */
  readonly words: Int32Array;
  /** Word index of each input's address, and the bytes its offset adds. */
  readonly inputWord: readonly number[];
  readonly inputBias: readonly number[];
  /** Word index of each output's address, then the reduction's. */
  readonly outputWord: readonly number[];
}

/** The {@linkcode ParamLayout} of a kernel (collapsed, at least rank 1). */
export function paramLayout(k: FusedKernel): ParamLayout {
  const rank = k.shape.length;
  const words: number[] = [...k.shape];
  const inputWord: number[] = [], inputBias: number[] = [], outputWord: number[] = [];
  for (const x of k.inputs) {
    const b = BYTES[x.dtype];
    inputWord.push(words.length);
    inputBias.push(x.offset * b);
    words.push(0, ...x.strides.map((s) => s * b));
  }
  for (const _ of k.outputs) outputWord.push(words.push(0) - 1);
  if (k.reduce) {
    const reduced = new Set(k.reduce.axes);
    const rs = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let a = rank - 1; a >= 0; a--) {
      if (!reduced.has(a)) {
        rs[a] = 4 * acc;
        acc *= k.shape[a];
      }
    }
    outputWord.push(words.length);
    words.push(0, ...rs, acc);
  }
  return { words: new Int32Array(words), inputWord, inputBias, outputWord };
}

/** `layout`'s words with these operand addresses (the same array, rewritten). */
export function writeAddresses(
  layout: ParamLayout,
  inputAt: readonly number[],
  outputAt: readonly number[],
): Int32Array {
  const { words, inputWord, inputBias, outputWord } = layout;
  for (let i = 0; i < inputWord.length; i++) words[inputWord[i]] = inputAt[i] + inputBias[i];
  for (let j = 0; j < outputWord.length; j++) words[outputWord[j]] = outputAt[j];
  return words;
}

/**
 * The parameter words of indices `i0..i1` of axis `axis` of a kernel whose words are `words`
 * ({@linkcode paramWords}, or words this gave for an earlier axis), written into `out` (default
 * a new array of the same length) and returned: the same kernel over that
 * slab. Every axis before `axis` must already be sliced to one index (or `axis` be 0), so that
 * the slab's elementwise outputs are one contiguous run. Along a kept axis the reduction's
 * address and element count follow the slab; along a reduced one they stay (the slab reduces
 * into the whole output: a partial result when the address is replaced).
 *
 * @example
 * ```ts
 * import { paramWords, sliceAxisWords } from "./fused_params.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const k = {
 *   shape: [4, 3],
 *   inputs: [{ dtype: "f32" as const, strides: [3, 1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const }],
 *   outputs: [0],
 * };
 * // Rows 1..3: three rows, each address moved on by one row of 3 floats.
 * assertEquals([...sliceAxisWords(k, paramWords(k, [0], [64]), 0, 1, 4)], [3, 3, 12, 12, 4, 76]);
 * ```
 */
export function sliceAxisWords(
  k: FusedKernel,
  words: Int32Array,
  axis: number,
  i0: number,
  i1: number,
  out: Int32Array = new Int32Array(words.length),
): Int32Array {
  const rank = k.shape.length;
  out.set(words);
  const extent = words[axis];
  out[axis] = i1 - i0;
  let inner = 1;
  for (let a = axis + 1; a < rank; a++) inner *= words[a];
  let w = rank;
  for (let i = 0; i < k.inputs.length; i++) {
    out[w] += i0 * words[w + 1 + axis];
    w += 1 + rank;
  }
  k.outputs.forEach((o) => {
    out[w] += i0 * inner * BYTES[k.nodes[o].dtype];
    w++;
  });
  if (k.reduce && !k.reduce.axes.includes(axis)) {
    out[w] += i0 * words[w + 1 + axis];
    out[w + 1 + rank] = (words[w + 1 + rank] / extent) * (i1 - i0);
  }
  return out;
}

/**
 * The word index of the reduction's output address in a kernel's parameter words.
 *
 * @example
 * ```ts
 * import { reductionWord } from "./fused_params.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(reductionWord({
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32", strides: [3, 1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [0],
 *   reduce: { op: "sum", node: 0, axes: [0] },
 * }), 6);
 * ```
 */
export function reductionWord(k: FusedKernel): number {
  return k.shape.length * (1 + k.inputs.length) + k.inputs.length + k.outputs.length;
}
