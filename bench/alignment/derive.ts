/**
 * From measured alignment to a parameterization (issue 14, part 4 groundwork): turn the
 * exponents that `deno task alignment` measures (`OUT/alignment.jsonl`) into per-role
 * learning-rate width exponents, and compose them onto νGPT with `compose`.
 *
 * The rule (nugpt-spec section 7, "why these exponents"): Adam moves each entry by about ±lr, so
 * a hidden matrix's safe rate scales as d^-max(α, ν), with α (update against activations) and
 * ν (update against activation change) between 1/2 (unrelated) and 1 (full alignment); νGPT
 * fixes that to 3/4. The measured version uses the mean α and ν over the hidden matrices and
 * the chosen part of training (`from`: the share of the run to skip, default ½: the later half,
 * where the paper reads its exponents). The output layer follows the hidden rule (as in νGPT),
 * the input keeps −1/2 (the embedding argument, no alignment), the horizon factor and the
 * rescalers stay νGPT's. One exponent serves every hidden matrix, because `param` has one
 * "hidden" role; per-matrix rates need per-matrix roles.
 *
 * @example
 * ```ts
 * import { deriveWidthExponents, measuredParameterization } from "./derive.ts";
 * import { assertClose } from "../../testing/assert.ts";
 * const record = (step: number, alpha: number, nu: number) =>
 *   ({ parameterization: "nugpt", width: 64, step, probeLoss: 2, matrices: {},
 *      mean: { alpha, omega: 0.5, nu } });
 * const e = deriveWidthExponents([record(100, 0.9, 0.8), record(200, 0.7, 0.6), record(300, 0.7, 0.64)]);
 * assertClose(e.hidden, -0.7, { atol: 1e-12 }); // −max(mean α, mean ν) over steps 200–300
 * const p = measuredParameterization(e);
 * const dims = { width: 128, depth: 2, steps: 100, baseWidth: 32, baseDepth: 2, baseSteps: 100 };
 * assertClose(p({ role: "hidden", dims }).lr, 4 ** -0.7, { rtol: 1e-12 });
 * ```
 *
 * @module
 */
import { compose, nugpt, type Parameterization, widthExponent } from "../../param/mod.ts";
import type { AlignmentRecord } from "./measure.ts";

/** νGPT's width exponents, which the measured ones replace. */
const NUGPT = { input: -1 / 2, hidden: -3 / 4, output: -3 / 4 } as const;

/** Per-role learning-rate width exponents derived from measured alignment. */
export interface DerivedExponents {
  /** Mean α and ν of the hidden matrices over the records used. */
  alpha: number;
  nu: number;
  /** Learning-rate exponents of mw for each role. */
  input: number;
  hidden: number;
  output: number;
  /** Steps of the records used. */
  steps: number[];
  parameterization: string | null;
}

type Record_ = Pick<AlignmentRecord, "parameterization" | "step" | "mean">;

/**
 * Derives the exponents (see the module doc) from one parameterization's records.
 *
 * @example
 * ```ts
 * import { deriveWidthExponents } from "./derive.ts";
 * import { assertThrows } from "../../testing/assert.ts";
 * assertThrows(() => deriveWidthExponents([]), "deriveWidthExponents: no alignment records");
 * ```
 */
