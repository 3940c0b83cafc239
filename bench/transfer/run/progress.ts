/**
 * A one-line terminal progress bar: runs done / total, the current run and its latest step and
 * loss, elapsed time and ETA. When the output is not a terminal, it prints one plain line per
 * finished run instead (logs, CI, Slurm).
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const lines: string[] = [];
 * const p = new Progress({ total: 2, tty: false, write: (s) => lines.push(s) });
 * ```
 *
 * @module
 */
import type { RunResult, RunSpec } from "../plan/types.ts";

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Expected number of runs to train (an estimate is fine; it grows if exceeded). */
  total: number;
  /** Draw the bar (default: whether stdout is a terminal). */
  tty?: boolean;
  /** Where text goes (default: stdout). */
  write?: (text: string) => void;
  /** Clock in milliseconds (default: `performance.now`). */
  now?: () => number;
  /** Bar width in columns (default: the terminal's, else 100). */
  columns?: number;
  /** Parameterization → the name to show (see `paramLabels`); default the parameterization. */
  labels?: ReadonlyMap<string, string>;
}

/**
 * A run as the progress display shows it: the parameterization's name, the swept size, the
 * learning rate and the seed.
 *
 * @example
 * ```ts
 * import { runLabel } from "./progress.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const spec = { parameterization: "./p.ts#mine", axis: "width", size: 64, log2Lr: -8, seed: 1 } as const;
 * assertEquals(runLabel(spec, new Map([["./p.ts#mine", "mine"]])), "mine width=64 lr=2^-8 seed 1");
 * ```
 */
export function runLabel(
  spec: Pick<RunSpec, "parameterization" | "axis" | "size" | "log2Lr" | "seed">,
  labels?: ReadonlyMap<string, string>,
): string {
  const name = labels?.get(spec.parameterization) ?? spec.parameterization;
  return `${name} ${spec.axis}=${spec.size} lr=2^${spec.log2Lr} seed ${spec.seed}`;
}

/**
 * Formats seconds as `1h02m`, `3m05s` or `12s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./progress.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(formatDuration(185), "3m05s");
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

const encoder = new TextEncoder();

/**
 * The progress display of one sweep (see the module doc).
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress({ total: 10, tty: false, write: () => {} });
 * p.finish();
 * ```
 */
export class Progress {
  #total: number;
  #done = 0;
  #skipped = 0;
  #trainSeconds = 0;
  #current: RunSpec | null = null;
  #members = 1;
  #step = 0;
  #loss = NaN;
  #runStart = 0;
  #lastDraw = -Infinity;
  readonly #tty: boolean;
  readonly #write: (text: string) => void;
  readonly #now: () => number;
  readonly #columns: number;
  readonly #labels?: ReadonlyMap<string, string>;

  /** Creates the display; nothing is printed until a run starts or ends. */
  constructor(options: ProgressOptions) {
    this.#total = options.total;
    this.#tty = options.tty ?? Deno.stdout.isTerminal();
    this.#write = options.write ?? ((s) => Deno.stdout.writeSync(encoder.encode(s)));
    this.#now = options.now ?? (() => performance.now());
    let cols = 100;
    try {
      if (this.#tty) cols = Deno.consoleSize().columns;
    } catch { /* not a console */ }
    this.#columns = options.columns ?? cols;
    this.#labels = options.labels;
  }

  /** A run was found finished in the results file (resume) or reused from its twin. */
  skipped(): void {
    this.#skipped++;
  }

  /** A run (or a group of `members` runs, `spec` its first) starts training. */
  runStarted(spec: RunSpec, members = 1): void {
    this.#current = spec;
    this.#members = members;
    this.#step = 0;
    this.#loss = NaN;
    this.#runStart = this.#now();
    this.#draw(true);
  }

  /** The current run reports a step and a loss. */
  update(step: number, loss: number): void {
    this.#step = step;
    this.#loss = loss;
    this.#draw(false);
  }

  /** The current run finished (any status). */
  runFinished(result: RunResult): void {
    this.#done++;
    this.#total = Math.max(this.#total, this.#done);
    // A group's members finish together: the first counts the group's time, the rest none.
    this.#trainSeconds += (this.#now() - this.#runStart) / 1000;
    this.#runStart = this.#now();
    this.#current = null;
    if (this.#tty) this.#draw(true);
    else {
      const loss = result.finalValLoss === null ? result.status : result.finalValLoss.toFixed(4);
      this.#write(
        `[${this.#done}/${this.#total}] ${runLabel(result.spec, this.#labels)} ${loss}` +
          ` (${result.wallSeconds.toFixed(1)}s, ${result.msPerStep.toFixed(1)} ms/step)\n`,
      );
    }
  }

  /** Clears the bar's line (the sweep prints the one closing count). */
  finish(): void {
    if (this.#tty) this.#write("\r\x1b[2K");
  }

  /** The bar's text (without control characters). */
  line(): string {
    const frac = this.#total > 0 ? Math.min(1, this.#done / this.#total) : 0;
    const width = 20;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const eta = this.#done > 0
      ? formatDuration((this.#trainSeconds / this.#done) * Math.max(0, this.#total - this.#done))
      : "?";
    let text = `[${bar}] ${this.#done}/~${this.#total} runs, eta ${eta}`;
    if (this.#current !== null) {
      const c = this.#current;
      const loss = Number.isNaN(this.#loss) ? "-" : this.#loss.toFixed(3);
      const group = this.#members > 1 ? ` (+${this.#members - 1} in its group)` : "";
      text += ` | ${runLabel(c, this.#labels)}${group} step ${this.#step}/${c.steps} loss ${loss}`;
    }
    return text.length > this.#columns - 1 ? text.slice(0, this.#columns - 2) + "…" : text;
  }

  #draw(force: boolean): void {
    if (!this.#tty) return;
    const t = this.#now();
    if (!force && t - this.#lastDraw < 100) return;
    this.#lastDraw = t;
    this.#write(`\r\x1b[2K${this.line()}`);
  }
}
