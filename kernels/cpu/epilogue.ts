/**
 * Epilogues on matmul tiles: a product computed a block of rows at a time, and the fused kernel
 * that reads it run on each block right after, while the block is still in cache, instead of
 * one full pass over the product after it is all written.
 *
 * The kernel is cut along its first axis into blocks that each cover whole rows of the product
 * (its other axes hold a whole number of product rows): each block is the same kernel over a
 * shorter first axis, its inputs' offsets moved on, its outputs written into a range of each
 * output buffer. A kernel that cannot be cut so (a reduction over its first axis, rows that do
 * not line up, a transposed left operand) runs as one block after the whole product.
 *
 * @module
 */
import type { Shape } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import type { FusedKernel } from "../fused.ts";

/** Elements of product per tile: about 512 KiB of f32, so a tile and its epilogue stay in L2. */
export const TILE_ELEMENTS = 131072;

/** One block: the product's rows, the kernel over them, and where its outputs go. */
export interface EpilogueTile {
  /** Rows `[row0, row1)` of the product (leading axes flattened). */
  readonly rows: readonly [number, number];
  /** The kernel restricted to the block. */
  readonly kernel: FusedKernel;
  /** For each kernel output: its element range `[start, end)` in the full output buffer. */
  readonly ranges: readonly (readonly [number, number])[];
}

/**
 * The blocks in which to run `kernel` as an epilogue of a product of shape `productShape`
 * (`transA`: the left operand is stored transposed, so its rows are not contiguous).
 *
 * @example
 * ```ts
 * import { epilogueTiles } from "./epilogue.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const kernel = {
 *   shape: [4, 2, 3],
 *   inputs: [{ dtype: "f32" as const, strides: [6, 3, 1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const }],
 *   outputs: [0],
 * };
 * const tiles = epilogueTiles(kernel, [8, 3], { transA: false, tileElements: 12 });
 * assertEquals(tiles.map((t) => t.rows), [[0, 4], [4, 8]]);
 * assertEquals(tiles[1].kernel.shape, [2, 2, 3]);
 * assertEquals(tiles[1].kernel.inputs[0].offset, 12);
 * assertEquals(tiles[1].ranges, [[12, 24]]);
 * ```
 */
export function epilogueTiles(
  kernel: FusedKernel,
  productShape: Shape,
  opts: { transA: boolean; tileElements?: number },
): EpilogueTile[] {
  const total = sizeOf(productShape);
  const n = productShape[productShape.length - 1];
  const rows = n === 0 ? 0 : total / n;
  const whole = (): EpilogueTile[] => [{
    rows: [0, rows],
    kernel,
    ranges: outputSizes(kernel).map((size) => [0, size] as const),
  }];
  if (sizeOf(kernel.shape) !== total) {
    throw new Error(
      `matmul epilogue: the kernel iterates over ${sizeOf(kernel.shape)} elements, ` +
        `the product [${productShape.join(",")}] has ${total}`,
    );
  }
  const lead = kernel.shape[0] ?? 1;
  const rest = total / Math.max(lead, 1);
  if (
    opts.transA || total === 0 || lead <= 1 || rest % n !== 0 || kernel.reduce?.axes.includes(0)
  ) {
    return whole();
  }
  const per = Math.max(1, Math.round((opts.tileElements ?? TILE_ELEMENTS) / rest));
  if (per >= lead) return whole();
  const rowsPer = rest / n;
  // Elements per index of the first axis in each output (the reduction's keeps its axes as 1).
  const outStrides = [
    ...kernel.outputs.map(() => rest),
    ...(kernel.reduce
      ? [sizeOf(kernel.shape.slice(1).map((d, a) => (kernel.reduce!.axes.includes(a + 1) ? 1 : d)))]
      : []),
  ];
  const tiles: EpilogueTile[] = [];
  for (let j0 = 0; j0 < lead; j0 += per) {
    const j1 = Math.min(lead, j0 + per);
    tiles.push({
      rows: [j0 * rowsPer, j1 * rowsPer],
      kernel: {
        ...kernel,
        shape: [j1 - j0, ...kernel.shape.slice(1)],
        inputs: kernel.inputs.map((x) => ({ ...x, offset: x.offset + j0 * x.strides[0] })),
      },
      ranges: outStrides.map((s) => [j0 * s, j1 * s] as const),
    });
  }
  return tiles;
}

/** Elements of each output buffer of `kernel` (outputs, then the reduction's). */
function outputSizes(kernel: FusedKernel): number[] {
  const size = sizeOf(kernel.shape);
  const sizes = kernel.outputs.map(() => size);
  if (kernel.reduce) {
    sizes.push(sizeOf(kernel.shape.map((d, a) => (kernel.reduce!.axes.includes(a) ? 1 : d))));
  }
  return sizes;
}