export function deriveWidthExponents(
  records: readonly Record_[],
  options: { parameterization?: string; from?: number } = {},
): DerivedExponents {
  const from = options.from ?? 0.5;
  if (!(from >= 0 && from < 1)) {
    throw new Error(`deriveWidthExponents: from must be in [0, 1), got ${from}`);
  }
  const names = [...new Set(records.map((r) => r.parameterization))];
  const name = options.parameterization ?? (names.length === 1 ? names[0] : undefined);
  if (records.length === 0) throw new Error("deriveWidthExponents: no alignment records");
  if (name === undefined) {
    throw new Error(
      `deriveWidthExponents: records of several parameterizations (${names.join(", ")}); ` +
        "name one with the parameterization option",
    );
  }
  const mine = records.filter((r) => r.parameterization === name);
  if (mine.length === 0) {
    throw new Error(
      `deriveWidthExponents: no records of ${name} (have: ${names.join(", ")})`,
    );
  }
  const last = Math.max(...mine.map((r) => r.step));
  const used = mine.filter((r) => r.step > from * last || r.step === last)
    .filter((r) => Number.isFinite(r.mean.alpha) && Number.isFinite(r.mean.nu));
  if (used.length === 0) {
    throw new Error(`deriveWidthExponents: no finite α, ν in the records of ${name}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const alpha = mean(used.map((r) => r.mean.alpha));
  const nu = mean(used.map((r) => r.mean.nu));
  const hidden = -Math.max(alpha, nu);
  return {
    alpha,
    nu,
    input: NUGPT.input,
    hidden,
    output: hidden,
    steps: used.map((r) => r.step).sort((a, b) => a - b),
    parameterization: name,
  };
}

/**
 * νGPT with its input, hidden and output width exponents replaced by `exponents`.
 *
 * @example
 * ```ts
 * import { measuredParameterization } from "./derive.ts";
 * import { nugpt } from "../../param/mod.ts";
 * import { assertClose, assertEquals } from "../../testing/assert.ts";
 * const p = measuredParameterization({ input: -0.5, hidden: -1, output: -0.75 }, { name: "m" });
 * const dims = { width: 256, depth: 2, steps: 400, baseWidth: 64, baseDepth: 2, baseSteps: 100 };
 * const nu = nugpt();
 * assertClose(p({ role: "hidden", dims }).lr, nu({ role: "hidden", dims }).lr / 4 ** 0.25, { rtol: 1e-12 });
 * assertEquals(p({ role: "output", dims }).lr, nu({ role: "output", dims }).lr);
 * assertEquals(p({ role: "sz", dims }), nu({ role: "sz", dims }));
 * assertEquals(p.name, "m");
 * ```
 */
export function measuredParameterization(
  exponents: Pick<DerivedExponents, "input" | "hidden" | "output">,
  options: { name?: string } = {},
): Parameterization {
  const name = options.name ??
    `nugpt-measured(in ${exponents.input.toFixed(3)}, hidden ${exponents.hidden.toFixed(3)}, ` +
      `out ${exponents.output.toFixed(3)})`;
  return compose(
    name,
    nugpt(),
    widthExponent("input", exponents.input - NUGPT.input),
    widthExponent("hidden", exponents.hidden - NUGPT.hidden),
    widthExponent("output", exponents.output - NUGPT.output),
  );
}

/**
 * Reads `alignment.jsonl` (one record per line) as written by `deno task alignment`.
 *
 * @example
 * ```ts
 * import { parseAlignmentJsonl } from "./derive.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const line = JSON.stringify({ parameterization: "ngpt", step: 5, mean: { alpha: 0.7, omega: 0.5, nu: 0.6 } });
 * assertEquals(parseAlignmentJsonl(line + "\n").length, 1);
 * ```
 */
export function parseAlignmentJsonl(text: string): Record_[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    const r = JSON.parse(l);
    if (typeof r?.parameterization !== "string" || typeof r?.step !== "number" || !r?.mean) {
      throw new Error(`parseAlignmentJsonl: line ${i + 1} is not an alignment record`);
    }
    return r as Record_;
  });
}

if (import.meta.main) {
  const [path, param, from] = Deno.args;
  if (path === undefined) {
    console.error(
      "usage: deno run -A bench/alignment/derive.ts OUT/alignment.jsonl [param] [from]",
    );
    Deno.exit(2);
  }
  try {
    const e = deriveWidthExponents(parseAlignmentJsonl(await Deno.readTextFile(path)), {
      parameterization: param,
      from: from === undefined ? undefined : Number(from),
    });
    console.log(JSON.stringify(e));
    console.log(
      `compose: measuredParameterization({ input: ${e.input}, hidden: ${e.hidden.toFixed(4)}, ` +
        `output: ${e.output.toFixed(4)} })`,
    );
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
