/**
 * The shipped parameterizations of spec section 7: nGPT (the baseline), the μP-style
 * "CompleteP" column, and νGPT — each a base plus a few rules, so the table can be read off
 * the code.
 *
 * | group | nGPT | μP-style | νGPT |
 * | --- | --- | --- | --- |
 * | lr, input | 1 | mw^-1/2 | mT^-1/3 · mw^-1/2 · c_in |
 * | lr, hidden | 1 | mw^-1 | mT^-1/3 · mw^-3/4 |
 * | lr, output | 1 | mw^-1/2 | mT^-1/3 · mw^-3/4 · c_out |
 * | lr, rescalers | 1 | 1 | mT^-1/3 |
 * | scale of αA, αM, sqk, sz | 1/sqrt(d) | 1/sqrt(d) | s0 |
 * | scale of su, sv | 1 | 1 | 1 |
 * | init of αA, αM | 0.05 | 0.05 · mL^-1 | 0.05 · mL^-1 |
 * | init of sz | 1 | 1 | mw^1/2 |
 * | init of sqk, su, sv | 1 | 1 | 1 |
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { mup, ngpt, nugpt } from "./presets.ts";
 * const dims = { width: 256, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * assertTrue(ngpt({ role: "hidden", dims }).lr === 1);
 * assertTrue(mup({ role: "hidden", dims }).lr === 0.25);
 * assertTrue(Math.abs(nugpt({ role: "hidden", dims }).lr - 4 ** -0.75) < 1e-15);
 * ```
 *
 * @module
 */
import {
  compose,
  identityRule,
  type Parameterization,
  plain,
  type Query,
} from "./parameterization.ts";
import {
  initDepthExponent,
  initWidthExponent,
  rescalerInit,
  rescalerScale,
} from "./rescaler_rules.ts";
import { chainRules, horizonExponent, lrMultiplier, widthExponent } from "./rules.ts";

/**
 * nGPT (Loshchilov et al.): every learning-rate multiplier 1; rescalers αA, αM, sqk, sz with
 * scale `1/sqrt(d)` (d the current width), su and sv with scale 1; α init 0.05, the other
 * inits 1.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { ngpt } from "./presets.ts";
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 32, baseDepth: 2, baseSteps: 10 };
 * const alpha = ngpt({ role: "alpha", dims });
 * assertTrue(alpha.init === 0.05 && alpha.scale === 0.125 && alpha.lr === 1);
 * ```
 */
export const ngpt: Parameterization = compose(
  "ngpt",
  plain,
  rescalerInit("alpha", 0.05),
  rescalerInit(["sqk", "su", "sv", "sz"], 1),
  rescalerScale(["alpha", "sqk", "sz"], (dims) => 1 / Math.sqrt(dims.width)),
  rescalerScale(["su", "sv"], 1),
);

/**
 * The μP-style ("CompleteP", full alignment) column: nGPT with input and output learning
 * rates times `mw^-1/2`, hidden ones times `mw^-1`, and α init times `mL^-1`.
 * Reconstructed from the paper's text (spec section 7): a third curve, not ground truth.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { mup } from "./presets.ts";
 * const dims = { width: 256, depth: 8, steps: 10, baseWidth: 64, baseDepth: 4, baseSteps: 10 };
 * assertTrue(mup({ role: "input", dims }).lr === 0.5);
 * assertTrue(mup({ role: "alpha", dims }).init === 0.025);
 * ```
 */
export const mup: Parameterization = compose(
  "mup",
  ngpt,
  widthExponent(["input", "output"], -1 / 2),
  widthExponent("hidden", -1),
  initDepthExponent("alpha", -1),
);

/** Options of {@linkcode nugpt}. */
export interface NugptOptions {
  /**
   * Scale of αA, αM, sqk and sz, constant across widths. Default `1/sqrt(baseWidth)`, so that
   * νGPT equals nGPT at the base model. The paper uses 0.03.
   */
  readonly s0?: number;
  /** Input (embedding) learning-rate multiplier `c_in`. Default 1. */
  readonly cIn?: number;
  /** Output (unembedding) learning-rate multiplier `c_out`. Default 1; the paper found 1/2. */
  readonly cOut?: number;
  /** Whether every learning rate gets the horizon factor `mT^-1/3`. Default true. */
  readonly horizon?: boolean;
}

const OPTION_KEYS = ["s0", "cIn", "cOut", "horizon"];

