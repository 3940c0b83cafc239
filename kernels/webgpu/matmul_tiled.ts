/**
 * The shared-memory matmul kernel for GPUs: 256 invocations (16 x 16) per
 * workgroup compute a `16*tm x 16*tm` tile of C, each invocation a `tm x tm`
 * register block (tm = 4 or 8) read from shared memory as `vec4`s.
 *
 * Each step stages a `bk`-deep slice of A and B in shared memory, stored
 * k-major (`As[k][m]`, `Bs[k][n]`) whatever the operands' layouts: the
 * transposes are folded into how the slice is loaded, so every global load
 * runs along the operand's contiguous axis (`vec4` where aligned) and stays
 * coalesced. The next slice is loaded into registers while the current one
 * is consumed (one barrier pair per slice).
 *
 * @module
 */
import {
  aIndex,
  batchOffsets,
  bIndex,
  loadF32,
  matmulDecls,
  type MatmulLayout,
  range,
  storeC,
} from "./matmul_common.ts";

/** Invocations per workgroup of the tiled kernel. */
const WG = 256;

/** Shape of the tiled kernel. */
export interface TiledShape {
  /** Register block per invocation is `tm x tm`; the tile is `16*tm` square. 4 or 8. */
  readonly tm: 4 | 8;
  /** Depth of one shared-memory slice: a multiple of 4 with `16 * tm * bk` a multiple of 1024. */
  readonly bk: number;
}

/** Side of the square C tile of one workgroup. */
export function tiledTile(s: TiledShape): number {
  return 16 * s.tm;
}

/** Bytes of workgroup memory the kernel declares. */
export function tiledSharedBytes(s: TiledShape): number {
  return 2 * tiledTile(s) * s.bk * 4;
}

/**
 * One operand's slice load: `vars` declares the staging registers, `load`
 * fills them for slice `k0` (zeros outside the matrix), `store` writes them
 * to shared memory `S` (k-major, `vec4` along the tile's rows/columns).
 */
function sliceCode(
  which: "A" | "B",
  l: MatmulLayout,
  s: TiledShape,
): { vars: string; load: string; store: string } {
  const T = tiledTile(s);
  const T4 = T / 4;
  const bk = s.bk;
  const isA = which === "A";
  const trans = isA ? l.transA : l.transB;
  const vec = isA ? l.vecA : l.vecB;
  // "kMajor": the operand is contiguous along the tile's rows/cols (A^T or B);
  // otherwise it is contiguous along K (A or B^T).
  const kMajor = isA ? trans : !trans;
  const lim = isA ? "M" : "N";
  const origin = isA ? "row0" : "col0";
  const idx = (x: string, k: string) => isA ? aIndex(trans, x, k) : bIndex(trans, k, x);
  const S = isA ? "As" : "Bs";
  const p = `p${which}`;
  const vars: string[] = [];
  const load: string[] = [];
  const store: string[] = [];
  const per = (T * bk) / (vec ? 4 : 1) / WG;
  for (const t of range(per)) {
    const e = `(lid + ${t * WG}u)`;
    const v = `${p}${t}`;
    vars.push(vec ? `var ${v} = vec4<f32>(0.0);` : `var ${v} = 0.0;`);
    if (vec && kMajor) {
      load.push(`{ let kk = ${e} / ${T4}u; let xq = ${e} % ${T4}u;
      let gx = ${origin} + 4u * xq; let gk = k0 + kk;
      ${v} = vec4<f32>(0.0);
      if (gx < ${lim} && gk < K) { ${v} = ${
        loadF32(l, `${which}4` as const, `(${idx("gx", "gk")}) >> 2u`)
      }; } }`);
      store.push(
        `{ let kk = ${e} / ${T4}u; let xq = ${e} % ${T4}u; ${S}[kk * ${T4}u + xq] = ${v}; }`,
      );
    } else if (vec) {
      const bk4 = bk / 4;
      load.push(`{ let xx = ${e} / ${bk4}u; let kq = ${e} % ${bk4}u;
      let gx = ${origin} + xx; let gk = k0 + 4u * kq;
      ${v} = vec4<f32>(0.0);
      if (gx < ${lim} && gk < K) { ${v} = ${
        loadF32(l, `${which}4` as const, `(${idx("gx", "gk")}) >> 2u`)
      }; } }`);
      store.push(`{ let xx = ${e} / ${bk4}u; let kq = ${e} % ${bk4}u;
      ${
        range(4).map((c) => `${S}[(4u * kq + ${c}u) * ${T4}u + xx / 4u][xx % 4u] = ${v}[${c}];`)
          .join(" ")
      } }`);
    } else {
      const [kk, xx] = kMajor
        ? [`${e} / ${T}u`, `${e} % ${T}u`]
        : [`${e} % ${bk}u`, `${e} / ${bk}u`];
      load.push(`{ let kk = ${kk}; let xx = ${xx};
      let gx = ${origin} + xx; let gk = k0 + kk;
      ${v} = 0.0;
      if (gx < ${lim} && gk < K) { ${v} = ${loadF32(l, which, idx("gx", "gk"))}; } }`);
      store.push(
        `{ let kk = ${kk}; let xx = ${xx}; ${S}[kk * ${T4}u + xx / 4u][xx % 4u] = ${v}; }`,
      );
    }
  }
  return { vars: vars.join(" "), load: load.join("\n    "), store: store.join("\n    ") };
}

