/**
 * Where the compiled nGPT training step spends its time on the current backend: each
 * generated kernel and each structural primitive timed as it runs (after 15 warm-up steps), the
 * total split into fused kernels, matmul, cross-entropy and the rest.
 *
 *   deno run -A bench/nn_step_profile.ts [width]      (default 128; depth 2, batch 16, seq 64)
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any -- the backend's methods are wrapped to time them
import * as nu from "../mod.ts";
import { ngptStep } from "./ngpt_step.ts";
const width = Number(Deno.args[0] ?? 128);
const run = ngptStep(width);
for (let i = 0; i < 15; i++) run();
const be = nu.getBackend() as any;
const times = new Map<string, number>();
const origRun = be.run.bind(be), origF = be.runFused.bind(be);
be.run = (p: string, ops: any[], pr: any, o: any) => {
  const t = performance.now();
  const r = origRun(p, ops, pr, o);
  const key = `${p} ${ops.map((x: any) => x.shape.join("x")).join(" ")} ${JSON.stringify(pr)}`;
  times.set(key, (times.get(key) ?? 0) + performance.now() - t);
  return r;
};
// Structural outputs kept in the compiled program's arena run through `runInto` (CPU).
if (be.runInto) {
  const origInto = be.runInto.bind(be);
  be.runInto = (p: string, ops: any[], pr: any, o: any, target: unknown) => {
    const t = performance.now();
    origInto(p, ops, pr, o, target);
    const key = `${p} ${ops.map((x: any) => x.shape.join("x")).join(" ")} ${JSON.stringify(pr)}`;
    times.set(key, (times.get(key) ?? 0) + performance.now() - t);
  };
}
let fusedMs = 0; // time in fused kernels so far, to take them out of an epilogue's matmul
// A matmul with its epilogue (CPU): the kernels on its tiles go through runFused and count as
// fused kernels; the rest of the call counts as the matmul.
if (be.runMatmulEpilogue) {
  const origEpilogue = be.runMatmulEpilogue.bind(be);
  be.runMatmulEpilogue = (ops: any[], pr: any, o: any, target: unknown, e: unknown) => {
    const [t, f0] = [performance.now(), fusedMs];
    origEpilogue(ops, pr, o, target, e);
    const key = `matmul ${ops.map((x: any) => x.shape.join("x")).join(" ")} ${
      JSON.stringify(pr)
    } +epilogue`;
    times.set(key, (times.get(key) ?? 0) + performance.now() - t - (fusedMs - f0));
  };
}
be.runFused = (k: any, ...a: unknown[]) => {
  const t = performance.now();
  origF(k, ...a);
  fusedMs += performance.now() - t;
  const key = `fused ${k.reduce ? "reduce" + k.reduce.axes : "map"} ${
    k.shape.join("x")
  } n=${k.nodes.length} in=${k.inputs.length} out=${k.outputs.length}`;
  times.set(key, (times.get(key) ?? 0) + performance.now() - t);
};
const N = 5;
const t0 = performance.now();
for (let i = 0; i < N; i++) run();
const total = (performance.now() - t0) / N;
let sum = 0;
for (const v of times.values()) sum += v / N;
console.log("total", total.toFixed(1), "accounted", sum.toFixed(1));
const agg = new Map<string, number>();
for (const [k, v] of times) {
  const kk = k.startsWith("fused") ? "fused" : k.split(" ")[0];
  agg.set(kk, (agg.get(kk) ?? 0) + v / N);
}
console.log([...agg].map(([k, v]) => `${k}: ${v.toFixed(1)}`).join("  "));
console.log(
  [...times].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${(v / N).toFixed(2)}  ${k}`)
    .join("\n"),
);
