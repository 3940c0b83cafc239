/**
 * Helpers for the primitives' batching rules (each rule sits beside its primitive in `ops/`).
 * A rule gets each input as a {@linkcode BatchArg} — its value one level down and its batch
 * axis, or `null` when the input is not batched — and returns the output the same way. These
 * helpers move batch axes with primitives only (no op imports), so that every op file can use
 * them.
 *
 * @module
 */
import type { Shape } from "../kernels/backend.ts";
import { bind, type CorePrim, type CorePrimParams } from "./bind.ts";
import { fromData } from "./ops/create.ts";
import type { Tensor } from "./tensor.ts";

export type { BatchArg } from "./vmap_batched.ts";
import type { BatchArg } from "./vmap_batched.ts";

/** The logical rank of `arg` (without its batch axis). */
export function logicalRank(arg: BatchArg): number {
  return arg.axis === null ? arg.value.rank : arg.value.rank - 1;
}

/** `arg`'s value with its batch axis first (an unbatched value unchanged). */
export function toFront(arg: BatchArg): Tensor {
  return arg.axis === null || arg.axis === 0 ? arg.value : moveAxis(arg.value, arg.axis, 0);
}

/** `x` with axis `from` moved to position `to` (a transpose; `x` itself when they agree). */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const perm = [...x.shape.keys()].filter((a) => a !== from);
  perm.splice(to, 0, from);
  return bind("transpose", [x], { perm });
}

/** `x` with a new axis of size `size` at `at` (broadcast, so that it reads as one copy per member). */
export function insertAxis(x: Tensor, at: number, size: number): Tensor {
  const lifted = [...x.shape];
  lifted.splice(at, 0, 1);
  const r = bind("reshape", [x], { shape: lifted });
  const full = [...lifted];
  full[at] = size;
  return size === 1 ? r : bind("broadcast", [r], { shape: full });
}

/** `arg`'s value batched at the front: moved there, or broadcast to `size` members. */
export function materialize(arg: BatchArg, size: number): Tensor {
  return arg.axis === null ? insertAxis(arg.value, 0, size) : toFront(arg);
}

/** `x` reshaped to `shape` (a primitive reshape; `x` itself when the shape is the same). */
export function reshapeTo(x: Tensor, shape: Shape): Tensor {
  return x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])
    ? x
    : bind("reshape", [x], { shape: [...shape] });
}

/**
 * The inputs of a broadcasting primitive (elementwise, matmul's batch axes) made to broadcast
 * right: every batched input with its batch axis at a shared position and the same rank, the
 * unbatched ones unchanged (they broadcast from the right, after the batch axis). Returns the
 * values and the output's batch axis.
 */
export function alignBroadcast(args: readonly BatchArg[]): { values: Tensor[]; axis: number } {
  const rank = Math.max(...args.map(logicalRank));
  const batched = args.filter((a) => a.axis !== null);
  const axis0 = batched[0].axis!;
  // Keep the batch axis where it is when every batched input agrees and no unbatched input
  // reaches past it from the right.
  const inPlace = batched.every((a) => a.axis === axis0 && a.value.rank === rank + 1) &&
    args.every((a) => a.axis !== null || a.value.rank <= rank - axis0);
  if (inPlace) return { values: args.map((a) => a.value), axis: axis0 };
  const values = args.map((a) => {
    if (a.axis === null) return a.value;
    const front = toFront(a);
    const pad = rank + 1 - front.rank;
    return pad === 0
      ? front
      : reshapeTo(front, [front.shape[0], ...ones(pad), ...front.shape.slice(1)]);
  });
  return { values, axis: 0 };
}

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}

/** A logical axis of an input batched at `batchAxis`, as an axis of its value. */
export function physicalAxis(axis: number, batchAxis: number): number {
  return axis >= batchAxis ? axis + 1 : axis;
}

/**
 * The i32 offsets `member · stride` shaped `[size, 1, ..., 1]` (rank `rank`), on `like`'s
 * backend: added to per-member indices, they address one flattened table of all members.
 */
export function memberOffsets(size: number, stride: number, rank: number, like: Tensor): Tensor {
  const data = new Int32Array(size);
  for (let m = 0; m < size; m++) data[m] = m * stride;
  return fromData(data, [size, ...ones(rank - 1)], { dtype: "i32", backend: like.backend });
}

/** The batching rule of a primitive that maps elements one to one: the same primitive, the axis kept. */
export function pointwiseBatch<P extends CorePrim>(
  prim: P,
): (args: readonly BatchArg[], params: CorePrimParams[P]) => BatchArg {
  return ([x], params) => ({ value: bind(prim, [x.value], params), axis: x.axis });
}

/** The batching rule of a broadcasting elementwise primitive (see {@linkcode alignBroadcast}). */
export function broadcastingBatch<P extends CorePrim>(
  prim: P,
): (args: readonly BatchArg[], params: CorePrimParams[P]) => BatchArg {
  return (args, params) => {
    const { values, axis } = alignBroadcast(args);
    return { value: bind(prim, values, params), axis };
  };
}
