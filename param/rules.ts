/**
 * The building blocks of parameterizations: rules that scale learning rates by powers of the
 * width, depth, horizon and batch multipliers, and that set rescaler inits and scales.
 *
 * Each factory checks its arguments when called (unknown roles, non-finite exponents), so a
 * typo fails where the parameterization is defined, not deep inside a training run.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { horizonExponent, widthExponent } from "./rules.ts";
 * const p = compose("p", plain, widthExponent("input", -0.5), horizonExponent(-1));
 * const dims = { width: 256, depth: 2, steps: 200, baseWidth: 64, baseDepth: 2, baseSteps: 100 };
 * assertTrue(p({ role: "input", dims }).lr === 0.25);
 * ```
 *
 * @module
 */
import { multipliers } from "./dims.ts";
import type { SettingsRule } from "./parameterization.ts";
import { type Role, ROLES } from "./roles.ts";
import { checkFinite, type Roles, roleSet } from "./rule_args.ts";

function lrPowerRule(
  roles: ReadonlySet<Role>,
  exponent: number,
  pick: (m: { mw: number; mL: number; mT: number; mB: number }) => number,
): SettingsRule {
  return (settings, query) =>
    roles.has(query.role)
      ? { ...settings, lr: settings.lr * Math.pow(pick(multipliers(query.dims)), exponent) }
      : settings;
}

/**
 * Multiplies the learning rate of `roles` by `mw^exponent` (`mw = width / baseWidth`).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { widthExponent } from "./rules.ts";
 * const p = compose("p", plain, widthExponent(["hidden", "output"], -1));
 * const dims = { width: 128, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "output", dims }).lr === 0.5);
 * ```
 */
export function widthExponent(roles: Roles, exponent: number): SettingsRule {
  const set = roleSet(roles, "widthExponent");
  return lrPowerRule(set, checkFinite(exponent, "exponent", "widthExponent"), (m) => m.mw);
}

/**
 * Multiplies the learning rate of `roles` by `mL^exponent` (`mL = depth / baseDepth`).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { depthExponent } from "./rules.ts";
 * const p = compose("p", plain, depthExponent("hidden", -0.5));
 * const dims = { width: 64, depth: 16, steps: 10, baseWidth: 64, baseDepth: 4, baseSteps: 10 };
 * assertTrue(p({ role: "hidden", dims }).lr === 0.5);
 * ```
 */
export function depthExponent(roles: Roles, exponent: number): SettingsRule {
  const set = roleSet(roles, "depthExponent");
  return lrPowerRule(set, checkFinite(exponent, "exponent", "depthExponent"), (m) => m.mL);
}

/**
 * Multiplies the learning rate of `roles` (default: every role) by `mT^exponent`
 * (`mT = steps / baseSteps`).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { horizonExponent } from "./rules.ts";
 * const p = compose("p", plain, horizonExponent(-1 / 3));
 * const dims = { width: 64, depth: 2, steps: 8000, baseWidth: 64, baseDepth: 2, baseSteps: 1000 };
 * assertTrue(Math.abs(p({ role: "sz", dims }).lr - 0.5) < 1e-15);
 * ```
 */
export function horizonExponent(exponent: number, roles: Roles = ROLES): SettingsRule {
  const set = roleSet(roles, "horizonExponent");
  return lrPowerRule(set, checkFinite(exponent, "exponent", "horizonExponent"), (m) => m.mT);
}

/**
 * Multiplies the learning rate of `roles` (default: every role) by `mB^exponent`
 * (`mB = batch / baseBatch`; 1 where the dims carry no batch): a batch-size term, e.g. one
 * fitted by `deno task transfer fit --axis batch`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { batchExponent } from "./rules.ts";
 * const p = compose("p", plain, batchExponent(0.5));
 * const dims = {
 *   width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10,
 *   batch: 64, baseBatch: 16,
 * };
 * assertTrue(p({ role: "hidden", dims }).lr === 2);
 * ```
 */
export function batchExponent(exponent: number, roles: Roles = ROLES): SettingsRule {
  const set = roleSet(roles, "batchExponent");
  return lrPowerRule(set, checkFinite(exponent, "exponent", "batchExponent"), (m) => m.mB);
}

/**
 * Multiplies the learning rate of `roles` by a constant `factor` (finite, non-negative), e.g.
 * νGPT's `c_in` and `c_out`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { lrMultiplier } from "./rules.ts";
 * const p = compose("p", plain, lrMultiplier("output", 0.5));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "output", dims }).lr === 0.5);
 * ```
 */
export function lrMultiplier(roles: Roles, factor: number): SettingsRule {
  const set = roleSet(roles, "lrMultiplier");
  checkFinite(factor, "factor", "lrMultiplier");
  if (factor < 0) throw new Error(`lrMultiplier: factor must be non-negative, got ${factor}`);
  return (settings, query) =>
    set.has(query.role) ? { ...settings, lr: settings.lr * factor } : settings;
}

/**
 * Depth-μP: hidden learning rates times `mL^-1/2`. The paper shows it breaks depth transfer in
 * normalized transformers; offered to compose for that comparison.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose } from "./parameterization.ts";
 * import { depthMup } from "./rules.ts";
 * import { nugpt } from "./presets.ts";
 * const p = compose("nugpt+depthMup", nugpt, depthMup);
 * const dims = { width: 64, depth: 16, steps: 10, baseWidth: 64, baseDepth: 4, baseSteps: 10 };
 * assertTrue(p({ role: "hidden", dims }).lr === 0.5);
 * ```
 */
export const depthMup: SettingsRule = depthExponent("hidden", -1 / 2);

/**
 * One rule that applies `rules` in order: a named group of rules can then be reused on
 * several bases.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { chainRules, lrMultiplier } from "./rules.ts";
 * const quarter = chainRules(lrMultiplier("output", 0.5), lrMultiplier("output", 0.5));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(compose("p", plain, quarter)({ role: "output", dims }).lr === 0.25);
 * ```
 */
export function chainRules(...rules: SettingsRule[]): SettingsRule {
  rules.forEach((rule, i) => {
    if (typeof rule !== "function") {
      throw new Error(`chainRules: rule ${i} is not a function: ${rule}`);
    }
  });
  const list = Object.freeze([...rules]);
  return (settings, query) => list.reduce((s, rule) => rule(s, query), settings);
}
