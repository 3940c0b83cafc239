/**
 * Which trainer a sweep trains with, reached by import: the real one (`trainer.ts`, `nn.train`)
 * or the synthetic one (`--synthetic`). The sweep asks {@linkcode trainerFor}; nothing threads a
 * trainer through from the command line.
 *
 * The one seam for tests is explicit: {@linkcode withTrainer} runs a function with a fake
 * trainer in place of both (known by name only in run identities unless the test gives an
 * identity, see `identity.ts`), and restores the previous choice after.
 *
 * @example
 * ```ts
 * import { trainerFor, withTrainer } from "./trainers.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand(["--synthetic"]);
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * assertEquals(trainerFor(cmd.config).train, syntheticTrainer);
 * assertEquals(trainerFor(cmd.config).injected, false);
 * await withTrainer(syntheticTrainer, () => {
 *   assertEquals(trainerFor(cmd.config).injected, true);
 *   return Promise.resolve();
 * });
 * ```
 *
 * @module
 */
import type { SweepConfig } from "../plan/config.ts";
import { NAME_ONLY_IDENTITY } from "../plan/identity.ts";
import type { GroupTrainer, Trainer, TrainerIdentity } from "../plan/types.ts";
import { oneByOne } from "./grouping.ts";
import { syntheticIdentity, syntheticTrainer } from "./synthetic.ts";
import { groupTrainer, trainer as realTrainer, trainerIdentity } from "./trainer.ts";

/** The trainer a sweep uses and what it adds to run identities. */
export interface TrainerChoice {
  /** Trains one run. */
  train: Trainer;
  /** Trains a group of runs of one shape and schedule together (`--group`). */
  trainGroup: GroupTrainer;
  /** What the trainer adds to the sweep's settings. */
  identity: TrainerIdentity;
  /** True when a test put this trainer in place ({@linkcode withTrainer}). */
  injected: boolean;
}

let injected: TrainerChoice | null = null;

/**
 * The trainer for `config`: the injected one inside {@linkcode withTrainer}, else the synthetic
 * one with `--synthetic`, else `trainer.ts`'s.
 *
 * @example
 * ```ts
 * import { trainerFor } from "./trainers.ts";
 * import { trainer } from "./trainer.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind === "sweep") assertEquals(trainerFor(cmd.config).train, trainer);
 * ```
 */
export function trainerFor(config: SweepConfig): TrainerChoice {
  if (injected !== null) return injected;
  return config.synthetic
    ? {
      train: syntheticTrainer,
      trainGroup: oneByOne(syntheticTrainer),
      identity: syntheticIdentity,
      injected: false,
    }
    : { train: realTrainer, trainGroup: groupTrainer, identity: trainerIdentity, injected: false };
}

/**
 * The test seam: runs `body` with `train` as every sweep's trainer (identity: `identity`, or
 * the trainer known by name only; groups: `trainGroup`, or `train` for one member after
 * another), then restores the previous trainer, also when `body` throws.
 *
 * @example
 * ```ts
 * import { trainerFor, withTrainer } from "./trainers.ts";
 * import { syntheticTrainer } from "./synthetic.ts";
 * import { parseCommand } from "../plan/args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const cmd = parseCommand([]);
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * const seen = await withTrainer(syntheticTrainer, () => Promise.resolve(trainerFor(cmd.config)));
 * assertEquals([seen.train, seen.identity.code], [syntheticTrainer, "injected-trainer"]);
 * ```
 */
export async function withTrainer<T>(
  train: Trainer,
  body: () => Promise<T>,
  identity: TrainerIdentity = NAME_ONLY_IDENTITY,
  trainGroup: GroupTrainer = oneByOne(train),
): Promise<T> {
  const previous = injected;
  injected = { train, trainGroup, identity, injected: true };
  try {
    return await body();
  } finally {
    injected = previous;
  }
}
