/**
 * `DIR/results.jsonl`: one JSON line per finished run, appended and fsynced as each run ends,
 * so that a sweep killed at any moment loses at most the run in progress.
 *
 * Reading ignores a partial last line (a kill during a write) and any line that is not a run
 * result; opening for append first cuts such a partial tail so the next line starts clean.
 * `merge` combines several folders, one result per run id (a finished run wins over a failed
 * one; otherwise the first folder named wins), after checking that the folders were made with
 * the same settings and that no run id has two different finished results.
 *
 * @example
 * ```ts
 * import { readResults } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(await readResults(await Deno.makeTempDir()), []); // no file yet: no results
 * ```
 *
 * @module
 */
import { combineSettings, formatDifferences, settingsDifferences } from "../plan/differences.ts";
import { readSettings } from "../plan/identity.ts";
import type { SweepSettings } from "../plan/types.ts";
import type { RunResult } from "../plan/types.ts";

/** The file name inside a sweep folder. */
export const RESULTS_FILE = "results.jsonl";

/**
 * The results file of a folder.
 *
 * @example
 * ```ts
 * import { resultsPath } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(resultsPath("out/transfer/"), "out/transfer/results.jsonl");
 * ```
 */
export function resultsPath(dir: string): string {
  return `${dir.replace(/\/+$/, "")}/${RESULTS_FILE}`;
}

/**
 * True for a run that needs no re-run on `--resume` (`ok` or `diverged`; `failed` is retried).
 *
 * @example
 * ```ts
 * import { isFinished, parseResults } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseResults('{"spec":{"id":"a"},"status":"failed"}\n').filter(isFinished), []);
 * ```
 */
export function isFinished(r: RunResult): boolean {
  return r.status === "ok" || r.status === "diverged";
}

function isRunResult(x: unknown): x is RunResult {
  const r = x as RunResult;
  return typeof r === "object" && r !== null && typeof r.spec?.id === "string" &&
    (r.status === "ok" || r.status === "diverged" || r.status === "failed");
}

/**
 * Parses the text of a results file: complete lines only (the text after the last newline is a
 * partial write and ignored), skipping lines that are not run results.
 *
 * @example
 * ```ts
 * import { parseResults } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // a line cut off by a kill is skipped
 * const results = parseResults('{"spec":{"id":"a"},"status":"ok"}\n{"spec":{"id":"b"},"sta');
 * assertEquals(results.map((r) => r.spec.id), ["a"]);
 * ```
 */
export function parseResults(text: string): RunResult[] {
  const end = text.lastIndexOf("\n");
  const out: RunResult[] = [];
  for (const line of text.slice(0, end + 1).split("\n")) {
    if (line.trim() === "") continue;
    try {
      const r = JSON.parse(line);
      if (isRunResult(r)) out.push(r);
    } catch {
      // A corrupt line (e.g. a partial write followed by a restart without repair): skip it.
    }
  }
  return out;
}

/**
 * Reads a folder's results (empty when the file does not exist).
 *
 * @example
 * ```ts
 * import { readResults } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(await readResults(await Deno.makeTempDir()), []);
 * ```
 */
