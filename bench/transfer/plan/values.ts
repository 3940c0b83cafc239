/**
 * Parsers of the values the sweep's flags take: learning-rate grids, sizes, the base model,
 * integers, shards (`i/n` and `auto`), Slurm array indices. Every error names the flag and the
 * value.
 *
 * @example
 * ```ts
 * import { parseGrid } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseGrid("-3:-1:1"), [-3, -2, -1]);
 * ```
 *
 * @module
 */
import type { Axis, BaseModel } from "./types.ts";
import type { EnvReader } from "./config.ts";

/**
 * Parses a log2 learning-rate grid: `A:B:S` (A to B inclusive by S > 0) or a comma list.
 *
 * @example
 * ```ts
 * import { parseGrid } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseGrid("-12:-10:0.5"), [-12, -11.5, -11, -10.5, -10]);
 * ```
 */
export function parseGrid(text: string, flag = "--lrs"): number[] {
  const bad = (why: string) => new Error(`${flag} '${text}': ${why} (want A:B:S or x,y,z)`);
  if (text.includes(":")) {
    const parts = text.split(":");
    if (parts.length !== 3) throw bad("a range has three parts");
    const [a, b, s] = parts.map((p) => parseNumber(p, flag, text));
    if (!(s > 0)) throw bad("the step must be > 0");
    if (b < a) throw bad("the end is below the start");
    const n = Math.floor((b - a) / s + 1e-9);
    if (n > 1000) throw bad("more than 1000 points");
    return Array.from({ length: n + 1 }, (_, i) => roundGrid(a + i * s));
  }
  const values = text.split(",").map((p) => parseNumber(p, flag, text));
  if (new Set(values).size !== values.length) throw bad("repeated values");
  return values.sort((x, y) => x - y);
}

/**
 * Rounds to 1e-9 so that grid arithmetic gives stable ids (-9.5, not -9.499999999).
 *
 * @example
 * ```ts
 * import { roundGrid } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(roundGrid(-9.499999999999), -9.5);
 * ```
 */
export function roundGrid(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/**
 * Parses one flag value (parseNumber); throws naming the flag and the value.
 *
 * @example
 * ```ts
 * import { parseNumber } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseNumber("2", "--x", "2"), 2);
 * ```
 */
export function parseNumber(p: string, flag: string, whole: string): number {
  const v = p.trim() === "" ? NaN : Number(p);
  if (!Number.isFinite(v)) throw new Error(`${flag} '${whole}': '${p}' is not a number`);
  return v;
}

/**
 * Parses one flag value (parseSignature); throws naming the flag and the value.
 *
 * @example
 * ```ts
 * import { parseSignature } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseSignature("off", -8), null);
 * ```
 */
export function parseSignature(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  return text === "off" ? null : parseNumber(text, "--signature-lr", text);
}

/**
 * Parses one flag value (parseInteger); throws naming the flag and the value.
 *
 * @example
 * ```ts
 * import { parseInteger } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseInteger("3", "--seeds", 1), 3);
 * ```
 */
export function parseInteger(text: string, flag: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`${flag} '${text}': expected an integer >= ${min}`);
  }
  return v;
}

/**
 * Parses `--shard i/n` (0-based: 0 <= i < n).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { parseShard } from "./values.ts";
 * assertEquals(parseShard("2/4"), { index: 2, count: 4 });
 * ```
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new Error(`--shard '${text}': expected i/n with 0 <= i < n, e.g. 0/4, or auto`);
  }
  return { index, count };
}

/**
 * `--shard auto`: this process's shard from the environment of a Slurm array task
 * (`SLURM_ARRAY_TASK_ID`; the count from `countFlag`, `NUGRAD_SHARD_COUNT`,
 * `SLURM_ARRAY_TASK_COUNT` or `SLURM_ARRAY_TASK_MAX + 1`, in that order) or of a Kubernetes
 * Indexed Job (`JOB_COMPLETION_INDEX`; the count from `countFlag` or `NUGRAD_SHARD_COUNT`).
 * Throws naming the variables and values when there is no shard or it is out of range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { autoShard } from "./values.ts";
 * const env = { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" };
 * assertEquals(autoShard(undefined, (k) => env[k as keyof typeof env]), { index: 2, count: 4 });
 * const k8s = { JOB_COMPLETION_INDEX: "1" };
 * assertEquals(autoShard("3", (k) => k8s[k as keyof typeof k8s]), { index: 1, count: 3 });
 * ```
 */
export function autoShard(
  countFlag: string | undefined,
  env: EnvReader,
): { index: number; count: number } {
  const given = countFlag ?? env("NUGRAD_SHARD_COUNT");
  const givenName = countFlag !== undefined ? "--shard-count" : "NUGRAD_SHARD_COUNT";
  const slurm = env("SLURM_ARRAY_TASK_ID");
  const k8s = env("JOB_COMPLETION_INDEX");
  let indexName: string;
  let indexText: string;
  let countName: string;
  let countText: string | undefined;
  if (slurm !== undefined) {
    indexName = "SLURM_ARRAY_TASK_ID";
    indexText = slurm;
    const max = env("SLURM_ARRAY_TASK_MAX");
    const fromSlurm = env("SLURM_ARRAY_TASK_COUNT") ??
      (max !== undefined && env("SLURM_ARRAY_TASK_MIN") === "0"
        ? String(Number(max) + 1)
        : undefined);
    countName = given !== undefined ? givenName : "SLURM_ARRAY_TASK_COUNT";
    countText = given ?? fromSlurm;
  } else if (k8s !== undefined) {
    indexName = "JOB_COMPLETION_INDEX";
    indexText = k8s;
    countName = givenName;
    countText = given;
    if (countText === undefined) {
      throw new Error(
        `--shard auto: JOB_COMPLETION_INDEX=${k8s} but no shard count; pass --shard-count N ` +
          `or set NUGRAD_SHARD_COUNT to the Indexed Job's completions`,
      );
    }
  } else {
    throw new Error(
      "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm array task) nor " +
        "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard i/n instead",
    );
  }
  if (countText === undefined) {
    throw new Error(
      `--shard auto: ${indexName}=${indexText} but no task count (SLURM_ARRAY_TASK_COUNT, ` +
        `or SLURM_ARRAY_TASK_MIN=0 with SLURM_ARRAY_TASK_MAX); pass --shard-count N`,
    );
  }
  const index = Number(indexText);
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`--shard auto: ${countName}='${countText}' is not a count >= 1`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(
      `--shard auto: ${indexName}=${indexText} is not in 0..${count - 1} ` +
        `(${countName}=${countText}); number the tasks from 0, e.g. sbatch --array=0-${count - 1}`,
    );
  }
  return { index, count };
}

