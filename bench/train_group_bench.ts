/**
 * Wall time of N training runs of one model shape — the learning-rate grid of a sweep — trained
 * as one group (`nn.trainGroup`: one vmapped, compiled step for all members) against one at a
 * time (`nn.train` per run), same command, same machine. Every run reads its loss every
 * `--eval-every` steps, as the sweep does; the members' final losses are compared too.
 *
 *   deno run -A bench/train_group_bench.ts [--members 8] [--widths 32,64] [--depth 2]
 *                                          [--batch 16] [--seq 64] [--head-size 32]
 *                                          [--steps 50] [--eval-every 25] [--json FILE]
 *
 * Prints, per width, both wall times, their ratio and the largest relative difference of the
 * final training losses.
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import * as nu from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    members: { type: "string", default: "8" },
    widths: { type: "string", default: "32,64" },
    depth: { type: "string", default: "2" },
    batch: { type: "string", default: "16" },
    seq: { type: "string", default: "64" },
    "head-size": { type: "string", default: "32" },
    steps: { type: "string", default: "50" },
    "eval-every": { type: "string", default: "25" },
    json: { type: "string" },
  },
});
const members = Number(values.members), depth = Number(values.depth);
const batch = Number(values.batch), seq = Number(values.seq), steps = Number(values.steps);
const headSize = Number(values["head-size"]), evalEvery = Number(values["eval-every"]);
const VOCAB = 256;

/** Member `m`'s batch at `step`: random tokens from its own stream (host data). */
function windows(step: number, m: number): { data: Int32Array; count: number } {
  let s = (step * 7919 + m * 104729 + 1) >>> 0;
  const data = Int32Array.from({ length: batch * (seq + 1) }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % VOCAB;
  });
  return { data, count: batch };
}

const rows: Record<string, unknown>[] = [];
for (const width of values.widths.split(",").map(Number)) {
  const config = nu.nn.modelConfig({ vocab: VOCAB, width, depth, seqLen: seq, headSize });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  const lrs = Array.from({ length: members }, (_, m) => 2 ** (-9 + m * 0.75));
  const common = { steps, evalEvery };
  let t0 = performance.now();
  const grouped = await nu.nn.trainGroup(model, {
    ...common,
    lrs,
    keys: lrs.map((_, m) => nu.key(m)),
    batch: (step, m) => windows(step, m),
  });
  const groupedS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const alone = [];
  for (const [m, lr] of lrs.entries()) {
    alone.push(
      await nu.nn.train(model, { ...common, lr, key: nu.key(m), batch: (s) => windows(s, m) }),
    );
  }
  const aloneS = (performance.now() - t0) / 1000;
  const last = (r: nu.nn.TrainResult) => r.curves[r.curves.length - 1]?.trainLoss ?? NaN;
  const worst = Math.max(
    ...alone.map((r, m) => Math.abs(last(grouped[m]) - last(r)) / Math.abs(last(r))),
  );
  const row = {
    width,
    members,
    steps,
    groupedSeconds: +groupedS.toFixed(2),
    oneAtATimeSeconds: +aloneS.toFixed(2),
    speedup: +(aloneS / groupedS).toFixed(2),
    worstRelativeLossDifference: worst,
  };
  rows.push(row);
  console.log(
    `width ${width}: ${members} runs of ${steps} steps — grouped ${groupedS.toFixed(2)} s, ` +
      `one at a time ${aloneS.toFixed(2)} s, ×${row.speedup}; final losses differ by ≤ ${worst}`,
  );
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(rows, null, 2) + "\n");
