/**
 * Comparing sweep settings: which settings differ between a folder and a command (or two
 * shards), in the user's words (the flag that sets each), a key equal exactly when settings are
 * equal, and grouping results by the settings they were made with.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings } from "./identity.ts";
 * import { settingsDifferences } from "./differences.ts";
 * const a = exampleSettings();
 * assertEquals(settingsDifferences(a, a), []);
 * ```
 *
 * @module
 */
import type { RunResult, SettingDifference, SweepSettings } from "./types.ts";

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
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings } from "./identity.ts";
 * import { withDefaults } from "./differences.ts";
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
  ["precision", "--precision"],
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
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings } from "./identity.ts";
 * import { settingsDifferences } from "./differences.ts";
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
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { formatDifferences } from "./differences.ts";
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
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { combineSettings } from "./differences.ts";
 * import { exampleSettings } from "./identity.ts";
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
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings } from "./identity.ts";
 * import { settingsKey } from "./differences.ts";
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
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { exampleSettings } from "./identity.ts";
 * import { groupBySettings } from "./differences.ts";
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
