/**
 * Bad inputs to ops: shapes, dtypes, axes, indices, disposed tensors, backends.
 *
 * @module
 */
import * as nu from "../../../mod.ts";
import { type BadInput, BOTH, f32, GPU, i32, ones } from "./helpers.ts";

/** The rows. */
export const OPS: readonly BadInput[] = [
  // ---------------------------------------------------------------- ops
  {
    area: "ops",
    name: "matmul of mismatched inner dimensions",
    call: (b) => nu.matmul(ones([2, 3], b), ones([4, 5], b)),
    message: "matmul: inner dimensions differ: [2,3] x [4,5]",
    on: BOTH,
  },
  {
    area: "ops",
    name: "add of shapes that do not broadcast",
    call: (b) => nu.add(ones([2, 3], b), ones([4, 3], b)),
    message: "add: shapes [2,3] and [4,3] do not broadcast",
    on: BOTH,
  },
  {
    area: "ops",
    name: "add of f32 and i32",
    call: (b) => nu.add(ones([2], b), i32([1, 2], b)),
    message: "add: dtypes differ: f32 [2] and i32 [2]",
    on: BOTH,
  },
  {
    area: "ops",
    name: "exp of an i32 tensor",
    call: (b) => nu.exp(i32([1], b)),
    message: "exp: needs a float tensor, got i32 [1]",
    on: BOTH,
  },
  {
    area: "ops",
    name: "gather with f32 indices",
    call: (b) => nu.gather(ones([4, 2], b), f32([1], b)),
    message: "gather: indices must be i32, got f32",
    on: BOTH,
  },
  {
    area: "ops",
    name: "gather past the table's end",
    call: (b) => nu.gather(ones([4, 2], b), i32([0, 1, 9], b)).data(),
    message: "gather: index 9 at position [2] is out of range for a table of 4 rows (valid: 0..3)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "gather with a negative index",
    call: (b) => nu.gather(ones([4, 2], b), i32([-1], b)).data(),
    message: "gather: index -1 at position [0] is out of range for a table of 4 rows",
    on: BOTH,
  },
  {
    area: "ops",
    name: "gather along axis 1 past its size",
    call: (b) => nu.gather(ones([2, 3], b), i32([[0], [3]], b), { axis: 1 }).data(),
    message: "gather: index 3 at position [1,0] is out of range for axis 1 of size 3",
    on: BOTH,
  },
  {
    area: "ops",
    name: "scatterAdd into a row that does not exist",
    call: (b) => nu.scatterAdd(ones([2, 2], b), i32([1, 5], b), 3).data(),
    message: "scatterAdd: index 5 at position [1] is out of range for a result of 3 rows",
    on: BOTH,
  },
  {
    area: "ops",
    name: "scatterAdd with a fractional size",
    call: (b) => nu.scatterAdd(ones([2], b), i32([0, 1], b), 2.5),
    message: "scatterAdd: bad size 2.5",
    on: BOTH,
  },
  {
    area: "ops",
    name: "crossEntropy with a target past the classes",
    call: (b) => nu.crossEntropy(ones([3, 4], b), i32([0, 7, 1], b)).item(),
    message: "crossEntropy: target 7 at position [1] is out of range for 4 classes (valid: 0..3)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "crossEntropy with a negative target",
    call: (b) => nu.crossEntropy(ones([2, 4], b), i32([-1, 0], b)).item(),
    message: "crossEntropy: target -1 at position [0] is out of range for 4 classes",
    on: BOTH,
  },
  {
    area: "ops",
    name: "crossEntropy's gradient with a bad target",
    call: (b) =>
      nu.grad((x: nu.Tensor) => nu.crossEntropy(x, i32([2, 4], b)))(ones([2, 4], b)).data(),
    message: "crossEntropy: target 4 at position [1] is out of range for 4 classes",
    on: BOTH,
  },
  {
    area: "ops",
    name: "crossEntropy with i32 logits",
    call: (b) => nu.crossEntropy(i32([[1, 2]], b), i32([0], b)),
    message: "crossEntropy: logits must be float, got i32",
    on: BOTH,
  },
  {
    area: "ops",
    name: "crossEntropy with targets of the wrong shape",
    call: (b) => nu.crossEntropy(ones([2, 4], b), i32([0, 1, 2], b)),
    message: "crossEntropy: targets [3] must have the shape of logits [2,4] without the last axis",
    on: BOTH,
  },
  {
    area: "ops",
    name: "crossEntropy with an unknown reduction",
    call: (b) => nu.crossEntropy(ones([1, 2], b), i32([0], b), { reduction: "sum" as "mean" }),
    message: 'crossEntropy: reduction must be "mean" or "none", got "sum"',
  },
  {
    area: "ops",
    name: "take past the end, negative",
    call: (b) => nu.take(f32([1, 2, 3], b), i32([0, -4], b)),
    message: "take: index -4 at position [1] is out of range for axis 0 of size 3 (valid: -3..2)",
  },
  {
    area: "ops",
    name: "takeAlongAxis past the axis",
    call: (b) => nu.takeAlongAxis(f32([[1, 2, 3]], b), i32([[5]], b), { axis: 1 }),
    message: "takeAlongAxis: index 5 at position [0,0] is out of range for axis 1 of size 3",
  },
  {
    area: "ops",
    name: "takeAlongLastAxis past the last axis",
    call: (b) => nu.takeAlongLastAxis(f32([[1, 2], [3, 4]], b), i32([1, 2], b)),
    message: "takeAlongLastAxis: index 2 at position [1] is out of range for axis 1 of size 2",
  },
  {
    area: "ops",
    name: "sum over an axis past the rank",
    call: (b) => nu.sum(ones([2, 3], b), { axis: 2 }),
    message: "sum: axis 2 is out of range for rank 2 (valid: -2..1)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "transpose with a repeated axis",
    call: (b) => nu.transpose(ones([2, 3], b), [0, 0]),
    message: "transpose: perm [0,0] is not a permutation of the 2 axes of [2,3]",
    on: BOTH,
  },
  {
    area: "ops",
    name: "reshape to a size that differs",
    call: (b) => nu.reshape(ones([2, 3], b), [4, -1]),
    message: "reshape: cannot reshape [2,3] (6 elements) to [4,-1]",
    on: BOTH,
  },
  {
    area: "ops",
    name: "concat of shapes that differ off the axis",
    call: (b) => nu.concat([ones([2, 3], b), ones([3, 3], b)], 1),
    message: "concat: shapes [2,3] and [3,3] (input 1) differ off axis 1",
    on: BOTH,
  },
  {
    area: "ops",
    name: "slice past an axis",
    call: (b) => nu.slice(ones([2, 3], b), [0, 1], [2, 9]),
    message: "slice: bounds [1, 9) out of range for axis 1 of size 3 in [2,3]",
    on: BOTH,
  },
  {
    area: "ops",
    name: "where of shapes that do not broadcast",
    call: (b) => nu.where(nu.gt(ones([2], b), 0), ones([3], b), 0),
    message: "where: shapes [2] and [3] do not broadcast (axis -1: 2 vs 3)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "broadcastTo a shape that does not fit",
    call: (b) => nu.broadcastTo(ones([3], b), [2, 4]),
    message: "broadcastTo: shapes [3] and [2,4] do not broadcast (axis -1: 3 vs 4)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "oneHot of depth 0",
    call: (b) => nu.oneHot(i32([0], b), 0),
    message: "oneHot: depth must be a positive integer, got 0",
    on: BOTH,
  },
  {
    area: "ops",
    name: "takeAlongLastAxis with indices of the wrong shape",
    call: (b) => nu.takeAlongLastAxis(ones([2, 3], b), i32([0], b)),
    message: "takeAlongLastAxis: indices [1] must have the shape of [2,3] without its last axis",
    on: BOTH,
  },
  {
    area: "ops",
    name: "a tensor used after dispose",
    call: (b) => {
      const x = ones([2, 3], b);
      x.dispose();
      return nu.exp(x);
    },
    message: "[2,3] f32 was disposed",
    on: BOTH,
  },
  {
    area: "ops",
    name: "item of a tensor of two elements",
    call: (b) => ones([2], b).item(),
    message: "item: tensor has 2 elements (shape [2]), expected 1",
    on: BOTH,
  },
  {
    area: "ops",
    name: "dataSync on WebGPU",
    call: (b) => ones([2], b).dataSync(),
    message: "dataSync: the webgpu backend cannot read synchronously; use await t.data()",
    on: GPU,
  },
  {
    area: "ops",
    name: "add of tensors on two backends",
    call: (b) => nu.add(nu.ones([2], { backend: nu.cpuBackend() }), ones([2], b)),
    message: "add: inputs live on different backends: cpu and webgpu",
    on: GPU,
  },
  {
    area: "ops",
    name: "gt of tensors on two backends",
    call: (b) => nu.gt(nu.ones([2], { backend: nu.cpuBackend() }), ones([2], b)),
    message: "gt: inputs live on different backends",
    on: GPU,
  },
  {
    area: "ops",
    name: "arange with step 0",
    call: (b) => nu.arange(0, 4, 0, { backend: b }),
    message: "arange: need finite start, stop and a non-zero step, got (0, 4, 0)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "uniform with low >= high",
    call: (b) => nu.uniform(nu.key(0), [2], { low: 1, high: 1, backend: b }),
    message: "uniform: need low < high, got [1, 1)",
    on: BOTH,
  },
  {
    area: "ops",
    name: "categorical of i32 logits",
    call: (b) => nu.categorical(nu.key(0), i32([[0, 1]], b)),
    message: "categorical: logits must be f32 or f64, got i32",
    on: BOTH,
  },
  {
    area: "ops",
    name: "categorical with an empty class axis",
    call: (b) => nu.categorical(nu.key(0), nu.zeros([2, 0], { backend: b })),
    message: "categorical: the last axis of logits is empty",
    on: BOTH,
  },
];