/**
 * WGSL of the tiled kernel for layout `l` and shape `s`.
 *
 * @example
 * ```ts
 * import { layoutFor } from "./matmul_common.ts";
 * import { tiledMatmulWgsl } from "./matmul_tiled.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const l = layoutFor({ m: 64, n: 64, k: 64, transA: true, transB: false, batchRank: 1 });
 * assertTrue(tiledMatmulWgsl(l, { tm: 8, bk: 16 }).includes("workgroupBarrier"));
 * ```
 */
export function tiledMatmulWgsl(l: MatmulLayout, s: TiledShape): string {
  const T = tiledTile(s);
  if (s.bk % 4 !== 0 || (T * s.bk) % (4 * WG) !== 0) {
    throw new Error(
      `matmul: tiled shape tm=${s.tm} bk=${s.bk}: need bk % 4 == 0, 16*tm*bk % 1024 == 0`,
    );
  }
  const T4 = T / 4;
  const g = range(s.tm / 4);
  const r4 = range(4);
  const A = sliceCode("A", l, s);
  const B = sliceCode("B", l, s);
  const accs = g.flatMap((gi) => r4.flatMap((r) => g.map((h) => `acc${gi}_${r}_${h}`)));
  const fmas = g.flatMap((gi) =>
    r4.flatMap((r) =>
      g.map((h) => `acc${gi}_${r}_${h} = fma(vec4<f32>(a${gi}[${r}]), b${h}, acc${gi}_${r}_${h});`)
    )
  );
  const stores = g.flatMap((gi) =>
    r4.map((r) => {
      const row = `row0 + ${gi * 64}u + ty * 4u + ${r}u`;
      const cols = g.map((h) => {
        const col = `col0 + ${h * 64}u + tx * 4u`;
        const v = `acc${gi}_${r}_${h}`;
        return l.vecC
          ? `if (${col} < N) { ${storeC(l, "C4", `(coff + gm * N + ${col}) >> 2u`, v)} }`
          : r4.map((c) =>
            `if (${col} + ${c}u < N) { ${
              storeC(l, "C", `coff + gm * N + ${col} + ${c}u`, `${v}[${c}]`)
            } }`
          )
            .join(" ");
      });
      return `{ let gm = ${row}; if (gm < M) { ${cols.join(" ")} } }`;
    })
  );
  return matmulDecls(l) + `
var<workgroup> As: array<vec4<f32>, ${s.bk * T4}>;
var<workgroup> Bs: array<vec4<f32>, ${s.bk * T4}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let d = dims(); let M = d.x; let N = d.y; let K = d.z;
  let z = wid.z;
  ${batchOffsets(l.batchRank)}
  let row0 = wid.y * ${T}u;
  let col0 = wid.x * ${T}u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  ${accs.map((a) => `var ${a} = vec4<f32>(0.0);`).join(" ")}
  ${A.vars} ${B.vars}
  var k0 = 0u;
  ${A.load}
  ${B.load}
  loop {
    if (k0 >= K) { break; }
    ${A.store}
    ${B.store}
    workgroupBarrier();
    k0 += ${s.bk}u;
    if (k0 < K) {
      ${A.load}
      ${B.load}
    }
    for (var k4 = 0u; k4 < ${s.bk}u; k4 += 4u) {${
    r4.map((u) => `
      {
      let kk = k4 + ${u}u;
      ${g.map((gi) => `let a${gi} = As[kk * ${T4}u + ${gi * 16}u + ty];`).join(" ")}
      ${g.map((h) => `let b${h} = Bs[kk * ${T4}u + ${h * 16}u + tx];`).join(" ")}
      ${fmas.join("\n      ")}
      }`).join("")
  }
    }
    workgroupBarrier();
  }
  let coff = z * M * N;
  ${stores.join("\n  ")}
}`;
}
