/**
 * The environment switches of the CPU's fused kernels, read in a fresh process:
 * `NUGRAD_CPU_KERNELS=js` keeps every kernel in JavaScript, `NUGRAD_WASM_RELAXED=0` keeps relaxed
 * SIMD out; without them the Wasm renderer is on (Deno has Wasm SIMD).
 */
import { assertEquals } from "../../testing/assert.ts";

async function settingsWith(env: Record<string, string>): Promise<Record<string, unknown>> {
  const url = new URL("../../kernels/cpu/wasm/fused_dispatch.ts", import.meta.url).href;
  const code = `import { fusedWasmSettings } from "${url}";
console.log(JSON.stringify(fusedWasmSettings()));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assertEquals(out.code, 0);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("NUGRAD_CPU_KERNELS=js and NUGRAD_WASM_RELAXED=0 switch the renderer and relaxed SIMD off", async () => {
  const plain = await settingsWith({});
  assertEquals(plain.enabled, true);
  assertEquals((await settingsWith({ NUGRAD_CPU_KERNELS: "js" })).enabled, false);
  const strict = await settingsWith({ NUGRAD_WASM_RELAXED: "0" });
  assertEquals([strict.enabled, strict.relaxed], [true, false]);
});