/**
 * Parses one flag value (parseIndices); throws naming the flag and the value.
 *
 * @example
 * ```ts
 * import { parseIndices } from "./values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseIndices("0,2-3", 4), [0, 2, 3]);
 * ```
 */
export function parseIndices(text: string, tasks: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const a = m ? Number(m[1]) : NaN;
    const b = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || b < a || b >= tasks) {
      throw new Error(
        `--array '${text}': expected task indices in 0..${tasks - 1} (--tasks ${tasks}), ` +
          `e.g. 1 or 0,2 or 0-3`,
      );
    }
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * Parses `--sizes`: distinct integers >= 1 (widths, depths, step counts or batch sizes, as
 * `axis` names them in the error), sorted ascending.
 *
 * @example
 * ```ts
 * import { parseSizes } from "./values.ts";
 * import { assertEquals, assertThrows } from "../../../testing/assert.ts";
 * assertEquals(parseSizes("64,32"), [32, 64]);
 * assertThrows(() => parseSizes("0,8", "batch"), "--sizes '0': expected an integer >= 1 (a batch size)");
 * ```
 */
export function parseSizes(text: string, axis: Axis = "width"): number[] {
  const noun = axis === "batch" ? "a batch size" : axis === "steps" ? "a step count" : `a ${axis}`;
  const sizes = text.split(",").map((p) => {
    const v = p.trim() === "" ? NaN : Number(p);
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`--sizes '${p.trim()}': expected an integer >= 1 (${noun})`);
    }
    return v;
  });
  if (new Set(sizes).size !== sizes.length) throw new Error(`--sizes '${text}': repeated sizes`);
  return sizes.sort((a, b) => a - b);
}

/**
 * Parses `--base`: the base model, from the fixed dimensions and the smallest size along `axis`
 * unless given. `N` sets the base along `axis`; `width=W,depth=L,steps=T` (any of them) sets
 * those dimensions, and `batch=B` the base batch of a batch sweep (refused on other axes, where
 * the batch is fixed by `--batch`). A batch sweep's base carries `batch`; the others' do not.
 *
 * @example
 * ```ts
 * import { parseBase } from "./values.ts";
 * import { assertEquals, assertThrows } from "../../../testing/assert.ts";
 * const fixed = { width: 64, depth: 2, steps: 9 };
 * assertEquals(parseBase("32", "width", fixed, [64]).width, 32);
 * assertEquals(parseBase(undefined, "batch", fixed, [8, 16]), { width: 64, depth: 2, steps: 9, batch: 8 });
 * assertEquals(parseBase("width=32,batch=16", "batch", fixed, [8]).batch, 16);
 * assertThrows(() => parseBase("batch=8", "width", fixed, [64]), "only with --axis batch");
 * ```
 */
export function parseBase(
  text: string | undefined,
  axis: Axis,
  fixed: BaseModel,
  sizes: number[],
): BaseModel {
  const base: BaseModel = { width: fixed.width, depth: fixed.depth, steps: fixed.steps };
  base[axis] = sizes[0];
  if (text === undefined) return base;
  if (/^\d+$/.test(text)) return { ...base, [axis]: parseInteger(text, "--base", 1) };
  for (const part of text.split(",")) {
    const m = /^(width|depth|steps|batch)=(\d+)$/.exec(part.trim());
    if (!m) {
      throw new Error(
        `--base '${text}': expected N or width=W,depth=L,steps=T (batch=B with --axis batch) ` +
          `(bad: '${part}')`,
      );
    }
    if (m[1] === "batch" && axis !== "batch") {
      throw new Error(
        `--base '${text}': batch=${m[2]} only with --axis batch (the batch of a ${axis} sweep ` +
          `is --batch)`,
      );
    }
    base[m[1] as Axis] = parseInteger(m[2], "--base", 1);
  }
  return base;
}

/**
 * Parses `--group`: `auto` (the default) or a group size >= 1.
 *
 * @example
 * ```ts
 * import { parseGroup } from "./values.ts";
 * import { assertEquals, assertThrows } from "../../../testing/assert.ts";
 * assertEquals([parseGroup(undefined), parseGroup("auto"), parseGroup("4")], ["auto", "auto", 4]);
 * assertThrows(() => parseGroup("0"), "--group '0': expected auto or an integer >= 1");
 * ```
 */
export function parseGroup(text: string | undefined): "auto" | number {
  if (text === undefined || text === "auto") return "auto";
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--group '${text}': expected auto or an integer >= 1`);
  }
  return n;
}
