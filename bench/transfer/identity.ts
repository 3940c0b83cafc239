/**
 * A sweep's settings: every setting that changes a run's result, other than the run's own point
 * (parameterization name, size, learning rate, seed; those are in its spec). They are stored
 * with every run (`results.jsonl`, field `settings`) and with the folder (`OUT/settings.json`),
 * so that runs made under different settings cannot mix: `--resume` and `merge` compare them and
 * refuse with {@linkcode formatDifferences}, and the summary groups runs by them.
 *
 * What counts: the training code's version, schedule, precision and backend; the model shape
 * (the dimensions not swept, head size, base model); batch and sequence length; the data (name,
 * size and SHA-256 of its bytes); and each parameterization's definition (a fingerprint of what
 * it computes, see `trainer.ts`). Not counted: which points are run (sizes, learning rates,
 * seeds, search) — a resume may add points — and `--eval-every`, which changes no final loss.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { settingsDifferences } from "./identity.ts";
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
import { formatWarmup, type SweepConfig } from "./args.ts";
import type { Axis, BaseModel, Dataset, RunResult } from "./types.ts";

/** The name of the settings file inside a sweep folder. */
export const SETTINGS_FILE = "settings.json";

/** What a trainer says about itself: the parts of a run's identity only it knows. */
export interface TrainerIdentity {
  /** Training-code version (bump it when the training code changes results), e.g. `nugrad-1`. */
  code: string;
  /** The learning-rate schedule, in words. */
  schedule: string;
  /** Arithmetic precision, e.g. `float32`. */
  precision: string;
  /** The backend actually used when the sweep asks for the default (`--backend` unset). */
  defaultBackend: string;
  /** A fingerprint of what parameterization `name` computes (not just its name). */
  fingerprint(name: string): Promise<string>;
}

/** The settings of a sweep folder (see the module doc). */
export interface SweepSettings {
  code: string;
  schedule: string;
  precision: string;
  backend: string;
  /** How each step runs: `jit` (compiled by nu.jit) or `eager` (`--no-jit`). */
  compile: "jit" | "eager";
  /** The update direction (`--optimizer`); absent in folders made before the flag (Adam). */
  optimizer?: "adam" | "adam-atan2";
  /** `--warmup` as written (`0`, `20`, `10%`); absent in folders made before the flag (0). */
  warmup?: string;
  axis: Axis;
  /** The fixed dimensions; null for the one swept along `axis`. */
  width: number | null;
  depth: number | null;
  steps: number | null;
  headSize: number;
  base: BaseModel;
  batch: number;
  seq: number;
  data: { name: string; bytes: number; sha256: string };
  /** Parameterization name → fingerprint of its definition. */
  params: Record<string, string>;
}

/** One difference between two settings: the flag (or setting) and both values. */
export interface SettingDifference {
  setting: string;
  /** The value in the folder (or first shard) already there. */
  was: string;
  /** The value in the command (or the other shard). */
  now: string;
}

/**
 * SHA-256 of a dataset's bytes (training then held-out, each preceded by its length), as hex.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { assertEquals } from "../../testing/assert.ts";
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
    precision: identity.precision,
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
    batch: config.batch,
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
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { assertEquals } from "../../testing/assert.ts";
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

const show = (x: unknown): string => {
  if (x === null) return "(swept)";
  if (typeof x === "object") {
    return Object.entries(x as Record<string, unknown>).map(([k, v]) => `${k}=${v}`).join(",");
  }
  return String(x);
};

/**
 * `settings` with the values a folder made before a setting existed was trained with: Adam
 * (`--optimizer`) and no warm-up (`--warmup 0`). Comparing and grouping settings go through it,
 * so that such a folder resumes, merges and summarizes with new runs of the same recipe.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { exampleSettings, withDefaults } from "./identity.ts";
 * const { optimizer: _, warmup: __, ...old } = exampleSettings();
 * const filled = withDefaults(old);
 * assertEquals([filled.optimizer, filled.warmup], ["adam", "0"]);
 * ```
 */
export function withDefaults(settings: SweepSettings): SweepSettings {
  return { ...settings, optimizer: settings.optimizer ?? "adam", warmup: settings.warmup ?? "0" };
}

/** Setting → how a user names it (the flag that sets it, where there is one). */
const LABELS: [keyof SweepSettings, string][] = [
  ["code", "training code version"],
  ["schedule", "learning-rate schedule"],
  ["precision", "precision"],
  ["backend", "--backend"],
  ["compile", "--no-jit"],
  ["optimizer", "--optimizer"],
  ["warmup", "--warmup"],
  ["axis", "--axis"],
  ["width", "--width"],
  ["depth", "--depth"],
  ["steps", "--steps"],
  ["headSize", "--head-size"],
  ["base", "--base"],
  ["batch", "--batch"],
  ["seq", "--seq"],
];

