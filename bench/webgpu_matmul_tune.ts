/**
 * Times the WebGPU matmul kernel variants against each other on this
 * machine's adapter, one shape at a time, and checks sampled outputs against
 * a float64 host dot product.
 *
 * ```sh
 * DENO_WEBGPU_BACKEND=vulkan deno run -A bench/webgpu_matmul_tune.ts \
 *   [--shapes 256,512,1024,fwd,gA,gB,MxNxK,MxNxKtA,MxNxKtB] [--variants chosen,regs4x8/8x8,tiled8/16,...] \
 *   [--target 0.3] [--samples 3]
 * ```
 *
 * A shape is a square size, `fwd`/`gA`/`gB` (the transformer shapes of
 * bench/peers), or `MxNxK` with an optional `tA`/`tB` (A or B transposed).
 * A variant is `chosen` (what nugrad picks on this adapter), `simple`,
 * `regs<tm>x<tn>/<wgm>x<wgn>` or `tiled<tm>/<bk>`. Each sample issues `reps`
 * matmuls and ends in one 4-byte readback; `reps` grows until a sample lasts
 * `--target` seconds. Prints GFLOP/s, the median over samples.
 *
 * @example
 * ```ts
 * import { parseVariant } from "./webgpu_matmul_tune.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(parseVariant("regs4x8/8x8"), { kind: "regs", shape: { tm: 4, tn: 8, wgm: 8, wgn: 8 } });
 * ```
 *
 * @module
 */
import { createWebGpuBackend } from "../kernels/webgpu/backend.ts";
import {
  chooseMatmulVariant,
  forceMatmulVariant,
  type MatmulVariant,
  variantName,
} from "../kernels/webgpu/matmul.ts";

/** One benchmark shape: C[m,n] = op(A) op(B) with inner dim k. */
interface TuneShape {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/**
 * Parse a variant name (see the module doc); throws on anything else.
 *
 * @example
 * ```ts
 * import { parseVariant } from "./webgpu_matmul_tune.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(parseVariant("tiled8/16"), { kind: "tiled", shape: { tm: 8, bk: 16 } });
 * ```
 */
export function parseVariant(name: string): MatmulVariant {
  if (name === "simple") return { kind: "simple" };
  let m = /^regs(\d+)x(\d+)\/(\d+)x(\d+)$/.exec(name);
  if (m) {
    const [tm, tn, wgm, wgn] = m.slice(1).map(Number);
    return { kind: "regs", shape: { tm, tn, wgm, wgn } };
  }
  m = /^tiled(4|8)\/(\d+)$/.exec(name);
  if (m) return { kind: "tiled", shape: { tm: Number(m[1]) as 4 | 8, bk: Number(m[2]) } };
  throw new Error(`tune: unknown variant ${name} (simple, regsTMxTN/WGMxWGN, tiledTM/BK)`);
}

function shapeOf(name: string): TuneShape {
  const plain = (label: string, m: number, n: number, k: number) => ({
    label,
    m,
    n,
    k,
    transA: false,
    transB: false,
  });
  if (name === "fwd") return plain("fwd [1024x128]x[128x512]", 1024, 512, 128);
  if (name === "gA") {
    return { ...plain("gA [1024x512]x[128x512]^T", 1024, 128, 512), transB: true };
  }
  if (name === "gB") {
    return { ...plain("gB [1024x128]^Tx[1024x512]", 128, 512, 1024), transA: true };
  }
  const mnk = /^(\d+)x(\d+)x(\d+)(tA|tB)?$/.exec(name);
  if (mnk) {
    const [m, n, k] = mnk.slice(1, 4).map(Number);
    const base = plain(`${m}x${n}x${k}${mnk[4] ?? ""}`, m, n, k);
    return { ...base, transA: mnk[4] === "tA", transB: mnk[4] === "tB" };
  }
  const n = Number(name);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`tune: unknown shape ${name}`);
  return plain(`${n}^3`, n, n, n);
}

function option(args: string[], flag: string, dflt: string): string {
  const i = args.indexOf(flag);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}

async function main(args: string[]): Promise<void> {
  const shapes = option(args, "--shapes", "256,512,1024,fwd,gA,gB").split(",").map(shapeOf);
  const variants = option(args, "--variants", "chosen,regs4x8/8x8,regs4x4/8x8,tiled4/16,tiled8/16")
    .split(",");
  const target = Number(option(args, "--target", "0.3"));
  const samples = Number(option(args, "--samples", "3"));
  const g = await createWebGpuBackend();
  console.log(g.info());
  const isSoftware = g.context.isSoftware;
  for (const s of shapes) {
    const aShape = s.transA ? [s.k, s.m] : [s.m, s.k];
    const bShape = s.transB ? [s.n, s.k] : [s.k, s.n];
    const ha = Float32Array.from({ length: s.m * s.k }, () => Math.random() * 2 - 1);
    const hb = Float32Array.from({ length: s.k * s.n }, () => Math.random() * 2 - 1);
    const a = g.upload(ha, "f32");
    const b = g.upload(hb, "f32");
    const inputs = [
      { buffer: a, shape: aShape, dtype: "f32" as const },
      { buffer: b, shape: bShape, dtype: "f32" as const },
    ];
    const out = { shape: [s.m, s.n], dtype: "f32" as const };
    const flops = 2 * s.m * s.n * s.k;
    for (const name of variants) {
      const v = name === "chosen"
        ? chooseMatmulVariant({ ...s, batch: 1 }, { isSoftware })
        : parseVariant(name);
      forceMatmulVariant(v);
      const runMany = async (reps: number) => {
        let last = null;
        for (let r = 0; r < reps; r++) {
          if (last) g.release(last);
          last = g.run("matmul", inputs, { transA: s.transA, transB: s.transB }, out);
        }
        const t0 = performance.now();
        await g.read(last!, "f32", 1);
        g.release(last!);
        return t0;
      };
      // Warm up (compile) and check sampled outputs against float64 dot products.
      const c = g.run("matmul", inputs, { transA: s.transA, transB: s.transB }, out);
      const got = await g.read(c, "f32", s.m * s.n);
      g.release(c);
      let worst = 0;
      for (let t = 0; t < 64; t++) {
        const i = Math.floor(Math.random() * s.m), j = Math.floor(Math.random() * s.n);
        let want = 0;
        for (let k = 0; k < s.k; k++) {
          const av = s.transA ? ha[k * s.m + i] : ha[i * s.k + k];
          const bv = s.transB ? hb[j * s.k + k] : hb[k * s.n + j];
          want += av * bv;
        }
        worst = Math.max(worst, Math.abs(got[i * s.n + j] - want));
      }
      let reps = 1;
      const times: number[] = [];
      while (times.length < samples) {
        const t0 = performance.now();
        await runMany(reps);
        const dt = (performance.now() - t0) / 1000;
        if (dt < target && reps < 4096) {
          reps *= Math.min(8, Math.ceil((target / Math.max(dt, 1e-3)) * 1.2));
          continue;
        }
        times.push(dt / reps);
      }
      times.sort((x, y) => x - y);
      const gflops = flops / times[Math.floor(times.length / 2)] / 1e9;
      console.log(
        `${s.label.padEnd(28)} ${
          (name === "chosen" ? `chosen=${variantName(v)}` : name).padEnd(22)
        }` +
          ` ${gflops.toFixed(2).padStart(7)} GFLOP/s  reps ${reps}  max |err| ${
            worst.toExponential(1)
          }`,
      );
    }
    forceMatmulVariant(null);
    g.release(a);
    g.release(b);
  }
}

if (import.meta.main) await main(Deno.args);
