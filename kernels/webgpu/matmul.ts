/**
 * Batched matrix multiplication with broadcast batch dims and transposed
 * operands folded into indexing. A tiled kernel (64x64 output tiles, 16-deep
 * shared-memory slices, 4x4 outputs per invocation) serves f32; thin shapes
 * and other dtypes use one invocation per output.
 *
 * @module
 */
import type { OutSpec } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { flatGrid, flatMain, type GpuOperand, type KernelHost, wgslType, zeroOf } from "./wgsl.ts";

const TILE = 64;
const DEPTH = 16;
/** Inputs thinner than this (in m or n) use the one-invocation-per-output kernel. */
const THIN = 8;

/** WGSL: `aoff`, `boff` for batch index `z` from the batch shape and strides at P(4..). */
function batchOffsets(rb: number): string {
  if (rb === 0) return "var aoff = 0u; var boff = 0u;";
  return `var aoff = 0u; var boff = 0u; var rem = z;
  for (var k = 0u; k < ${rb}u; k++) {
    let d = ${rb - 1}u - k;
    let s = P(4u + d);
    let c = rem % s;
    rem = rem / s;
    aoff += c * P(${4 + rb}u + d);
    boff += c * P(${4 + 2 * rb}u + d);
  }`;
}

function aIndex(transA: boolean, m: string, k: string): string {
  return transA ? `aoff + (${k}) * M + (${m})` : `aoff + (${m}) * K + (${k})`;
}

function bIndex(transB: boolean, k: string, n: string): string {
  return transB ? `boff + (${n}) * K + (${k})` : `boff + (${k}) * N + (${n})`;
}

function simpleWgsl(t: string, zero: string, rb: number, ta: boolean, tb: boolean): string {
  return PARAMS_WGSL + storageDecls([t, t], t) + flatMain(`
  let M = P(1u); let N = P(2u); let K = P(3u);
  let n = i % N;
  let m = (i / N) % M;
  let z = i / (M * N);
  ${batchOffsets(rb)}
  var acc = ${zero};
  for (var k = 0u; k < K; k++) {
    acc += in0[${aIndex(ta, "m", "k")}] * in1[${bIndex(tb, "k", "n")}];
  }
  dst[i] = acc;`);
}

function tiledWgsl(rb: number, ta: boolean, tb: boolean): string {
  const loadsA = ta ? "let kk = e / 64u; let mm = e % 64u;" : "let mm = e / 16u; let kk = e % 16u;";
  const loadsB = tb ? "let nn = e / 16u; let kk = e % 16u;" : "let kk = e / 64u; let nn = e % 64u;";
  const rows = [0, 1, 2, 3];
  return PARAMS_WGSL + storageDecls(["f32", "f32"], "f32") + `
var<workgroup> As: array<f32, ${TILE * DEPTH}>;
var<workgroup> Bs: array<f32, ${TILE * DEPTH}>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let M = P(1u); let N = P(2u); let K = P(3u);
  let z = wid.z;
  ${batchOffsets(rb)}
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  ${rows.map((i) => `var c${i} = vec4<f32>(0.0);`).join(" ")}
  for (var k0 = 0u; k0 < K; k0 += ${DEPTH}u) {
    for (var t = 0u; t < 4u; t++) {
      let e = lid + t * 256u;
      {
        ${loadsA}
        let gm = row0 + mm; let gk = k0 + kk;
        var v = 0.0;
        if (gm < M && gk < K) { v = in0[${aIndex(ta, "gm", "gk")}]; }
        As[kk * 64u + mm] = v;
      }
      {
        ${loadsB}
        let gn = col0 + nn; let gk = k0 + kk;
        var v = 0.0;
        if (gn < N && gk < K) { v = in1[${bIndex(tb, "gk", "gn")}]; }
        Bs[kk * 64u + nn] = v;
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${DEPTH}u; kk++) {
      let bo = kk * 64u + tx;
      let b = vec4<f32>(Bs[bo], Bs[bo + 16u], Bs[bo + 32u], Bs[bo + 48u]);
      let ao = kk * 64u + ty;
      ${rows.map((i) => `c${i} += As[ao + ${16 * i}u] * b;`).join(" ")}
    }
    workgroupBarrier();
  }
  let coff = z * M * N;
  ${
    rows.map((i) =>
      `{ let gm = row0 + ty + ${16 * i}u;
    if (gm < M) {
      for (var j = 0u; j < 4u; j++) {
        let gn = col0 + tx + 16u * j;
        if (gn < N) { dst[coff + gm * N + gn] = c${i}[j]; }
      }
    } }`
    ).join("\n  ")
  }
}`;
}

/** Element strides of a batch (one matrix = `matSize`) broadcast to `outBatch`. */
function batchStrides(batch: readonly number[], outBatch: readonly number[], matSize: number) {
  const off = outBatch.length - batch.length;
  const s = new Array<number>(outBatch.length).fill(0);
  let acc = matSize;
  for (let d = batch.length - 1; d >= 0; d--) {
    s[d + off] = batch[d] === 1 ? 0 : acc;
    acc *= batch[d];
  }
  return s;
}

/**
 * `a @ b` with optional transposes, batched with broadcasting.
 *
 * @example
 * ```ts
 * import { runMatmul } from "./matmul.ts";
 * console.log(typeof runMatmul);
 * ```
 */
export function runMatmul(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { transA: boolean; transB: boolean },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const [a, b] = inputs;
  const { transA, transB } = params;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  const outBatch = out.shape.slice(0, -2);
  const batch = sizeOf(outBatch);
  const total = batch * M * N;
  if (total === 0) return;
  const nb = outBatch.length;
  const params2 = [
    0,
    M,
    N,
    K,
    ...outBatch,
    ...batchStrides(a.shape.slice(0, -2), outBatch, M * K),
    ...batchStrides(b.shape.slice(0, -2), outBatch, K * N),
  ];
  const t = wgslType(out.dtype);
  const tiled = out.dtype === "f32" && M >= THIN && N >= THIN &&
    batch <= host.maxWorkgroupsPerDim;
  if (tiled) {
    const k = host.kernel(
      `matmulTiled|${nb}|${transA}|${transB}`,
      () => tiledWgsl(nb, transA, transB),
      2,
    );
    const grid = [Math.ceil(N / TILE), Math.ceil(M / TILE), batch] as const;
    host.dispatch(k, params2, [a.buffer, b.buffer, dst], grid);
  } else {
    params2[0] = total;
    const k = host.kernel(
      `matmulSimple|${t}|${nb}|${transA}|${transB}`,
      () => simpleWgsl(t, zeroOf(out.dtype), nb, transA, transB),
      2,
    );
    host.dispatch(k, params2, [a.buffer, b.buffer, dst], flatGrid(total, host.maxWorkgroupsPerDim));
  }
}
