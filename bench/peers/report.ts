/**
 * Results of a peer benchmark run: one record per (case, engine), the
 * markdown tables with ratios against nugrad-cpu, and the target checks of
 * issue 3.
 *
 * @example
 * ```ts
 * import { resultTable } from "./report.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const md = resultTable([
 *   { case: "256^3", kind: "matmul", engine: "nugrad-cpu", unit: "GFLOP/s", value: 40, secondsPerOp: 1e-3 },
 *   { case: "256^3", kind: "matmul", engine: "jax-wasm", unit: "GFLOP/s", value: 20, secondsPerOp: 2e-3 },
 * ], ["nugrad-cpu", "jax-wasm"]);
 * assertTrue(md.includes("0.50x"), md); // jax-wasm at half nugrad-cpu's speed
 * ```
 *
 * @module
 */
import type { Unit } from "./engine.ts";

/** One measured (or skipped) cell. */
export interface CellResult {
  case: string;
  kind: string;
  engine: string;
  unit: Unit;
  /** GFLOP/s, GB/s or µs per op; absent when skipped or failed. */
  value?: number;
  /** Median seconds per op. */
  secondsPerOp?: number;
  /** Ops per timed sample (each sample ends in one sync). */
  reps?: number;
  /** Seconds per op of every sample. */
  samples?: number[];
  /** Seconds of the first (compiling) run of one op and its sync. */
  firstRunSeconds?: number;
  /** Median seconds of one tiny op plus its sync (overhead case only). */
  latencySeconds?: number;
  /** Element 0 of one result, and the host's f64 value of it. */
  check?: { got: number; expected: number; ok: boolean };
  /** Why the engine did not run this case. */
  skipped?: string;
  /** The error it raised. */
  error?: string;
}

/** The reference engine that ratios are taken against. */
export const REFERENCE = "nugrad-cpu";

