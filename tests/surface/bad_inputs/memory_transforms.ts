/**
 * Bad inputs to creation (shapes, dtypes, sizes over the limits) and to the transforms (grad, customVjp, vjp, jit).
 *
 * @module
 */
import * as nu from "../../../mod.ts";
import { type BadInput, BOTH, GPU, i32, ones } from "./helpers.ts";

/** The rows. */
export const MEMORY_AND_TRANSFORMS: readonly BadInput[] = [
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
    message: "normal: the webgpu backend has no f64 (it has f32, i32, bool",
    on: GPU,
  },
  {
    area: "memory",
    name: "zeros of f64 on WebGPU",
    call: (b) => nu.zeros([2], { dtype: "f64", backend: b }),
    message: "zeros: the webgpu backend has no f64 (it has f32, i32, bool",
    on: GPU,
  },
  {
    area: "memory",
    name: "ones of an unknown dtype",
    call: (b) => nu.ones([2], { dtype: "bf16" as nu.DType, backend: b }),
    message: 'ones: unknown dtype "bf16"',
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
];
