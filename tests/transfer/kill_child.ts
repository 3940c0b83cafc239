/**
 * A sweep process for `kill_test.ts`: the command line of `main.ts` with the synthetic trainer
 * slowed to `KILL_CHILD_DELAY_MS` per run (so that a kill lands mid-sweep) and fake data.
 *
 * @module
 */
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";
import type { Dataset, Trainer } from "../../bench/transfer/plan/types.ts";

const delayMs = Number(Deno.env.get("KILL_CHILD_DELAY_MS") ?? "10");
const slow: Trainer = async (spec, data, onProgress) => {
  await new Promise((r) => setTimeout(r, delayMs));
  return syntheticTrainer(spec, data, onProgress);
};
const data: Dataset = { name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) };
Deno.exit(
  await withTrainer(
    slow,
    () => main(Deno.args, { loadData: () => Promise.resolve(data), progress: false }),
  ),
);