function checkOptions(options: NugptOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new Error(`nugpt: options must be an object { s0?, cIn?, cOut?, horizon? }`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new Error(
        `nugpt: unknown option ${JSON.stringify(key)}; known: ${OPTION_KEYS.join(", ")}`,
      );
    }
  }
  const { s0, cIn, cOut, horizon } = options;
  if (s0 !== undefined && !(typeof s0 === "number" && Number.isFinite(s0) && s0 > 0)) {
    throw new Error(`nugpt: s0 must be a finite positive number, got ${s0}`);
  }
  for (const [key, value] of [["cIn", cIn], ["cOut", cOut]] as const) {
    if (
      value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)
    ) {
      throw new Error(`nugpt: ${key} must be a finite non-negative number, got ${value}`);
    }
  }
  if (horizon !== undefined && typeof horizon !== "boolean") {
    throw new Error(`nugpt: horizon must be a boolean, got ${horizon}`);
  }
}

function nugptName(options: NugptOptions): string {
  const given = OPTION_KEYS
    .filter((key) => options[key as keyof NugptOptions] !== undefined)
    .map((key) => `${key}=${options[key as keyof NugptOptions]}`);
  return given.length === 0 ? "nugpt" : `nugpt(${given.join(", ")})`;
}

function buildNugpt(name: string, options: NugptOptions): Parameterization {
  checkOptions(options);
  const { s0, cIn = 1, cOut = 1, horizon = true } = options;
  return compose(
    name,
    ngpt,
    horizon ? horizonExponent(-1 / 3) : identityRule,
    widthExponent("input", -1 / 2),
    widthExponent(["hidden", "output"], -3 / 4),
    chainRules(lrMultiplier("input", cIn), lrMultiplier("output", cOut)),
    rescalerScale(["alpha", "sqk", "sz"], s0 ?? ((dims) => 1 / Math.sqrt(dims.baseWidth))),
    initDepthExponent("alpha", -1),
    initWidthExponent("sz", 1 / 2),
  );
}

/**
 * νGPT with options (spec section 7): every learning rate times `mT^-1/3` (unless
 * `horizon: false`); input times `mw^-1/2 · c_in`; hidden times `mw^-3/4`; output times
 * `mw^-3/4 · c_out`; αA, αM, sqk, sz with constant scale `s0`; α init `0.05 · mL^-1`; sz init
 * `mw^1/2`. Its name records the options given, e.g. `nugpt(horizon=false)`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { nugptWith } from "./presets.ts";
 * const long = { width: 64, depth: 4, steps: 800, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * const p = nugptWith({ horizon: false });
 * assertEquals([p.name, p({ role: "hidden", dims: long }).lr], ["nugpt(horizon=false)", 1]);
 * ```
 */
export function nugptWith(options: NugptOptions = {}): Parameterization {
  return buildNugpt(nugptName(options), options);
}

const nugptDefaults = buildNugpt("nugpt", {});

/**
 * νGPT with the default options (see {@linkcode nugptWith}); it equals nGPT exactly at the
 * base model. Like `ngpt` and `mup` it is a value; the older spelling `nugpt(options?)`, called
 * with options or nothing, still returns `nugptWith(options)`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { ngpt, nugpt } from "./presets.ts";
 * const base = { width: 64, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * assertEquals(nugpt({ role: "sqk", dims: base }).scale, ngpt({ role: "sqk", dims: base }).scale);
 * assertEquals(nugpt().name, "nugpt");
 * ```
 */
export const nugpt: Parameterization & ((options?: NugptOptions) => Parameterization) = (() => {
  const call = (arg?: Query | NugptOptions) =>
    arg !== undefined && arg !== null && "role" in arg
      ? nugptDefaults(arg as Query)
      : nugptWith(arg as NugptOptions | undefined);
  Object.defineProperty(call, "name", { value: "nugpt" });
  return Object.freeze(call) as Parameterization & ((options?: NugptOptions) => Parameterization);
})();

/**
 * νGPT with the paper's constants: `s0 = 0.03`, `c_out = 1/2` (and `c_in = 1`, horizon on).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { nugptPaper } from "./presets.ts";
 * const dims = { width: 64, depth: 4, steps: 100, baseWidth: 64, baseDepth: 4, baseSteps: 100 };
 * assertTrue(nugptPaper({ role: "output", dims }).lr === 0.5);
 * assertTrue(nugptPaper({ role: "sz", dims }).scale === 0.03);
 * ```
 */
export const nugptPaper: Parameterization = buildNugpt("nugptPaper", { s0: 0.03, cOut: 1 / 2 });
