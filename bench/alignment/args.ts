/**
 * Command lines of the alignment bench (`main.ts`) and the coordinate-check plot
 * (`coord_check.ts`), with `parseArgs` from `bench/cli.ts`. Every error names the flag and the value.
 *
 * @example
 * ```ts
 * import { parseAlignmentArgs } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const o = parseAlignmentArgs(["--steps", "100", "--lr", "2^-7"]);
 * assertEquals([o.steps, o.lr], [100, 0.0078125]);
 * ```
 *
 * @module
 */
import { parseArgs } from "../cli.ts";
import { mup, ngpt, nugpt, nugptPaper, type Parameterization } from "../../param/mod.ts";

/** The built-in parameterizations by name. */
export const PARAMETERIZATIONS: Record<string, () => Parameterization> = {
  ngpt: () => ngpt,
  nugpt: () => nugpt(),
  nugptPaper: () => nugptPaper,
  mup: () => mup,
};

/** Options of the alignment bench. */
export interface AlignmentArgs {
  help: boolean;
  steps: number;
  every: number;
  lr: number;
  width: number;
  baseWidth: number;
  depth: number;
  headSize: number;
  seq: number;
  batch: number;
  /** Probe windows (from the held-out text) the exponents are measured on. */
  probe: number;
  seed: number;
  params: string[];
  data: string | null;
  out: string;
  /** Parameterizations trained at once (each in its own worker). */
  jobs: number;
  /** Compile each training step with `nu.jit` (false: `--no-jit`). */
  jit: boolean;
}

/** Options of the coordinate-check plot. */
export interface CoordArgs {
  help: boolean;
  widths: number[];
  steps: number;
  lr: number;
  depth: number;
  seq: number;
  batch: number;
  seeds: number;
  params: string[];
  out: string;
}

/**
 * A positive learning rate written `2^-6` or `0.015625`.
 *
 * @example
 * ```ts
 * import { parseLr } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseLr("--lr", "2^-6"), 0.015625);
 * ```
 */
export function parseLr(flag: string, text: string): number {
  const pow = /^2\^(-?\d+(\.\d+)?)$/.exec(text.trim());
  const value = pow ? 2 ** Number(pow[1]) : Number(text);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new Error(`${flag}: expected a positive number or 2^k, got ${JSON.stringify(text)}`);
  }
  return value;
}

function int(flag: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return v;
}

function paramList(text: string | undefined): string[] {
  const names = (text ?? "ngpt,nugpt").split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in PARAMETERIZATIONS)) {
      throw new Error(
        `--params: unknown parameterization ${JSON.stringify(n)}; known: ${
          Object.keys(PARAMETERIZATIONS).join(", ")
        }`,
      );
    }
  }
  if (names.length === 0) throw new Error(`--params: give at least one parameterization`);
  return names;
}

/**
 * Parse the alignment bench's flags (see `main.ts --help`).
 *
 * @example
 * ```ts
 * import { parseAlignmentArgs } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseAlignmentArgs(["--width", "128"]).width, 128);
 * ```
 */
export function parseAlignmentArgs(argv: string[]): AlignmentArgs {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      steps: { type: "string" },
      every: { type: "string" },
      lr: { type: "string" },
      width: { type: "string" },
      "base-width": { type: "string" },
      depth: { type: "string" },
      "head-size": { type: "string" },
      seq: { type: "string" },
      batch: { type: "string" },
      probe: { type: "string" },
      seed: { type: "string" },
      params: { type: "string" },
      data: { type: "string" },
      out: { type: "string" },
      jobs: { type: "string" },
      "no-jit": { type: "boolean" },
    },
    strict: true,
  });
  const width = int("--width", v.width, 64);
  const headSize = int("--head-size", v["head-size"], 32);
  if (width % headSize !== 0) {
    throw new Error(`--width ${width} is not divisible by --head-size ${headSize}`);
  }
  return {
    help: v.help ?? false,
    steps: int("--steps", v.steps, 300),
    every: int("--every", v.every, 25),
    lr: v.lr === undefined ? 2 ** -6 : parseLr("--lr", v.lr),
    width,
    baseWidth: int("--base-width", v["base-width"], 32),
    depth: int("--depth", v.depth, 2),
    headSize,
    seq: int("--seq", v.seq, 64, 2),
    batch: int("--batch", v.batch, 16),
    probe: int("--probe", v.probe, 8),
    seed: int("--seed", v.seed, 0, 0),
    params: paramList(v.params),
    data: v.data ?? null,
    out: v.out ?? "out/alignment",
    jobs: int("--jobs", v.jobs, 1),
    jit: !(v["no-jit"] ?? false),
  };
}

/**
 * Parse the coordinate-check plot's flags (see `coord_check.ts --help`).
 *
 * @example
 * ```ts
 * import { parseCoordArgs } from "./args.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseCoordArgs(["--widths", "32,64"]).widths, [32, 64]);
 * ```
 */
export function parseCoordArgs(argv: string[]): CoordArgs {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      widths: { type: "string" },
      steps: { type: "string" },
      lr: { type: "string" },
      depth: { type: "string" },
      seq: { type: "string" },
      batch: { type: "string" },
      seeds: { type: "string" },
      params: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const widths = (v.widths ?? "32,64,128").split(",").map((w) => int("--widths", w.trim(), 0));
  if (widths.length < 2 || widths.some((w) => w % 32 !== 0)) {
    throw new Error(
      `--widths: need at least two multiples of the head size 32, got ${v.widths ?? ""}`,
    );
  }
  return {
    help: v.help ?? false,
    widths,
    steps: int("--steps", v.steps, 3),
    lr: v.lr === undefined ? 2 ** -10 : parseLr("--lr", v.lr),
    depth: int("--depth", v.depth, 2),
    seq: int("--seq", v.seq, 64, 2),
    batch: int("--batch", v.batch, 16),
    seeds: int("--seeds", v.seeds, 2),
    params: paramList(v.params),
    out: v.out ?? "out/alignment",
  };
}
