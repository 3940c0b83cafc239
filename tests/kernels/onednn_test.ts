/**
 * oneDNN as the CPU's f32 GEMM: the split (f32 to oneDNN, f64 to the BLAS library or a loop),
 * the real library against the reference and against OpenBLAS on the step's shapes, the same
 * bits on a repeated call, and `NUGRAD_ONEDNN=0` keeping it out.
 */
import { oneDnnLibrary, requires } from "../requires.ts";
import {
  DEFAULT_ONEDNN_CANDIDATES,
  type OneDnn,
  openOneDnn,
  withOneDnn,
} from "../../kernels/cpu/onednn.ts";
import { openBlas, openCandidate } from "../../kernels/cpu/blas.ts";
import {
  checkGemm,
  type GemmArgs,
  type GemmFn,
  referenceGemm,
} from "../../kernels/cpu/blas_check.ts";
import { oneProductAtATime } from "../../kernels/cpu/batched_bits.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";

function args<T extends Float32Array | Float64Array>(
  make: (n: number) => T,
  m: number,
  n: number,
  k: number,
  transA = false,
  transB = false,
): GemmArgs<T> {
  const a = make(m * k), b = make(k * n);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37) * 0.8;
  for (let i = 0; i < b.length; i++) b[i] = Math.cos(i * 0.53) * 0.6;
  return { a, b, c: make(m * n), m, n, k, transA, transB };
}

Deno.test("withOneDnn: f32 products go to oneDNN, f64 ones to the BLAS library or a loop", () => {
  const calls: string[] = [];
  const fake: OneDnn = {
    library: "fake",
    name: "fakeDNN 1.0",
    threads: 2,
    batched: null,
    sgemm: (g) => {
      calls.push(`dnnl ${g.m}x${g.n}x${g.k}`);
      g.c.fill(7);
    },
  };
  const f64 = {
    description: "FakeBLAS, 2 threads",
    gemm: (g: GemmArgs<Float32Array | Float64Array>) => {
      calls.push(`blas ${g.c.constructor.name}`);
    },
  };
  const split = withOneDnn(fake, f64);
  assertEquals(split.description, "fakeDNN 1.0 sgemm, 2 threads (f64: FakeBLAS, 2 threads)");
  const f = args((n) => new Float32Array(n), 2, 3, 4);
  split.gemm(f);
  split.gemm(args((n) => new Float64Array(n), 2, 3, 4));
  assertEquals(calls, ["dnnl 2x3x4", "blas Float64Array"]);
  assertEquals([...f.c], [7, 7, 7, 7, 7, 7]);
  // Without a BLAS library, f64 products run a plain loop that passes the load-time check
  // (its f32 half here is a correct loop too).
  const loop = withOneDnn({
    ...fake,
    sgemm: referenceGemm,
  }, null);
  assertEquals(loop.description, "fakeDNN 1.0 sgemm, 2 threads (f64: TypeScript)");
  assertEquals(checkGemm(loop.gemm), null);
});

Deno.test("openOneDnn: a path that does not open gives null", () => {
  assertEquals(openOneDnn("/nonexistent/libdnnl.so.9"), null);
});

const dnnl = DEFAULT_ONEDNN_CANDIDATES.map(openOneDnn).find((d) => d !== null) ?? null;

