/**
 * The CPU's Worker threads serve a program that never yields to the event loop: a training loop
 * with no `await` between steps. The Workers are created when the first large kernel asks for
 * them and pick up jobs as soon as they wait for work, without the main thread ever handling
 * their "ready" messages. Run in a fresh process, since each process starts its pools once.
 */
import { assertEquals } from "../../testing/assert.ts";

Deno.test("a loop that never awaits still runs large products and kernels on the Workers", async () => {
  if (navigator.hardwareConcurrency < 2) return; // one core: no Worker to take part
  const url = (path: string) => new URL(path, import.meta.url).href;
  const code = `import * as nu from "${url("../../mod.ts")}";
import { wasmGemm } from "${url("../../kernels/cpu/wasm/wasm_gemm.ts")}";
import { fusedLastJobThreads } from "${url("../../kernels/cpu/wasm/fused_dispatch.ts")}";
const gemm = wasmGemm();
const m = 512, a = new Float32Array(m * m).fill(1);
const x = nu.ones([1 << 21]);
let product = 0, kernel = 0;
const start = Date.now();
// Synchronous to the end: no await, no timer, so no message from a Worker is ever handled here.
while ((product < 2 || kernel < 2) && Date.now() - start < 20000) {
  gemm.matmul({ a, b: a, aOffs: [0], bOffs: [0], m, n: m, k: m, transA: false, transB: false });
  product = Math.max(product, gemm.lastJobThreads);
  nu.exp(x).dispose();
  kernel = Math.max(kernel, fusedLastJobThreads());
}
console.log(JSON.stringify({ product, kernel }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assertEquals(out.code, 0);
  const seen = JSON.parse(new TextDecoder().decode(out.stdout));
  // The most threads that ran tasks of one job: a Worker took part in a product and a kernel.
  assertEquals({ product: seen.product >= 2, kernel: seen.kernel >= 2 }, {
    product: true,
    kernel: true,
  }, JSON.stringify(seen));
});
