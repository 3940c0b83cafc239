/**
 * Hessian-vector product of the nGPT loss against a gradient of the same
 * loss: ms per call of `valueAndGrad(loss)`, `hvp(loss, params, v)` reverse
 * over reverse and forward over reverse, and each HVP's ratio to the gradient
 * (the target: ≤ 4×), as medians of interleaved rounds. Eager by default; `--jit` compiles
 * all three with `nu.jit`.
 *
 *   deno run -A bench/hvp_bench.ts [--backend cpu|webgpu] [--width 64] [--depth 2]
 *                                  [--batch 8] [--seq 32] [--head-size 32]
 *                                  [--reps 5] [--warmup 2] [--jit]
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import * as nu from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "cpu" },
    width: { type: "string", default: "64" },
    depth: { type: "string", default: "2" },
    batch: { type: "string", default: "8" },
    seq: { type: "string", default: "32" },
    "head-size": { type: "string", default: "32" },
    reps: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    jit: { type: "boolean", default: false },
  },
});
if (values.backend === "webgpu") await nu.useBackend("webgpu");
const [width, depth, batch, seq, headSize] = ["width", "depth", "batch", "seq", "head-size"].map(
  (k) => Number(values[k as keyof typeof values]),
);
const reps = Number(values.reps), warmup = Number(values.warmup);

const config = nu.nn.modelConfig({ vocab: 256, width, depth, seqLen: seq, headSize });
const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
const params = nu.keep(model.init(nu.key(0)));
const tokens = nu.keep(nu.randint(nu.key(1), [batch, seq + 1], 0, 256));
const keys = nu.split(nu.key(2), nu.treeLeaves(params).length);
let k = 0;
const v = nu.keep(nu.treeMap((p: nu.Tensor) => nu.normal(keys[k++], p.shape), params));

type P = typeof params;
const loss = (p: P, b: nu.Tensor) => model.loss(p, b);
const wrap = <F extends (p: P, w: P, b: nu.Tensor) => unknown>(f: F) => values.jit ? nu.jit(f) : f;
const gradient = wrap((p: P, _w: P, b: nu.Tensor) => nu.valueAndGrad(loss)(p, b));
const hvpReverse = wrap((p: P, w: P, b: nu.Tensor) =>
  nu.hvp((q: P) => loss(q, b), p, w, { mode: "reverse" })
);
const hvpForward = wrap((p: P, w: P, b: nu.Tensor) =>
  nu.hvp((q: P) => loss(q, b), p, w, { mode: "forward" })
);

/** One call of `f`, waiting on its results; returns ms. */
async function once(f: (p: P, w: P, b: nu.Tensor) => unknown): Promise<number> {
  const t0 = performance.now();
  const out = f(params, v, tokens);
  const leaves = nu.treeLeaves(out).filter((l): l is nu.Tensor => l instanceof nu.Tensor);
  await Promise.all(leaves.map((l) => l.data()));
  const ms = performance.now() - t0;
  for (const l of leaves) l.dispose();
  return ms;
}

// Interleaved rounds and medians, so that load drifting on a shared machine hits all three alike.
const fns = [gradient, hvpReverse, hvpForward];
for (let i = 0; i < warmup; i++) for (const f of fns) await once(f);
const samples: number[][] = fns.map(() => []);
for (let i = 0; i < reps; i++) for (const [j, f] of fns.entries()) samples[j].push(await once(f));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [g, r, fw] = samples.map(median);
const fmt = (x: number) => x.toFixed(1);
console.log(
  `hvp bench: ${values.backend}, width ${width}, depth ${depth}, batch ${batch}, seq ${seq}, ` +
    `${values.jit ? "jit" : "eager"}, median of ${reps} interleaved rounds`,
);
console.log(`  gradient              ${fmt(g)} ms`);
console.log(`  hvp reverse/reverse   ${fmt(r)} ms  (${(r / g).toFixed(2)}× the gradient)`);
console.log(`  hvp forward/reverse   ${fmt(fw)} ms  (${(fw / g).toFixed(2)}× the gradient)`);

// Both products must agree (the figures mean nothing otherwise).
{
  using _s = nu.scope();
  const a = nu.treeLeaves(hvpReverse(params, v, tokens)) as nu.Tensor[];
  const b = nu.treeLeaves(hvpForward(params, v, tokens)) as nu.Tensor[];
  let worst = 0, scale = 0;
  for (const [i, x] of a.entries()) {
    worst = Math.max(worst, await nu.max(nu.abs(nu.sub(x, b[i]))).item());
    scale = Math.max(scale, await nu.max(nu.abs(x)).item());
  }
  console.log(
    `  max |reverse - forward| = ${worst.toExponential(2)} (max |Hv| ${scale.toFixed(3)})`,
  );
}
