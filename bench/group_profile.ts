/**
 * Where a group's compiled training step spends its time: each generated kernel and each
 * structural primitive of the vmapped step (`nn/train_group_step.ts`) timed as it runs, summed by
 * kind, for N members at one width of the quick preset's model (depth 2, head 16, seq 32,
 * batch 16).
 *
 *   deno run -A bench/group_profile.ts [width] [members] [top]     (default 32 8 25)
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any -- the backend's methods are wrapped to time them
import * as nu from "../mod.ts";
import { groupStep, rateTables, stackTrees } from "../nn/train_group_step.ts";
import { setFusedWasm } from "../kernels/cpu/wasm/fused_dispatch.ts";

const width = Number(Deno.args[0] ?? 32), n = Number(Deno.args[1] ?? 8);
const top = Number(Deno.args[2] ?? 25);
if (Deno.args[3]) setFusedWasm({ threads: Number(Deno.args[3]) });
const config = nu.nn.modelConfig({ vocab: 256, width, depth: 2, seqLen: 32, headSize: 16 });
const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt() });
const members = Array.from({ length: n }, (_, m) => model.init(nu.key(m)));
const schedule = (lr: number) => nu.optim.cosineDecay({ peak: lr, steps: 100 });
const optimizer = (rateTable?: nu.Tensor) =>
  model.optimizer({ schedule: schedule(2 ** -7), params: members[0], rateTable });
let params = stackTrees(members);
let state = stackTrees(members.map((p) => optimizer().init(p)));
const rates = rateTables(members.map((_, m) => 2 ** (-9 + m / 2)), schedule, "f32");
const batch = nu.keep(nu.randint(nu.key(7), [n, 16, 33], 0, 256));
const step = groupStep(model, optimizer);
const run = () => {
  const [loss, p, s] = step(params, state, batch, rates);
  nu.optim.disposeReplaced([params, state, loss], [p, s]);
  [params, state] = [p, s];
};
for (let i = 0; i < 5; i++) run();
const be = nu.getBackend() as any;
const times = new Map<string, number>();
const counts = new Map<string, number>();
const add = (key: string, ms: number) => {
  times.set(key, (times.get(key) ?? 0) + ms);
  counts.set(key, (counts.get(key) ?? 0) + 1);
};
const shapes = (ops: any[]) => ops.map((x: any) => x.shape.join("x")).join(" ");
for (const name of ["run", "runInto", "runMatmulEpilogue", "runFused"]) {
  const orig = be[name]?.bind(be);
  if (!orig) continue;
  be[name] = (...a: any[]) => {
    const t = performance.now();
    const r = orig(...a);
    const ms = performance.now() - t;
    const key = name === "runFused"
      ? `fused ${a[0].reduce ? "reduce" + a[0].reduce.axes : "map"} ${a[0].shape.join("x")}`
      : `${name === "runMatmulEpilogue" ? "matmul+epi" : a[0]} ${
        shapes(name === "runMatmulEpilogue" ? a[0] : a[1])
      }`;
    add(key, ms);
    return r;
  };
}
const R = 5;
const t0 = performance.now();
for (let i = 0; i < R; i++) run();
const total = (performance.now() - t0) / R;
let sum = 0;
for (const v of times.values()) sum += v / R;
console.log(`width ${width}, ${n} members: ${total.toFixed(1)} ms/step, ${sum.toFixed(1)} timed`);
const byKind = new Map<string, number>();
for (const [k, v] of times) {
  const kind = k.split(" ")[0];
  byKind.set(kind, (byKind.get(kind) ?? 0) + v / R);
}
console.log([...byKind].map(([k, v]) => `${k}: ${v.toFixed(1)}`).join("  "));
console.log(
  [...times].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, v]) => `${(v / R).toFixed(2).padStart(7)}  ×${counts.get(k)! / R}  ${k}`).join("\n"),
);
