/**
 * nugrad's core: tensors, ops, autodiff, trees, randomness, memory.
 *
 * @module
 */
export { fmtShape, keep, type NestedArray, Scope, scope, Tensor, tidy } from "./tensor.ts";
export {
  autoBackend,
  backendInfo,
  type BackendName,
  cpuBackend,
  getBackend,
  useBackend,
} from "./backends.ts";
export {
  arange,
  type CreateOptions,
  fromData,
  full,
  ones,
  onesLike,
  tensor,
  toBackend,
  zeros,
  zerosLike,
} from "./ops/create.ts";
export {
  abs,
  add,
  atan2,
  cast,
  cos,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  unbroadcast,
  where,
} from "./ops/elementwise.ts";
export { logsumexp, max, mean, min, type ReduceOptions, sum } from "./ops/reduce.ts";
export { logSoftmax, softmax } from "./ops/softmax.ts";
export { matmul, type MatmulOptions } from "./ops/matmul.ts";
export {
  broadcastTo,
  expandDims,
  flip,
  isTensor,
  reshape,
  squeeze,
  stopGradient,
  swapAxes,
  transpose,
} from "./ops/shape.ts";
export { concat, pad, slice, sliceAxis } from "./ops/slice.ts";
export { gather, oneHot, scatterAdd, takeAlongLastAxis } from "./ops/indexing.ts";
export { l2Normalize } from "./ops/normalize.ts";
export { crossEntropy } from "./ops/losses.ts";
export {
  type ArgOf,
  type ArgsOf,
  customVjp,
  grad,
  type GradOf,
  type GradOptions,
  type GradsOf,
  valueAndGrad,
  type ValueOf,
  vjp,
  type VjpFunction,
  type WithAux,
} from "./grad.ts";
export {
  fromPaths,
  getPath,
  sameStructure,
  type Tree,
  type TreeDef,
  treeFlatten,
  treeLeaves,
  treeMap,
  treeMapWithPath,
  treePaths,
  treeUnflatten,
} from "./tree.ts";
export {
  bits,
  categorical,
  foldIn,
  isKey,
  type Key,
  key,
  normal,
  randint,
  split,
  uniform,
} from "./random.ts";
export { memory, type MemoryInfo } from "./memory.ts";
export { checkIndexRange, type Checks, checks, readableNow, unbatched } from "./checks.ts";
export { jit, type JitFunction, type JitOptions } from "./jit/jit.ts";
export { type AxisSpec, vmap, type VmapOptions } from "./vmap.ts";
export type { ProgramStats } from "./jit/program.ts";
export type {
  Backend,
  BackendBuffer,
  BackendMemory,
  BinaryOp,
  CompareOp,
  DataArray,
  DType,
  FusedRunOptions,
  MatmulEpilogue,
  Operand,
  OutSpec,
  Prim,
  PrimParams,
  Shape,
  UnaryOp,
} from "../kernels/backend.ts";
export type {
  BinaryFn,
  CompareFn,
  FusedKernel,
  KernelInput,
  KernelReduce,
  ScalarFn,
  ScalarNode,
  UnaryFn,
} from "../kernels/fused.ts";
export { jvp, type LinearFunction, linearize } from "./forward.ts";
export { hessian, hvp, type HvpOptions, jacfwd, type JacobianOptions, jacrev } from "./jacobian.ts";
export { stack } from "./ops/stack.ts";
export { ceil, clip, type ClipOptions, erf, expm1, floor, log1p, round } from "./ops/special.ts";
export { cumprod, cumsum, type ScanOptions } from "./ops/scan.ts";
export {
  all,
  any,
  argmax,
  argmin,
  type ArgOptions,
  prod,
  std,
  variance,
  type VarianceOptions,
} from "./ops/stats.ts";
export { eye, type EyeOptions, linspace, type LinspaceOptions, tril, triu } from "./ops/ranges.ts";
export { booleanMask, maskedFill, take, takeAlongAxis } from "./ops/index_ops.ts";
export { einsum } from "./ops/einsum.ts";
