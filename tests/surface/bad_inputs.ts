/**
 * The bad-input table: calls a user could make by mistake, each with the message fragment it
 * must fail with. `bad_inputs_test.ts` runs every row (on the CPU, and on WebGPU where the row
 * says so) and checks that none returns a value.
 *
 * @module
 */
import * as nu from "../../mod.ts";

/** One bad input. */
export interface BadInput {
  /** The layer: ops, transforms, nn, optim, param, checkpoints, memory. */
  readonly area: string;
  /** What the row does wrong. */
  readonly name: string;
  /** The call, on `backend`; may return a promise that must reject. */
  readonly call: (backend: nu.Backend) => unknown;
  /** The exact fragment the message must contain. */
  readonly message: string;
  /** Where it runs (default: the CPU only). */
  readonly on?: readonly ("cpu" | "webgpu")[];
  /** Internal names this row's message may contain (the function the row itself calls). */
  readonly allows?: readonly string[];
}

const BOTH = ["cpu", "webgpu"] as const;
const GPU = ["webgpu"] as const;

const f32 = (values: nu.NestedArray, backend: nu.Backend) => nu.tensor(values, { backend });
const i32 = (values: nu.NestedArray, backend: nu.Backend) =>
  nu.tensor(values, { dtype: "i32", backend });
const ones = (shape: number[], backend: nu.Backend) => nu.ones(shape, { backend });

const config = nu.nn.modelConfig({ vocab: 16, width: 16, depth: 1, seqLen: 8 });
const model = nu.nn.ngptModel(config);
/** Model parameters per backend (made once). */
const paramsOn = new Map<nu.Backend, nu.nn.NgptParams>();
const params = (b: nu.Backend) => {
  let p = paramsOn.get(b);
  if (p === undefined) paramsOn.set(b, p = nu.keep(model.init(nu.key(0), { backend: b })));
  return p;
};
const windows = (data: number[], count: number) => ({ data: Int32Array.from(data), count });
const okWindow = Array.from({ length: 9 }, (_, i) => i);

async function tempFile(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await Deno.writeFile(path, bytes);
  return path;
}