function fmt(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(r: CellResult | undefined, ref: CellResult | undefined): string {
  if (!r) return "";
  if (r.error) return "error";
  if (r.skipped || r.value === undefined) return "–";
  let s = fmt(r.value);
  if (r.check && !r.check.ok) s += " WRONG";
  if (ref?.secondsPerOp && r.secondsPerOp && r.engine !== ref.engine) {
    s += ` (${(ref.secondsPerOp / r.secondsPerOp).toFixed(2)}x)`;
  }
  return s;
}

/**
 * A markdown table: a row per case, a column per engine, each cell the value
 * and, in parentheses, the speed relative to nugrad-cpu (its time per op
 * divided by the engine's: above 1 means faster than nugrad-cpu); without a
 * nugrad-cpu column, relative to the first engine.
 *
 * @example
 * ```ts
 * import { resultTable } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(resultTable([], ["nugrad-cpu"]).split("\n")[0], "| case | unit | nugrad-cpu |");
 * ```
 */
export function resultTable(results: readonly CellResult[], engines: readonly string[]): string {
  const cases = [...new Set(results.map((r) => r.case))];
  const reference = engines.includes(REFERENCE) ? REFERENCE : engines[0];
  const lines = [
    `| case | unit | ${engines.join(" | ")} |`,
    `|---|---|${engines.map(() => "---:").join("|")}|`,
  ];
  for (const c of cases) {
    const row = results.filter((r) => r.case === c);
    const ref = row.find((r) => r.engine === reference);
    const unit = row[0].unit;
    const cells = engines.map((e) => cell(row.find((r) => r.engine === e), ref));
    lines.push(`| ${c} | ${unit} | ${cells.join(" | ")} |`);
    if (row.some((r) => r.latencySeconds !== undefined)) {
      const lat = engines.map((e) => {
        const r = row.find((x) => x.engine === e);
        return r?.latencySeconds !== undefined ? (r.latencySeconds * 1000).toFixed(2) : "";
      });
      lines.push(`| one tiny op + its sync | ms | ${lat.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

/**
 * Notes for every cell that was skipped or failed, one line each.
 *
 * @example
 * ```ts
 * import { skipNotes } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const notes = skipNotes([{ case: "c", kind: "add", engine: "e", unit: "GB/s", error: "boom" }]);
 * assertEquals(notes, ["- e, c: error: boom"]);
 * ```
 */
export function skipNotes(results: readonly CellResult[]): string[] {
  return results.filter((r) => r.error || r.skipped).map((r) =>
    `- ${r.engine}, ${r.case}: ${r.error ? `error: ${r.error}` : `skipped: ${r.skipped}`}`
  );
}

/** Issue 3's target for nugrad-webgpu on an H100 at 4096^3, in GFLOP/s. */
export const H100_TARGET_GFLOPS = 10000;

/** One target check of issue 3. */
export interface TargetCheck {
  target: string;
  case: string;
  /** Time-per-op ratio, peer over nugrad engine (≥ `needed` meets the target). */
  ratio: number;
  needed: number;
  met: boolean;
}

/**
 * The issue's matmul targets over every matmul case both engines measured:
 * nugrad-cpu ≥ 2× jax-wasm and ≥ 2× tfjs-wasm; nugrad-webgpu ≥ 1× jax-webgpu;
 * and, where 4096^3 was measured, nugrad-webgpu ≥ 10 TFLOP/s (the H100 target;
 * its ratio is the measured rate over 10 TFLOP/s).
 *
 * @example
 * ```ts
 * import { targetChecks } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const checks = targetChecks([
 *   { case: "m", kind: "matmul", engine: "nugrad-cpu", unit: "GFLOP/s", value: 60, secondsPerOp: 1 },
 *   { case: "m", kind: "matmul", engine: "jax-wasm", unit: "GFLOP/s", value: 20, secondsPerOp: 3 },
 * ]);
 * assertEquals(checks[0].met, true); // 60 / 20 = 3x
 * ```
 */
export function targetChecks(results: readonly CellResult[]): TargetCheck[] {
  const pairs: [string, string, number][] = [
    ["nugrad-cpu", "jax-wasm", 2],
    ["nugrad-cpu", "tfjs-wasm", 2],
    ["nugrad-wasm", "jax-wasm", 1],
    ["nugrad-webgpu", "jax-webgpu", 1],
  ];
  const out: TargetCheck[] = [];
  for (const [ours, peer, needed] of pairs) {
    for (const r of results) {
      if (r.kind !== "matmul" || r.engine !== ours || !r.secondsPerOp) continue;
      const p = results.find((x) => x.case === r.case && x.engine === peer);
      if (!p?.secondsPerOp) continue;
      const ratio = p.secondsPerOp / r.secondsPerOp;
      out.push({
        target: `${ours} >= ${needed}x ${peer}`,
        case: r.case,
        ratio,
        needed,
        met: ratio >= needed,
      });
    }
  }
  const big = results.find((r) =>
    r.engine === "nugrad-webgpu" && r.case === "4096^3" && r.value !== undefined
  );
  if (big?.value !== undefined) {
    const ratio = big.value / H100_TARGET_GFLOPS;
    out.push({
      target: `nugrad-webgpu >= ${H100_TARGET_GFLOPS / 1000} TFLOP/s f32 at 4096^3 (H100 target)`,
      case: big.case,
      ratio,
      needed: 1,
      met: ratio >= 1,
    });
  }
  return out;
}

/**
 * The target checks as markdown: a line per target with the cases met and missed.
 *
 * @example
 * ```ts
 * import { targetSummary } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const summary = targetSummary([
 *   { target: "a >= 2x b", case: "256^3", ratio: 2.5, needed: 2, met: true },
 * ]);
 * assertEquals(summary, "- a >= 2x b: met on all 1 cases (256^3 2.50x)");
 * ```
 */
export function targetSummary(checks: readonly TargetCheck[]): string {
  const targets = [...new Set(checks.map((c) => c.target))];
  return targets.map((t) => {
    const cs = checks.filter((c) => c.target === t);
    const detail = cs.map((c) => `${c.case} ${c.ratio.toFixed(2)}x${c.met ? "" : " MISSED"}`)
      .join(", ");
    const missed = cs.filter((c) => !c.met).length;
    const verdict = missed === 0
      ? `met on all ${cs.length} cases`
      : `NOT met on ${missed} of ${cs.length} cases`;
    return `- ${t}: ${verdict} (${detail})`;
  }).join("\n");
}
