/**
 * A sweep's settings: every setting that changes a run's result, other than the run's own point
 * (parameterization name, size, learning rate, seed; those are in its spec). They are stored
 * with every run (`results.jsonl`, field `settings`) and with the folder (`OUT/settings.json`),
 * so that runs made under different settings cannot mix: `--resume` and `merge` compare them and
 * refuse with {@linkcode formatDifferences}, and the summary groups runs by them.
 *
 * What counts: the training code's version, schedule, precision and backend; the model shape
 * (the dimensions not swept, head size, base model); batch (unless swept) and sequence length; the data (name,
 * size and SHA-256 of its bytes); and each parameterization's definition (a fingerprint of what
 * it computes, see `trainer.ts`). Not counted: which points are run (sizes, learning rates,
 * seeds, search) — a resume may add points — and `--eval-every`, which changes no final loss.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { settingsDifferences } from "./differences.ts";
 * import { exampleSettings } from "./identity.ts";
 * const a = exampleSettings();
 * const b = { ...a, steps: 10 };
 * assertEquals(settingsDifferences({ ...a, steps: 20 }, b), [
 *   { setting: "--steps", was: "20", now: "10" },
 * ]);
 * ```
 *
 * @module
 */
import { formatWarmup, type SweepConfig } from "./config.ts";
import { precisionName, precisionPolicy } from "../../../nn/precision.ts";

/** The precision a `--precision f16` folder records: the library's own name of its policy. */
const F16_PRECISION = precisionName(precisionPolicy({ precision: "f16" }));
import type { Axis, Dataset, SweepSettings, TrainerIdentity } from "./types.ts";

/** The name of the settings file inside a sweep folder. */
export const SETTINGS_FILE = "settings.json";

/**
 * SHA-256 of a dataset's bytes (training then held-out, each preceded by its length), as hex.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { datasetHash } from "./identity.ts";
 * const a = await datasetHash({ name: "x", train: new Uint8Array([1, 2]), val: new Uint8Array([3]) });
 * const b = await datasetHash({ name: "x", train: new Uint8Array([1]), val: new Uint8Array([2, 3]) });
 * assertEquals(a.length, 64);
 * assertEquals(a === b, false);
 * ```
 */
export async function datasetHash(data: Dataset): Promise<string> {
  const header = new Uint8Array(new Float64Array([data.train.length, data.val.length]).buffer);
  const all = new Uint8Array(header.length + data.train.length + data.val.length);
  all.set(header, 0);
  all.set(data.train, header.length);
  all.set(data.val, header.length + data.train.length);
  const digest = await crypto.subtle.digest("SHA-256", all);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The settings of the sweep `config` on `data` trained by the trainer `identity` describes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { parseCommand } from "./args.ts";
 * import { NAME_ONLY_IDENTITY, sweepSettings } from "./identity.ts";
 * const cmd = parseCommand(["--steps", "20", "--param", "ngpt"]);
 * const data = { name: "d", train: new Uint8Array(10), val: new Uint8Array(10) };
 * if (cmd.kind !== "sweep") throw new Error("not a sweep");
 * const s = await sweepSettings(cmd.config, data, NAME_ONLY_IDENTITY);
 * assertEquals([s.steps, s.width, s.params], [20, null, { ngpt: "name:ngpt" }]);
 * ```
 */
export async function sweepSettings(
  config: SweepConfig,
  data: Dataset,
  identity: TrainerIdentity,
): Promise<SweepSettings> {
  const params: Record<string, string> = {};
  for (const p of config.params) params[p] = await identity.fingerprint(p);
  const fixed = (axis: Axis, value: number) => config.axis === axis ? null : value;
  return {
    code: identity.code,
    schedule: identity.schedule,
    precision: config.precision === "f16" ? F16_PRECISION : identity.precision,
    backend: config.backend || identity.defaultBackend,
    compile: config.jit === false ? "eager" : "jit",
    optimizer: config.optimizer ?? "adam",
    warmup: formatWarmup(config.warmup ?? { steps: 0 }),
    axis: config.axis,
    width: fixed("width", config.width),
    depth: fixed("depth", config.depth),
    steps: fixed("steps", config.steps),
    headSize: config.headSize,
    base: { ...config.base },
    batch: fixed("batch", config.batch),
    seq: config.seq,
    data: {
      name: data.name,
      bytes: data.train.length + data.val.length,
      sha256: await datasetHash(data),
    },
    params,
  };
}

/**
 * The identity of a trainer that is known only by name (test doubles): parameterizations are
 * fingerprinted by their names.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { NAME_ONLY_IDENTITY } from "./identity.ts";
 * assertEquals(await NAME_ONLY_IDENTITY.fingerprint("mup"), "name:mup");
 * ```
 */
export const NAME_ONLY_IDENTITY: TrainerIdentity = {
  code: "injected-trainer",
  schedule: "the trainer's",
  precision: "the trainer's",
  defaultBackend: "the trainer's",
  fingerprint: (name) => Promise.resolve(`name:${name}`),
};

/**
 * Settings for the tests and examples (a quick-preset width sweep on made-up data).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings } from "./identity.ts";
 * assertEquals(exampleSettings().steps, 200);
 * ```
 */
export function exampleSettings(): SweepSettings {
  return {
    code: "nugrad-train-1",
    schedule: "cosine to 10%",
    precision: "float32",
    backend: "cpu",
    compile: "jit",
    optimizer: "adam",
    warmup: "0",
    axis: "width",
    width: null,
    depth: 2,
    steps: 200,
    headSize: 16,
    base: { width: 16, depth: 2, steps: 200 },
    batch: 16,
    seq: 32,
    data: { name: "brown", bytes: 1000, sha256: "ab".repeat(32) },
    params: { ngpt: "f1", nugpt: "f2" },
  };
}

/**
 * The settings of one run: the folder's, with only that run's parameterization.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings, settingsOfRun } from "./identity.ts";
 * assertEquals(settingsOfRun(exampleSettings(), "nugpt").params, { nugpt: "f2" });
 * ```
 */
export function settingsOfRun(settings: SweepSettings, parameterization: string): SweepSettings {
  const fingerprint = settings.params[parameterization];
  if (fingerprint === undefined) {
    throw new Error(
      `settingsOfRun: parameterization '${parameterization}' is not in the sweep's settings ` +
        `(${Object.keys(settings.params).join(", ")})`,
    );
  }
  return { ...settings, params: { [parameterization]: fingerprint } };
}

/**
 * Reads `DIR/settings.json`, or null when the folder has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { readSettings } from "./identity.ts";
 * assertEquals(await readSettings(await Deno.makeTempDir()), null);
 * ```
 */
export async function readSettings(dir: string): Promise<SweepSettings | null> {
  const path = `${dir.replace(/\/+$/, "")}/${SETTINGS_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    return JSON.parse(text) as SweepSettings;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); delete it or fix it`);
  }
}

/**
 * Writes `DIR/settings.json` (creating DIR), through a temporary file and a rename.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings, readSettings, writeSettings } from "./identity.ts";
 * const dir = await Deno.makeTempDir();
 * await writeSettings(dir, exampleSettings());
 * assertEquals(await readSettings(dir), exampleSettings());
 * ```
 */
export async function writeSettings(dir: string, settings: SweepSettings): Promise<void> {
  const clean = dir.replace(/\/+$/, "");
  await Deno.mkdir(clean, { recursive: true });
  const tmp = `${clean}/.${SETTINGS_FILE}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(settings, null, 2) + "\n");
  await Deno.rename(tmp, `${clean}/${SETTINGS_FILE}`);
}