export async function readResults(dir: string): Promise<RunResult[]> {
  try {
    return parseResults(await Deno.readTextFile(resultsPath(dir)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/**
 * One result per run id: the first finished (`ok`/`diverged`) one, else the last failed one.
 *
 * @example
 * ```ts
 * import { latestById, parseResults } from "./results.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const results = parseResults([
 *   '{"spec":{"id":"a"},"status":"failed"}',
 *   '{"spec":{"id":"a"},"status":"ok","finalValLoss":2}',
 *   '{"spec":{"id":"a"},"status":"failed"}',
 * ].join("\n"));
 * assertEquals(latestById(results).get("a")?.status, "ok"); // the finished one wins
 * ```
 */
export function latestById(results: readonly RunResult[]): Map<string, RunResult> {
  const byId = new Map<string, RunResult>();
  for (const r of results) {
    const old = byId.get(r.spec.id);
    if (old === undefined || !isFinished(old)) byId.set(r.spec.id, r);
  }
  return byId;
}

/** An open results file: append one result at a time, each durable when the promise resolves. */
export interface ResultsWriter {
  append(result: RunResult): Promise<void>;
  close(): void;
}

/**
 * Opens `DIR/results.jsonl` for appending (creating DIR), after cutting a partial last line.
 *
 * @example
 * ```ts
 * import { openResults } from "./results.ts";
 * const w = await openResults(await Deno.makeTempDir());
 * w.close();
 * ```
 */
export async function openResults(dir: string): Promise<ResultsWriter> {
  await Deno.mkdir(dir, { recursive: true });
  const path = resultsPath(dir);
  const file = await Deno.open(path, { read: true, write: true, create: true });
  const size = (await file.stat()).size;
  if (size > 0) {
    const bytes = await Deno.readFile(path);
    const keep = bytes.lastIndexOf(10) + 1;
    if (keep < size) {
      await file.truncate(keep);
      await file.syncData();
    }
  }
  await file.seek(0, Deno.SeekMode.End);
  const encoder = new TextEncoder();
  return {
    async append(result: RunResult) {
      const bytes = encoder.encode(JSON.stringify(result) + "\n");
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.syncData();
    },
    close() {
      file.close();
    },
  };
}

/** What {@linkcode mergeResults} found. */
export interface MergeOutcome {
  /** One result per run id, in first-seen order. */
  results: RunResult[];
  /** The folders' common settings (their parameterizations combined); null if not recorded. */
  settings: SweepSettings | null;
  /** Run ids finished in more than one place with identical results (each counted once). */
  duplicates: string[];
}

/**
 * True when two results of one run id agree on everything the run computed (status, final loss,
 * curve): timings, backend name and how it was obtained (trained or reused) may differ.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../testing/assert.ts";
 * import { sameResult } from "./results.ts";
 * import type { RunResult } from "../plan/types.ts";
 * const a = {
 *   spec: { id: "x" }, status: "ok", finalValLoss: 2.5, curves: [], wallSeconds: 1, msPerStep: 1,
 *   backend: "cpu",
 * } as unknown as RunResult;
 * assertEquals(sameResult(a, { ...a, wallSeconds: 9 }), true);
 * assertEquals(sameResult(a, { ...a, finalValLoss: 2.6 }), false);
 * ```
 */
export function sameResult(a: RunResult, b: RunResult): boolean {
  return a.status === b.status && a.finalValLoss === b.finalValLoss &&
    JSON.stringify(a.curves) === JSON.stringify(b.curves);
}

/**
 * The results of several sweep folders (shards), one per run id (see {@linkcode latestById}).
 * Refuses folders made with different settings (naming each difference, see `identity.ts`), and
 * a run id finished in two places with different results (naming the id, the folders and both
 * losses). Identical duplicates are kept once and listed in `duplicates`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "../../../testing/assert.ts";
 * import { mergeResults, writeResults } from "./results.ts";
 * import type { RunResult } from "../plan/types.ts";
 * const row = (loss: number) =>
 *   ({ spec: { id: "r1" }, status: "ok", finalValLoss: loss, curves: [] }) as unknown as RunResult;
 * const [a, b, c] = [await Deno.makeTempDir(), await Deno.makeTempDir(), await Deno.makeTempDir()];
 * await writeResults(a, [row(2.5)]);
 * await writeResults(b, [row(2.5)]);
 * await writeResults(c, [row(2.7)]);
 * const merged = await mergeResults([a, b]);
 * assertEquals([merged.results.length, merged.duplicates], [1, ["r1"]]);
 * await assertRejects(() => mergeResults([a, c]), "different results for run r1");
 * ```
 */
export async function mergeResults(dirs: readonly string[]): Promise<MergeOutcome> {
  const all: { dir: string; result: RunResult }[] = [];
  let reference: { dir: string; settings: SweepSettings | null } | null = null;
  let settings: SweepSettings | null = null;
  for (const dir of dirs) {
    try {
      await Deno.stat(resultsPath(dir));
    } catch {
      throw new Error(`merge: ${resultsPath(dir)} not found`);
    }
    const results = await readResults(dir);
    const own = await readSettings(dir) ?? results.find((r) => r.settings)?.settings ?? null;
    const candidates: { what: string; settings: SweepSettings | null }[] = [
      ...(own !== null || results.length === 0 ? [] : [{ what: dir, settings: null }]),
      ...(own === null ? [] : [{ what: dir, settings: own }]),
      ...results.map((r) => ({ what: `${dir} (run ${r.spec.id})`, settings: r.settings ?? null })),
    ];
    for (const c of candidates) {
      if (reference === null) {
        reference = { dir, settings: c.settings };
        settings = c.settings;
        continue;
      }
      const diff = settingsDifferences(reference.settings, c.settings);
      if (diff.length > 0) {
        throw new Error(
          `merge: ${c.what} was made with other settings than ${reference.dir}: ` +
            `${formatDifferences(diff)} ` +
            `(${reference.dir}'s vs ${dir}'s); merge only shards of one sweep`,
        );
      }
      if (settings !== null && c.settings !== null) {
        settings = combineSettings(settings, c.settings);
      }
    }
    for (const result of results) all.push({ dir, result });
  }
  const finishedAt = new Map<string, { dir: string; result: RunResult }>();
  const duplicates = new Set<string>();
  const conflicts: string[] = [];
  for (const entry of all) {
    if (!isFinished(entry.result)) continue;
    const id = entry.result.spec.id;
    const first = finishedAt.get(id);
    if (first === undefined) finishedAt.set(id, entry);
    else if (sameResult(first.result, entry.result)) duplicates.add(id);
    else {
      const loss = (r: RunResult) => r.finalValLoss ?? r.status;
      conflicts.push(
        `${id}: ${loss(first.result)} in ${first.dir}, ${loss(entry.result)} in ${entry.dir}`,
      );
    }
  }
  if (conflicts.length > 0) {
    throw new Error(
      `merge: different results for run ${conflicts.join("; ")}. A run trained twice under ` +
        `the same settings should give the same result; remove the wrong one`,
    );
  }
  return {
    results: [...latestById(all.map((e) => e.result)).values()],
    settings,
    duplicates: [...duplicates],
  };
}

/**
 * Writes results as a fresh `DIR/results.jsonl` (used by `merge`).
 *
 * @example
 * ```ts
 * import { writeResults } from "./results.ts";
 * await writeResults(await Deno.makeTempDir(), []);
 * ```
 */
export async function writeResults(dir: string, results: readonly RunResult[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(resultsPath(dir), results.map((r) => JSON.stringify(r) + "\n").join(""));
}