/** The rows. */
export const BAD_INPUTS: readonly BadInput[] = [
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
  // ---------------------------------------------------------------- creation and memory
  {
    area: "memory",
    name: "zeros of a negative size",
    call: (b) => nu.zeros([2, -1], { backend: b }),
    message: "zeros: bad shape [2,-1]: sizes must be non-negative integers",
    on: BOTH,
  },
  {
    area: "memory",
    name: "ones of a fractional size",
    call: (b) => nu.ones([1.5], { backend: b }),
    message: "ones: bad shape [1.5]: sizes must be non-negative integers",
    on: BOTH,
  },
  {
    area: "memory",
    name: "full of a NaN size",
    call: (b) => nu.full([NaN], 1, { backend: b }),
    message: "full: bad shape [NaN]: sizes must be non-negative integers",
    on: BOTH,
  },
  {
    area: "memory",
    name: "zeros of a terabyte",
    call: (b) => nu.zeros([1e6, 1e6], { backend: b }),
    message: "zeros: cannot allocate a tensor of shape [1000000,1000000] and dtype f32 (3.64 TiB",
    on: BOTH,
  },
  {
    area: "memory",
    name: "zeros of 2^31 elements (8 GiB)",
    call: (b) => nu.zeros([2 ** 31], { backend: b }),
    message:
      "zeros: cannot allocate a tensor of shape [2147483648] and dtype f32 (8 GiB, 8589934592 bytes): over the",
    on: BOTH,
  },
  {
    area: "memory",
    name: "an op whose output is too large",
    call: (b) => nu.add(nu.broadcastTo(ones([1], b), [2 ** 16, 2 ** 15]), ones([1], b)),
    message: "cannot allocate a tensor of shape [65536,32768] and dtype f32 (8 GiB",
    on: BOTH,
  },
  {
    area: "memory",
    name: "normal of 2^31 samples",
    call: (b) => nu.normal(nu.key(0), [2 ** 31], { backend: b }),
    message: "normal: cannot allocate a tensor of shape [2147483648] and dtype f32 (8 GiB",
    on: BOTH,
  },
  {
    area: "memory",
    name: "randint of 2^31 samples",
    call: (b) => nu.randint(nu.key(0), [2 ** 31], 0, 4, { backend: b }),
    message: "randint: cannot allocate a tensor of shape [2147483648] and dtype i32 (8 GiB",
    on: BOTH,
  },
  {
    area: "memory",
    name: "normal of f64 on WebGPU",
    call: (b) => nu.normal(nu.key(0), [2], { dtype: "f64", backend: b }),
    message: "normal: the webgpu backend has no f64 (it has f32, i32, bool)",
    on: GPU,
  },
  {
    area: "memory",
    name: "zeros of f64 on WebGPU",
    call: (b) => nu.zeros([2], { dtype: "f64", backend: b }),
    message: "zeros: the webgpu backend has no f64 (it has f32, i32, bool)",
    on: GPU,
  },
  {
    area: "memory",
    name: "ones of an unknown dtype",
    call: (b) => nu.ones([2], { dtype: "f16" as nu.DType, backend: b }),
    message: 'ones: unknown dtype "f16"',
    on: BOTH,
  },
  {
    area: "memory",
    name: "tensor of a ragged nested array",
    call: (b) => nu.tensor([[1, 2], [3]], { backend: b }),
    message: "tensor: ragged nested array at [1]; expected shape [2,2]",
    on: BOTH,
  },
  {
    area: "memory",
    name: "tensor of a string element",
    call: (b) => nu.tensor([1, "2" as unknown as number], { backend: b }),
    message: "tensor: element at [1] is string, expected a number or boolean",
    on: BOTH,
  },
  {
    area: "memory",
    name: "fromData with too few values",
    call: (b) => nu.fromData([1, 2, 3], [2, 2], { backend: b }),
    message: "fromData: 3 values do not fill shape [2,2] (4 elements)",
    on: BOTH,
    allows: ["fromData"],
  },
  // ---------------------------------------------------------------- transforms
  {
    area: "transforms",
    name: "grad of a non-function",
    call: () => nu.grad(3 as unknown as (x: nu.Tensor) => nu.Tensor)(nu.ones([1])),
    message: "grad: expected a function, got number",
  },
  {
    area: "transforms",
    name: "grad with argnums past the arguments",
    call: () => nu.grad((x: nu.Tensor) => nu.sum(x), { argnums: 2 })(nu.ones([1])),
    message: "grad: argnums 2 is out of range for 1 argument(s)",
  },
  {
    area: "transforms",
    name: "grad with respect to an i32 tensor",
    call: (b) => nu.grad((x: nu.Tensor) => nu.sum(nu.cast(x, "f32")))(i32([1], b)),
    message: "grad: cannot differentiate with respect to a i32 tensor",
    on: BOTH,
  },
  {
    area: "transforms",
    name: "customVjp returning a cotangent of the wrong shape",
    call: (b) => {
      const f = nu.customVjp((x) => [nu.exp(x), []], (_r, g) => [nu.sum(g)], { name: "myExp" });
      return nu.grad((x: nu.Tensor) => nu.sum(f(x)))(ones([3], b));
    },
    message: "myExp: bwd returned a cotangent of shape [] for argument 0 of shape [3]",
    on: BOTH,
  },
  {
    area: "transforms",
    name: "customVjp returning too few cotangents",
    call: (b) => {
      const f = nu.customVjp((x, y) => [nu.mul(x, y), [x, y]], (_r, g) => [g], { name: "myMul" });
      return nu.grad((x: nu.Tensor) => nu.sum(f(x, x)))(ones([2], b));
    },
    message:
      "myMul: bwd must return an array of one cotangent (or null) per argument (2), got an array of 1",
    on: BOTH,
  },
  {
    area: "transforms",
    name: "customVjp returning a cotangent of the wrong dtype",
    call: () => {
      const f = nu.customVjp((x) => [nu.exp(x), []], (_r, g) => [nu.cast(g, "f64")], {
        name: "myExp",
      });
      return nu.grad((x: nu.Tensor) => nu.sum(f(x)))(nu.ones([2]));
    },
    message: "myExp: bwd returned a f64 cotangent for argument 0 of dtype f32 (shape [2])",
  },
  {
    area: "transforms",
    name: "customVjp whose fwd returns a bare tensor",
    call: () => {
      const f = nu.customVjp(
        (x) => nu.exp(x) as unknown as [nu.Tensor, nu.Tensor[]],
        () => [null],
        {
          name: "myExp",
        },
      );
      return f(nu.ones([2]));
    },
    message: "myExp: fwd must return [output, residuals]",
  },
  {
    area: "transforms",
    name: "vjp pullback given a cotangent of the wrong shape",
    call: () => {
      const [, pullback] = nu.vjp((x: nu.Tensor) => nu.exp(x), nu.ones([3]));
      return pullback(nu.ones([2]));
    },
    message: "vjp: cotangent leaf 0 must be a tensor of shape [3], got [2]",
  },
  {
    area: "transforms",
    name: "jit function reading item() while tracing",
    call: (b) =>
      nu.jit((x: nu.Tensor) => {
        x.item(); // not awaited: it must still throw here, synchronously
        return x;
      })(ones([1], b)),
    message: "jit: item: a tensor's value cannot be read inside a traced function",
    on: BOTH,
  },
  {
    area: "transforms",
    name: "jit function reading toArray() while tracing",
    call: (b) =>
      nu.jit((x: nu.Tensor) => {
        x.toArray();
        return x;
      })(ones([1], b)),
    message: "jit: toArray: a tensor's value cannot be read inside a traced function",
    on: BOTH,
  },
  {
    area: "transforms",
    name: "jit of an async function",
    call: () => nu.jit(async (x: nu.Tensor) => await Promise.resolve(x))(nu.ones([1])),
    message: "jit: the function returned a Promise; it must be synchronous",
  },
  {
    area: "transforms",
    name: "jit with maxCached 0",
    call: () => nu.jit((x: nu.Tensor) => x, { maxCached: 0 }),
    message: "jit: maxCached must be a positive integer, got 0",
  },
  {
    area: "transforms",
    name: "a tensor compared with a number inside a trace",
    call: (b) =>
      nu.jit((x: nu.Tensor) => ((nu.gt(x, 0) as unknown as number) > 0 ? x : nu.neg(x)))(
        ones([1], b),
      ),
    message: "Tensor: a tensor (bool [1]) was used as a JS number",
    on: BOTH,
  },
  {
    area: "transforms",
    name: "a tensor in JS arithmetic",
    call: (b) => (ones([1], b) as unknown as number) * 2,
    message:
      "Tensor: a tensor (f32 [1]) was used as a JS number (arithmetic or a comparison); read it with await t.item()",
    on: BOTH,
  },
  // ---------------------------------------------------------------- nn
  {
    area: "nn",
    name: "modelConfig with a width not divisible by the head size",
    call: () => nu.nn.modelConfig({ vocab: 16, width: 30, depth: 1, seqLen: 8 }),
    message: "modelConfig: width 30 is not divisible by headSize 16",
  },
  {
    area: "nn",
    name: "model.apply with a token id of the vocabulary's size",
    call: (b) => model.apply(params(b), i32([[0, 16]], b)).data(),
    message: "apply: token id 16 at [0, 1] of the [1,2] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "model.apply with a token id of -1",
    call: (b) => model.apply(params(b), i32([[-1, 0]], b)).data(),
    message: "apply: token id -1 at [0, 0] of the [1,2] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "model.apply with a bad id on WebGPU (checked at the readback)",
    call: (b) => model.apply(params(b), i32([[3, 20]], b)).data(),
    message: "gather: index 20 at position [0,1] is out of range for a table of 16 rows",
    on: GPU,
  },
  {
    area: "nn",
    name: "model.loss with a target id out of range",
    call: (b) => model.loss(params(b), i32([[0, 1, 99]], b)).item(),
    message: "loss: token id 99 at [0, 2] of the [1,3] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "model.apply with f32 tokens",
    call: (b) => model.apply(params(b), ones([1, 2], b)),
    message: "apply: tokens must be i32 [B, T], got f32 [1,2]",
    on: BOTH,
  },
  {
    area: "nn",
    name: "model.apply with more positions than seqLen",
    call: (b) => model.apply(params(b), nu.zeros([1, 9], { dtype: "i32", backend: b })),
    message: "apply: 9 positions exceed config.seqLen 8",
    on: BOTH,
  },
  {
    area: "nn",
    name: "train at a negative learning rate",
    call: () => nu.nn.train(model, { lr: -1, steps: 1, batch: () => windows(okWindow, 1) }),
    message: "train: lr must be a positive number, got -1",
  },
  {
    area: "nn",
    name: "train for 0 steps",
    call: () => nu.nn.train(model, { lr: 0.01, steps: 0, batch: () => windows(okWindow, 1) }),
    message: "train: steps must be a positive integer, got 0",
  },
  {
    area: "nn",
    name: "train on a ragged host batch",
    call: () =>
      nu.nn.train(model, { lr: 0.01, steps: 1, batch: () => windows([...okWindow, 1, 2], 2) }),
    message: "train: 11 token ids do not split into 2 windows of equal length",
  },
  {
    area: "nn",
    name: "train on a host batch with a bad id",
    call: () =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 1,
        batch: () => windows([...okWindow.slice(0, 8), 300], 1),
      }),
    message: "train: token id 300 at [0, 8] of the [1,9] batch is outside [0, vocab 16)",
  },
  {
    area: "nn",
    name: "train with checkpointEvery but no path",
    call: () =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 2,
        batch: () => windows(okWindow, 1),
        checkpointEvery: 1,
      }),
    message: "train: checkpointEvery needs checkpointPath (the file to write)",
  },
  {
    area: "nn",
    name: "train resuming from a missing checkpoint",
    call: () =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 2,
        batch: () => windows(okWindow, 1),
        resumeFrom: "/nonexistent/run.safetensors",
      }),
    message: "load: /nonexistent/run.safetensors: cannot read the file",
  },
  {
    area: "nn",
    name: "train given both params and resumeFrom",
    call: (b) =>
      nu.nn.train(model, {
        lr: 0.01,
        steps: 2,
        batch: () => windows(okWindow, 1),
        params: params(b),
        resumeFrom: "run.safetensors",
      }),
    message: "train: give params or resumeFrom, not both (a resumed run has its own)",
  },
  // ---------------------------------------------------------------- optim
  {
    area: "optim",
    name: "adam at a negative learning rate",
    call: () => nu.optim.adam(-1),
    message: "adam: lr must be a non-negative finite number or a schedule, got -1",
  },
  {
    area: "optim",
    name: "adamw at a NaN learning rate",
    call: () => nu.optim.adamw(NaN),
    message: "adamw: lr must be a non-negative finite number or a schedule, got NaN",
  },
  {
    area: "optim",
    name: "sgd at a string learning rate",
    call: () => nu.optim.sgd("0.1" as unknown as number),
    message: "sgd: lr must be a non-negative finite number or a schedule, got 0.1",
  },
  {
    area: "optim",
    name: "cosineDecay over 0 steps",
    call: () => nu.optim.cosineDecay({ peak: 0.1, steps: 0 }),
    message: "cosineDecay: steps must be a positive integer, got 0",
  },
  {
    area: "optim",
    name: "clipByGlobalNorm with a negative norm",
    call: () => nu.optim.clipByGlobalNorm(-1),
    message: "clipByGlobalNorm: maxNorm must be a positive finite number, got -1",
  },
  // ---------------------------------------------------------------- param
  {
    area: "param",
    name: "widthExponent of an unknown role",
    call: () => nu.param.widthExponent("hiddden" as nu.param.Role, 1),
    message: 'widthExponent: unknown role "hiddden"; known roles: input, hidden, output',
  },
  {
    area: "param",
    name: "lrMultiplier of NaN",
    call: () => nu.param.lrMultiplier("hidden", NaN),
    message: "lrMultiplier: factor must be a finite number, got NaN",
  },
  {
    area: "param",
    name: "describe at dims with a zero width",
    call: () => nu.param.describe(nu.param.ngpt, { width: 0, depth: 1, steps: 1 } as nu.param.Dims),
    message: "ngpt: dims.width must be a positive finite number, got 0",
  },
  // ---------------------------------------------------------------- checkpoints
  {
    area: "checkpoints",
    name: "load of a missing file",
    call: () => nu.nn.load("/nonexistent/model.safetensors"),
    message: "load: /nonexistent/model.safetensors: cannot read the file",
  },
  {
    area: "checkpoints",
    name: "load of a three-byte file",
    call: async () => {
      const path = await tempFile(new Uint8Array(3));
      try {
        return await nu.nn.load(path);
      } finally {
        await Deno.remove(path);
      }
    },
    message: "file too short (3 bytes) for the 8-byte header length",
  },
  {
    area: "checkpoints",
    name: "save of parameters that do not match the config",
    call: async (b) => {
      const other = nu.nn.modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
      return await nu.nn.save("/tmp/never-written.safetensors", params(b), {
        config: other,
        parameterization: nu.param.ngpt,
      });
    },
    message:
      "save: /tmp/never-written.safetensors: tensor embed has shape [16,16], the config implies [16,32]",
  },
  {
    area: "checkpoints",
    name: "save with metadata that replaces the format",
    call: (b) =>
      nu.nn.save("/tmp/never-written.safetensors", params(b), {
        config,
        parameterization: nu.param.ngpt,
        metadata: { format: "mine" },
      }),
    message:
      "save: /tmp/never-written.safetensors: options.metadata may not set the reserved key format",
  },
  {
    area: "checkpoints",
    name: "resuming from a checkpoint without training progress",
    call: async (b) => {
      const path = await Deno.makeTempFile({ suffix: ".safetensors" });
      try {
        await nu.nn.save(path, params(b), { config, parameterization: nu.param.ngpt });
        return await nu.nn.train(model, {
          lr: 0.01,
          steps: 2,
          batch: () => windows(okWindow, 1),
          resumeFrom: path,
        });
      } finally {
        await Deno.remove(path);
      }
    },
    message: "has no training progress or optimizer state (write it with checkpointEvery)",
  },
];
