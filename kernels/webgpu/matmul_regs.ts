/**
 * The register-blocked matmul kernel without shared memory: each invocation
 * computes a `tm x tn` block of C straight from global memory (`vec4` loads
 * where the layout allows), with no workgroup barrier at all. This is the
 * fast kernel on CPU adapters (lavapipe, SwiftShader), where a barrier costs a
 * switch between every group of SIMD lanes of the workgroup and the caches
 * already do what shared memory would.
 *
 * Workgroup `(x, y, z)` covers columns `x * wgn * tn`, rows `y * wgm * tm` of
 * batch `z`.
 *
 * @module
 */
import {
  aIndex,
  batchOffsets,
  bIndex,
  comp,
  loadF32,
  matmulDecls,
  type MatmulLayout,
  range,
  storeC,
} from "./matmul_common.ts";

/** Shape of the register kernel. */
export interface RegsShape {
  /** Rows of C per invocation. */
  readonly tm: number;
  /** Columns of C per invocation (a multiple of 4). */
  readonly tn: number;
  /** Invocations per workgroup along M. */
  readonly wgm: number;
  /** Invocations per workgroup along N. */
  readonly wgn: number;
}

/** Rows and columns of C one workgroup of {@linkcode regsMatmulWgsl} covers. */
export function regsTile(s: RegsShape): { rows: number; cols: number } {
  return { rows: s.tm * s.wgm, cols: s.tn * s.wgn };
}

/**
 * WGSL of the register kernel for layout `l` and shape `s`.
 *
 * @example
 * ```ts
 * import { layoutFor } from "./matmul_common.ts";
 * import { regsMatmulWgsl } from "./matmul_regs.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const l = layoutFor({ m: 64, n: 64, k: 64, transA: false, transB: true, batchRank: 0 });
 * assertTrue(regsMatmulWgsl(l, { tm: 4, tn: 4, wgm: 8, wgn: 8 }).includes("B4"));
 * ```
 */
export function regsMatmulWgsl(l: MatmulLayout, s: RegsShape): string {
  const { tm, tn } = s;
  if (tn % 4 !== 0) throw new Error(`matmul: register tile tn=${tn} is not a multiple of 4`);
  const rows = range(tm);
  const cols = range(tn);
  const groups = range(tn / 4);
  // Stepping K by 4 needs K % 4 == 0; A read along M as vec4 needs tm % 4 == 0.
  const ku = l.k4 ? 4 : 1;
  const vecA = l.vecA && ku === 4 && (!l.transA || tm % 4 === 0);
  const vecB = l.vecB && ku === 4;
  const kks = range(ku);
  const body: string[] = [];
  // A values: a(i, kk) as WGSL expressions.
  let a: (i: number, kk: number) => string;
  if (vecA && !l.transA) {
    for (const i of rows) {
      body.push(`let a${i} = ${loadF32(l, "A4", `(${aIndex(false, `r${i}`, "k")}) >> 2u`)};`);
    }
    a = (i, kk) => `a${i}.${comp(kk)}`;
  } else if (vecA) {
    for (const kk of kks) {
      for (const g of range(tm / 4)) {
        const at = `(${aIndex(true, `ra${g}`, `k + ${kk}u`)}) >> 2u`;
        body.push(`let a${kk}_${g} = ${loadF32(l, "A4", at)};`);
      }
    }
    a = (i, kk) => `a${kk}_${Math.floor(i / 4)}.${comp(i % 4)}`;
  } else {
    for (const i of rows) {
      for (const kk of kks) {
        const at = aIndex(l.transA, `r${i}`, `k + ${kk}u`);
        body.push(`let a${i}_${kk} = ${loadF32(l, "A", at)};`);
      }
    }
    a = (i, kk) => `a${i}_${kk}`;
  }
  // B values: bv(kk, q) = vec4 of columns 4q..4q+3 at depth kk.
  let bv: (kk: number, q: number) => string;
  if (vecB && !l.transB) {
    for (const kk of kks) {
      for (const q of groups) {
        const at = `(${bIndex(false, `k + ${kk}u`, `cb${q}`)}) >> 2u`;
        body.push(`let b${kk}_${q} = ${loadF32(l, "B4", at)};`);
      }
    }
    bv = (kk, q) => `b${kk}_${q}`;
  } else {
    const b = (kk: number, j: number) => vecB ? `b${j}.${comp(kk)}` : `b${kk}_${j}`;
    if (vecB) {
      for (const j of cols) {
        body.push(`let b${j} = ${loadF32(l, "B4", `(${bIndex(true, "k", `c${j}`)}) >> 2u`)};`);
      }
    } else {
      for (const kk of kks) {
        for (const j of cols) {
          const at = bIndex(l.transB, `k + ${kk}u`, `c${j}`);
          body.push(`let b${kk}_${j} = ${loadF32(l, "B", at)};`);
        }
      }
    }
    bv = (kk, q) => `vec4<f32>(${range(4).map((c) => b(kk, 4 * q + c)).join(", ")})`;
  }
  for (const kk of kks) {
    for (const i of rows) {
      for (const q of groups) {
        body.push(`acc${i}_${q} = fma(vec4<f32>(${a(i, kk)}), ${bv(kk, q)}, acc${i}_${q});`);
      }
    }
  }
  // Clamped indices keep every load in range; rows/columns past the edge are not stored.
  const clamps: string[] = [];
  for (const i of rows) clamps.push(`let r${i} = min(m0 + ${i}u, M - 1u);`);
  if (vecA && l.transA) {
    for (const g of range(tm / 4)) clamps.push(`let ra${g} = min(m0 + ${4 * g}u, M - 4u);`);
  }
  if (vecB && !l.transB) {
    for (const q of groups) clamps.push(`let cb${q} = min(n0 + ${4 * q}u, N - 4u);`);
  } else {
    for (const j of cols) clamps.push(`let c${j} = min(n0 + ${j}u, N - 1u);`);
  }
  const stores = rows.map((i) => {
    const row = `m0 + ${i}u`;
    const inner = l.vecC
      ? groups.map((q) =>
        `if (n0 + ${4 * q}u < N) { ${
          storeC(l, "C4", `(coff + (${row}) * N + n0 + ${4 * q}u) >> 2u`, `acc${i}_${q}`)
        } }`
      ).join("\n      ")
      : cols.map((j) =>
        `if (n0 + ${j}u < N) { ${
          storeC(
            l,
            "C",
            `coff + (${row}) * N + n0 + ${j}u`,
            `acc${i}_${Math.floor(j / 4)}.${comp(j % 4)}`,
          )
        } }`
      ).join("\n      ");
    return `if (${row} < M) {\n      ${inner}\n    }`;
  });
  return matmulDecls({ ...l, vecA, vecB }) + `
@compute @workgroup_size(${s.wgm * s.wgn})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let d = dims(); let M = d.x; let N = d.y; let K = d.z;
  let z = wid.z;
  ${batchOffsets(l.batchRank)}
  let m0 = wid.y * ${tm * s.wgm}u + (lid / ${s.wgn}u) * ${tm}u;
  let n0 = wid.x * ${tn * s.wgn}u + (lid % ${s.wgn}u) * ${tn}u;
  if (m0 >= M || n0 >= N) { return; }
  ${clamps.join(" ")}
  ${rows.map((i) => groups.map((q) => `var acc${i}_${q} = vec4<f32>(0.0);`).join(" ")).join(" ")}
  for (var k = 0u; k < K; k += ${ku}u) {
    ${body.join("\n    ")}
  }
  let coff = z * M * N;
  ${stores.join("\n  ")}
}`;
}
