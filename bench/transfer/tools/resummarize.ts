/**
 * Recomputes a sweep folder's `summary.json`, `report.md` and plots from its `results.jsonl`
 * alone (no training): `deno run -A bench/transfer/tools/resummarize.ts DIR... [flags]`. Use it after
 * the analysis changes, or to redo a recorded sweep's intervals with other bootstrap settings.
 *
 * Flags: `--sigma X` (per-seed noise of a final loss, instead of estimating it from the folder's
 * results: e.g. measured on a multi-seed sweep of the same configuration), `--replicates N`,
 * `--seed N`, `--level P` (e.g. 0.9), `--signature-lr X` (log2; default: the one in the folder's
 * old `summary.json`, else none).
 *
 * @example
 * ```ts
 * import { parseResummarizeArgs } from "./resummarize.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const args = parseResummarizeArgs(["out/a", "--sigma", "0.03", "--replicates", "2000"]);
 * assertEquals(args, { dirs: ["out/a"], bootstrap: { sigma: 0.03, replicates: 2000 }, signatureLog2Lr: undefined });
 * ```
 *
 * @module
 */
import { parseArgs } from "../../cli.ts";
import { writeOutputs } from "../analyse/outputs.ts";
import { readResults, resultsPath } from "../run/results.ts";
import type { SummaryBootstrapOptions } from "../analyse/summary.ts";

/** Parsed command line of the resummarize tool. */
export interface ResummarizeArgs {
  dirs: string[];
  bootstrap: SummaryBootstrapOptions;
  /** undefined: take it from the folder's old summary. */
  signatureLog2Lr: number | null | undefined;
}

/**
 * Parses the command line (see the module doc); throws with the flag and value on bad input.
 *
 * @example
 * ```ts
 * import { parseResummarizeArgs } from "./resummarize.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * assertThrows(() => parseResummarizeArgs(["d", "--level", "90"]), "resummarize: --level");
 * assertThrows(() => parseResummarizeArgs([]), "resummarize: name at least one sweep folder");
 * ```
 */
export function parseResummarizeArgs(argv: readonly string[]): ResummarizeArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      sigma: { type: "string" },
      replicates: { type: "string" },
      seed: { type: "string" },
      level: { type: "string" },
      "signature-lr": { type: "string" },
    },
  });
  if (positionals.length === 0) {
    throw new Error("resummarize: name at least one sweep folder (holding results.jsonl)");
  }
  const num = (flag: string, text: string | undefined, ok: (x: number) => boolean) => {
    if (text === undefined) return undefined;
    const x = Number(text);
    if (text.trim() === "" || !ok(x)) {
      throw new Error(`resummarize: --${flag} ${JSON.stringify(text)} is not valid`);
    }
    return x;
  };
  const bootstrap: SummaryBootstrapOptions = {};
  const sigma = num("sigma", values.sigma, (x) => x >= 0);
  const replicates = num("replicates", values.replicates, (x) => Number.isInteger(x) && x > 0);
  const seed = num("seed", values.seed, Number.isInteger);
  const level = num("level", values.level, (x) => x > 0 && x < 1);
  if (sigma !== undefined) bootstrap.sigma = sigma;
  if (replicates !== undefined) bootstrap.replicates = replicates;
  if (seed !== undefined) bootstrap.seed = seed;
  if (level !== undefined) bootstrap.level = level;
  return {
    dirs: positionals,
    bootstrap,
    signatureLog2Lr: num("signature-lr", values["signature-lr"], Number.isFinite),
  };
}

async function oldSignature(dir: string): Promise<number | null> {
  try {
    const old = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    return typeof old?.signature?.log2Lr === "number" ? old.signature.log2Lr : null;
  } catch {
    return null;
  }
}

/**
 * Rewrites each folder's derived files; returns the exit code (errors print one line).
 *
 * @example
 * ```ts
 * import { resummarize } from "./resummarize.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const lines: string[] = [];
 * const code = await resummarize(["/nonexistent-sweep"], { print: (l) => lines.push(l) });
 * assertEquals(code, 1);
 * assertEquals(lines[0].startsWith("error: resummarize: /nonexistent-sweep/results.jsonl"), true);
 * ```
 */
export async function resummarize(
  argv: readonly string[],
  options: { print?: (line: string) => void } = {},
): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  try {
    const args = parseResummarizeArgs(argv);
    for (const dir of args.dirs) {
      const results = await readResults(dir);
      if (results.length === 0) {
        throw new Error(`resummarize: ${resultsPath(dir)} is missing or holds no runs`);
      }
      const signatureLog2Lr = args.signatureLog2Lr === undefined
        ? await oldSignature(dir)
        : args.signatureLog2Lr;
      const files = await writeOutputs(dir, results, {
        signatureLog2Lr,
        bootstrap: args.bootstrap,
      });
      print(`${dir}: ${results.length} runs; wrote ${files.summary}, ${files.report}`);
    }
    return 0;
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await resummarize(Deno.args));