/**
 * Every difference between settings `was` and `now`: each scalar setting, the data (name, size,
 * content hash), and the definition of each parameterization both name (a parameterization in
 * only one is a new curve, not a difference). `null` stands for settings not recorded (a folder
 * made before settings were stored), which differ from any recorded ones.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { exampleSettings, settingsDifferences } from "./identity.ts";
 * const a = exampleSettings();
 * const b = { ...a, batch: 8, params: { ngpt: "other", mup: "f3" } };
 * assertEquals(settingsDifferences(a, b), [
 *   { setting: "--batch", was: "16", now: "8" },
 *   { setting: "definition of --param ngpt", was: "f1", now: "other" },
 * ]);
 * ```
 */
export function settingsDifferences(
  was: SweepSettings | null,
  now: SweepSettings | null,
): SettingDifference[] {
  if (was === null && now === null) return [];
  if (was === null || now === null) {
    const missing = "not recorded (made by a version before run settings were stored)";
    return [{
      setting: "settings",
      was: was ? "recorded" : missing,
      now: now ? "recorded" : missing,
    }];
  }
  const out: SettingDifference[] = [];
  const value = (s: SweepSettings, key: keyof SweepSettings) => show(withDefaults(s)[key]);
  for (const [key, label] of LABELS) {
    if (value(was, key) !== value(now, key)) {
      out.push({ setting: label, was: value(was, key), now: value(now, key) });
    }
  }
  if (was.data.name !== now.data.name) {
    out.push({ setting: "--data", was: was.data.name, now: now.data.name });
  }
  if (was.data.sha256 !== now.data.sha256 || was.data.bytes !== now.data.bytes) {
    out.push({
      setting: "data content (bytes, sha256)",
      was: `${was.data.bytes} bytes, ${was.data.sha256.slice(0, 12)}`,
      now: `${now.data.bytes} bytes, ${now.data.sha256.slice(0, 12)}`,
    });
  }
  for (const [name, fingerprint] of Object.entries(was.params)) {
    const other = now.params[name];
    if (other !== undefined && other !== fingerprint) {
      out.push({ setting: `definition of --param ${name}`, was: fingerprint, now: other });
    }
  }
  return out;
}

/**
 * One line per difference: `--steps 20 vs 10`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { formatDifferences } from "./identity.ts";
 * assertEquals(formatDifferences([{ setting: "--steps", was: "20", now: "10" }]), "--steps 20 vs 10");
 * ```
 */
export function formatDifferences(differences: readonly SettingDifference[]): string {
  return differences.map((d) => `${d.setting} ${d.was} vs ${d.now}`).join("; ");
}

/**
 * Settings `a` and `b` combined: `a`'s, with the parameterizations of both (call it only when
 * {@linkcode settingsDifferences} finds none).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { combineSettings, exampleSettings } from "./identity.ts";
 * const a = exampleSettings();
 * const b = { ...a, params: { mup: "f3" } };
 * assertEquals(Object.keys(combineSettings(a, b).params), ["ngpt", "nugpt", "mup"]);
 * ```
 */
export function combineSettings(a: SweepSettings, b: SweepSettings): SweepSettings {
  return { ...a, params: { ...a.params, ...b.params } };
}

/**
 * A key equal for two runs exactly when their settings are equal (parameterization included).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { exampleSettings, settingsKey } from "./identity.ts";
 * assertEquals(settingsKey(exampleSettings()) === settingsKey({ ...exampleSettings(), seq: 8 }), false);
 * ```
 */
export function settingsKey(settings: SweepSettings | null | undefined): string {
  if (!settings) return "not recorded";
  const { data, params, base, ...rest } = withDefaults(settings);
  const ordered = Object.keys(rest).sort().map((k) => [k, rest[k as keyof typeof rest]]);
  const sortedParams = Object.keys(params).sort().map((k) => [k, params[k]]);
  return JSON.stringify([ordered, [base.width, base.depth, base.steps], data, sortedParams]);
}

/**
 * Groups results by the settings they were made with: runs whose settings agree in everything
 * but the parameterization go in one group (one sweep's curves), unless a parameterization's
 * definition differs from the one first seen in that group. Largest group first.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
 * import { exampleSettings, groupBySettings } from "./identity.ts";
 * import type { RunResult } from "./types.ts";
 * const s = exampleSettings();
 * const row = (id: string, seq: number) =>
 *   ({ spec: { id, parameterization: "ngpt" }, status: "ok", settings: { ...s, seq } }) as RunResult;
 * const groups = groupBySettings([row("a", 32), row("b", 8), row("c", 32)]);
 * assertEquals(groups.map((g) => g.map((r) => r.spec.id)), [["a", "c"], ["b"]]);
 * ```
 */
export function groupBySettings(results: readonly RunResult[]): RunResult[][] {
  const groups = new Map<string, RunResult[]>();
  const firstDefinition = new Map<string, string>();
  for (const r of results) {
    const s = r.settings;
    let key = s ? settingsKey({ ...s, params: {} }) : settingsKey(null);
    const p = r.spec.parameterization;
    const fp = s?.params[p] ?? "";
    const first = firstDefinition.get(`${key}\u0000${p}`);
    if (first === undefined) firstDefinition.set(`${key}\u0000${p}`, fp);
    else if (first !== fp) key += `\u0000${p}=${fp}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

/**
 * Reads `DIR/settings.json`, or null when the folder has none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../testing/assert.ts";
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
 * import { assertEquals } from "../../testing/assert.ts";
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
