/**
 * Optimizer kernels on WebGPU:
 *
 * - `adamUpdate`: one flat dispatch reads `(param, grad, mu, nu)` and writes
 *   `(param', mu', nu')`, one invocation per element.
 * - `normalizeAxis`: one dispatch, one invocation per row (`axis: -1`) or
 *   column (`axis: 0`); for columns neighbouring invocations read neighbouring
 *   addresses, for rows each invocation walks its own row.
 *
 * Floating-point parameters travel as their f32 bits in the u32 parameter block.
 *
 * @module
 */
import type { MultiPrimParams, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { flatGrid, flatMain, type GpuOperand, type KernelHost } from "./wgsl.ts";

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** The u32 bit pattern of `x` rounded to f32. */
function f32Bits(x: number): number {
  asFloat[0] = x;
  return bits[0];
}

const ADAM_WGSL = PARAMS_WGSL + `
@group(0) @binding(1) var<storage, read> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read> mu: array<f32>;
@group(0) @binding(4) var<storage, read> nu: array<f32>;
@group(0) @binding(5) var<storage, read_write> outParam: array<f32>;
@group(0) @binding(6) var<storage, read_write> outMu: array<f32>;
@group(0) @binding(7) var<storage, read_write> outNu: array<f32>;
fn F(i: u32) -> f32 { return bitcast<f32>(P(i)); }
` + flatMain(`
  let g = grad[i];
  let m = mu[i] * F(1u) + g * F(2u);
  let v = nu[i] * F(3u) + (g * g) * F(4u);
  outMu[i] = m;
  outNu[i] = v;
  outParam[i] = param[i] + ((m / (sqrt(v) + F(5u))) * F(6u)) * F(7u);`);

/**
 * Record the fused Adam step into `dsts` (`param'`, `mu'`, `nu'`).
 *
 * @example
 * ```ts
 * import { runAdamUpdate } from "./optimizer.ts";
 * console.log(typeof runAdamUpdate); // "function"
 * ```
 */
export function runAdamUpdate(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: MultiPrimParams["adamUpdate"],
  outs: readonly OutSpec[],
  dsts: readonly GPUBuffer[],
): void {
  const n = sizeOf(outs[0].shape);
  if (n === 0) return;
  const { b1, b2, eps, lr, biasCorrection1: c1, biasCorrection2: c2 } = params;
  const rootC2 = Math.sqrt(c2);
  const k = host.kernel("adamUpdate|f32", () => ADAM_WGSL, 4, 3);
  host.dispatch(
    k,
    [n, ...[b1, 1 - b1, b2, 1 - b2, eps * rootC2, rootC2 / c1, -lr].map(f32Bits)],
    [...inputs.map((x) => x.buffer), ...dsts],
    flatGrid(n, host.maxWorkgroupsPerDim),
  );
}

const NORMALIZE_WGSL = PARAMS_WGSL + storageDecls(["f32"], "f32") + flatMain(`
  let len = P(1u);
  let step = P(3u);
  let base = i * P(2u);
  var s = 0.0;
  for (var j = 0u; j < len; j++) { let e = in0[base + j * step]; s += e * e; }
  let r = 1.0 / sqrt(s + bitcast<f32>(P(4u)));
  for (var j = 0u; j < len; j++) { dst[base + j * step] = in0[base + j * step] * r; }`);

/**
 * Record the normalization of each row or column of a matrix into `dst`.
 *
 * @example
 * ```ts
 * import { runNormalizeAxis } from "./optimizer.ts";
 * console.log(typeof runNormalizeAxis); // "function"
 * ```
 */
export function runNormalizeAxis(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: PrimParams["normalizeAxis"],
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const [rows, cols] = out.shape;
  if (rows * cols === 0) return;
  const [count, len, vecStride, elemStride] = params.axis === -1
    ? [rows, cols, cols, 1]
    : [cols, rows, 1, cols];
  const k = host.kernel("normalizeAxis|f32", () => NORMALIZE_WGSL, 1);
  host.dispatch(
    k,
    [count, len, vecStride, elemStride, f32Bits(params.eps)],
    [inputs[0].buffer, dst],
    flatGrid(count, host.maxWorkgroupsPerDim),
  );
}