requires(oneDnnLibrary(), {
  name: "oneDNN: passes the check, agrees with OpenBLAS on the step's shapes, repeats bit for bit",
  fn() {
    const split = withOneDnn(dnnl!, null);
    assertEquals(checkGemm(split.gemm), null);
    const blas = openCandidate({ path: "libopenblas.so.0" });
    const shapes: [number, number, number, boolean, boolean][] = [
      [1024, 128, 128, false, true],
      [128, 512, 1024, true, false],
      [64, 64, 32, false, true],
      [37, 1, 300, false, false],
      [1, 129, 65, true, true],
    ];
    for (const [m, n, k, transA, transB] of shapes) {
      const g = args((len) => new Float32Array(len), m, n, k, transA, transB);
      dnnl!.sgemm(g);
      const again = { ...g, c: new Float32Array(g.c.length) };
      dnnl!.sgemm(again);
      assertEquals(again.c, g.c, `${m}x${n}x${k}: a repeated call gives other bits`);
      if (!blas) continue;
      const ref = { ...g, c: new Float32Array(g.c.length) };
      blas.gemm(ref);
      let worst = 0;
      for (let i = 0; i < ref.c.length; i++) worst = Math.max(worst, Math.abs(ref.c[i] - g.c[i]));
      // Terms below 1 in magnitude, k of them: f32 sums in two orders differ by ~k·2^-24.
      assertTrue(
        worst <= k * 2 ** -20,
        `${m}x${n}x${k} transA=${transA} transB=${transB}: ${worst}`,
      );
    }
  },
});

requires(oneDnnLibrary(), {
  name:
    "openBlas: f32 on oneDNN by default, kept out by NUGRAD_ONEDNN=0 or an explicit NUGRAD_BLAS",
  async fn() {
    const chosen = openBlas();
    assertTrue(chosen !== null && chosen.description.startsWith(dnnl!.name), chosen?.description);
    const describe = async (env: Record<string, string>) => {
      const code = `import { openBlas } from "${
        new URL("../../kernels/cpu/blas.ts", import.meta.url).href
      }";
console.log(openBlas()?.description ?? "none");`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", code],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      return new TextDecoder().decode(out.stdout).trim();
    };
    const off = await describe({ NUGRAD_ONEDNN: "0" });
    assertTrue(!off.includes("oneDNN"), off);
    const named = await describe({ NUGRAD_BLAS: "libopenblas.so.0" });
    assertTrue(!named.includes("oneDNN"), named);
    const both = await describe({ NUGRAD_BLAS: "libopenblas.so.0", NUGRAD_ONEDNN: dnnl!.library });
    assertTrue(both.startsWith(dnnl!.name), both);
  },
});

requires(oneDnnLibrary(), {
  name: "oneDNN batched: agrees with one dnnl_sgemm per product, every transpose, any batch",
  fn() {
    const batched = dnnl!.batched;
    assertTrue(batched !== null, "oneDNN 2.x opened without its batched products");
    const shapes: [number, number, number, number][] = [
      [64, 64, 64, 32],
      [64, 64, 32, 64],
      [3, 17, 1, 33],
      [2, 1, 9, 5],
    ];
    for (const [batch, m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const g = args((len) => new Float32Array(len), batch * m, n, k);
          const a = g.a.subarray(0, batch * m * k), b = new Float32Array(batch * k * n);
          for (let i = 0; i < b.length; i++) b[i] = Math.cos(i * 0.29) * 0.7;
          const c = new Float32Array(batch * m * n).fill(NaN);
          batched!({ a, b, c, batch, m, n, k, transA, transB });
          const one = new Float32Array(batch * m * n);
          const sgemm = dnnl!.sgemm as GemmFn;
          oneProductAtATime(sgemm)({ a, b, c: one, batch, m, n, k, transA, transB });
          let worst = 0;
          for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - c[i]));
          assertTrue(
            worst <= k * 2 ** -20,
            `${batch}x${m}x${n}x${k} transA=${transA} transB=${transB}: ${worst}`,
          );
        }
      }
    }
  },
});

requires(oneDnnLibrary(), {
  name: "with oneDNN installed, the BLAS library's own f32 path still passes the matmul tests",
  async fn() {
    // The main suite's f32 products go to oneDNN here; run the matmul and tile tests again in a
    // process where NUGRAD_ONEDNN=0 keeps it out, so that OpenBLAS's f32 path stays tested.
    const files = ["cpu_matmul_test.ts", "cpu_epilogue_test.ts"].map((f) =>
      new URL(`./${f}`, import.meta.url).pathname
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--no-check", ...files],
      env: { NUGRAD_ONEDNN: "0", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assertTrue(out.success, text.slice(-3000));
    assertTrue(/ok \| \d+ passed \| 0 failed/.test(text), text.slice(-500));
  },
});
