/**
 * The batched tensor of `nu.vmap`: a tensor as the vmapped function sees it (the logical shape,
 * without the batch axis) standing for a value one level down that carries the batch axis.
 * `bind` sends every primitive applied to one to the primitive's batching rule. This file knows
 * nothing of ops, so that `bind` can import it.
 *
 * @module
 */
import { fmtShape, keep, Tensor } from "./tensor.ts";

/** An input or output of a batching rule: the value and its batch axis (`null`: not batched). */
export interface BatchArg {
  /** The value, with the batch axis when `axis` is a number. */
  readonly value: Tensor;
  /** The batch axis of `value`, or `null` when the value is the same for every member. */
  readonly axis: number | null;
}

/** One active `vmap`: its batch size. Levels count from 1 (the outermost). */
const levels: number[] = [];

/**
 * A tensor inside `vmap`: its `value` (one level down) has the batch axis `axis` of size
 * `size`; its own shape is `value`'s without that axis. It owns `value`.
 *
 * @example
 * ```ts
 * import { BatchedTensor } from "./vmap_batched.ts";
 * import { ones } from "./ops/create.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const b = new BatchedTensor(ones([3, 2]), 1, 0);
 * assertEquals([b.shape, b.size, b.batchSize], [[2], 2, 3]);
 * b.dispose();
 * ```
 */
export class BatchedTensor extends Tensor {
  /** The batched value, one level down (it may be batched at a lower level itself). */
  readonly value: Tensor;
  /** The vmap level this tensor is batched at. */
  readonly level: number;
  /** The batch axis of `value`. */
  readonly axis: number;

  /** Wrap `value` (taken out of every scope: the new tensor owns it). */
  constructor(value: Tensor, level: number, axis: number) {
    if (!Number.isInteger(axis) || axis < 0 || axis >= value.rank) {
      throw new Error(
        `vmap: batch axis ${axis} is out of range for shape ${fmtShape(value.shape)}`,
      );
    }
    keep(value);
    super(value._storage, value.shape.filter((_, i) => i !== axis), value.dtype);
    this.value = value;
    this.level = level;
    this.axis = axis;
  }

  /** The batch size (the size of `value`'s batch axis). */
  get batchSize(): number {
    return this.value.shape[this.axis];
  }

  /** @internal A batched tensor has no buffer of its own shape. */
  override get buffer(): never {
    throw new Error(
      `vmap: a batched tensor (${this.dtype} ${fmtShape(this.shape)}) has no buffer of its own`,
    );
  }

  /** Values cannot be read inside `vmap`. */
  override data(): Promise<never> {
    return Promise.reject(readError(this));
  }

  /** Values cannot be read inside `vmap`. */
  override dataSync(): never {
    throw readError(this);
  }

  /** Disposes the value too. */
  override dispose(): void {
    super.dispose();
    this.value.dispose();
  }

  /** A short description, e.g. `BatchedTensor<f32>[2] (batch 3 at axis 0)`. */
  override toString(): string {
    return `BatchedTensor<${this.dtype}>${
      fmtShape(this.shape)
    } (batch ${this.batchSize} at axis ${this.axis}, level ${this.level})`;
  }
}

function readError(t: BatchedTensor): Error {
  return new Error(
    `vmap: cannot read the values of a batched tensor (${t.dtype} ${
      fmtShape(t.shape)
    }) inside the vmapped function; return it instead`,
  );
}

/**
 * The highest vmap level any of `inputs` is batched at, or 0 when none is batched.
 *
 * @example
 * ```ts
 * import { BatchedTensor, topLevel } from "./vmap_batched.ts";
 * import { ones } from "./ops/create.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(topLevel([ones([2]), new BatchedTensor(ones([3, 2]), 1, 0)]), 1);
 * assertEquals(topLevel([ones([2])]), 0);
 * ```
 */
export function topLevel(inputs: readonly Tensor[]): number {
  let top = 0;
  for (const t of inputs) if (t instanceof BatchedTensor && t.level > top) top = t.level;
  return top;
}

/**
 * The batch sizes of the active vmap levels, outermost first.
 *
 * @example
 * ```ts
 * import { activeLevels } from "./vmap_batched.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(activeLevels(), []);
 * ```
 */
export function activeLevels(): readonly number[] {
  return levels;
}

/**
 * Run `fn` inside a new vmap level of batch size `size`; `fn` gets the level.
 *
 * @example
 * ```ts
 * import { activeLevels, withLevel } from "./vmap_batched.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(withLevel(4, (level) => [level, activeLevels()[level - 1]]), [1, 4]);
 * ```
 */
export function withLevel<T>(size: number, fn: (level: number) => T): T {
  levels.push(size);
  try {
    return fn(levels.length);
  } finally {
    levels.pop();
  }
}
