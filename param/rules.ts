/**
 * The building blocks of parameterizations: rules that scale learning rates by powers of the
 * width, depth and horizon multipliers, and that set rescaler inits and scales.
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
import { type Dims, multipliers } from "./dims.ts";
import { compose, type Parameterization, type Rule } from "./parameterization.ts";
import { isRescaler, isRole, type RescalerRole, type Role, ROLES } from "./roles.ts";

/** One role or several. */
export type Roles = Role | readonly Role[];

/** A number, or a function of the model's dimensions giving one. */
export type DimsValue = number | ((dims: Dims) => number);

function roleSet(roles: Roles, op: string, rescalersOnly = false): ReadonlySet<Role> {
  const list: readonly unknown[] = Array.isArray(roles) ? roles : [roles];
  if (list.length === 0) throw new Error(`${op}: roles must not be empty`);
  for (const role of list) {
    if (!isRole(role)) {
      throw new Error(
        `${op}: unknown role ${JSON.stringify(role)}; known roles: ${ROLES.join(", ")}`,
      );
    }
    if (rescalersOnly && !isRescaler(role)) {
      throw new Error(
        `${op}: role ${role} is not a rescaler; rescaler roles: alpha, sqk, su, sv, sz`,
      );
    }
  }
  return new Set(list as Role[]);
}

function checkFinite(value: number, what: string, op: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${op}: ${what} must be a finite number, got ${value}`);
  }
  return value;
}

function checkDimsValue(value: DimsValue, what: string, op: string): DimsValue {
  if (typeof value === "function") return value;
  return checkFinite(value, what, op);
}

function evaluate(value: DimsValue, dims: Dims): number {
  return typeof value === "function" ? value(dims) : value;
}

function lrPowerRule(
  roles: ReadonlySet<Role>,
  exponent: number,
  pick: (m: { mw: number; mL: number; mT: number }) => number,
): Rule {
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
export function widthExponent(roles: Roles, exponent: number): Rule {
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
export function depthExponent(roles: Roles, exponent: number): Rule {
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
export function horizonExponent(exponent: number, roles: Roles = ROLES): Rule {
  const set = roleSet(roles, "horizonExponent");
  return lrPowerRule(set, checkFinite(exponent, "exponent", "horizonExponent"), (m) => m.mT);
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
export function lrMultiplier(roles: Roles, factor: number): Rule {
  const set = roleSet(roles, "lrMultiplier");
  checkFinite(factor, "factor", "lrMultiplier");
  if (factor < 0) throw new Error(`lrMultiplier: factor must be non-negative, got ${factor}`);
  return (settings, query) =>
    set.has(query.role) ? { ...settings, lr: settings.lr * factor } : settings;
}

function initPowerRule(
  op: string,
  roles: Roles,
  exponent: number,
  pick: (m: { mw: number; mL: number; mT: number }) => number,
): Rule {
  const set = roleSet(roles, op, true);
  checkFinite(exponent, "exponent", op);
  return (settings, query) =>
    set.has(query.role)
      ? {
        ...settings,
        init: (settings.init as number) * Math.pow(pick(multipliers(query.dims)), exponent),
      }
      : settings;
}

/**
 * Multiplies the init of rescaler `roles` by `mw^exponent` (νGPT: `sz` init `mw^1/2`).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { initWidthExponent } from "./rules.ts";
 * const p = compose("p", plain, initWidthExponent("sz", 0.5));
 * const dims = { width: 256, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "sz", dims }).init === 2);
 * ```
 */
export function initWidthExponent(
  roles: RescalerRole | readonly RescalerRole[],
  exponent: number,
): Rule {
  return initPowerRule("initWidthExponent", roles, exponent, (m) => m.mw);
}

/**
 * Multiplies the init of rescaler `roles` by `mL^exponent`.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { initDepthExponent } from "./rules.ts";
 * const p = compose("p", plain, initDepthExponent("alpha", -1));
 * const dims = { width: 64, depth: 8, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "alpha", dims }).init === 0.25);
 * ```
 */
export function initDepthExponent(
  roles: RescalerRole | readonly RescalerRole[],
  exponent: number,
): Rule {
  return initPowerRule("initDepthExponent", roles, exponent, (m) => m.mL);
}

/**
 * Multiplies the init of `αA` and `αM` by `mL^exponent` (μP-style and νGPT use −1).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { alphaInitDepth } from "./rules.ts";
 * const p = compose("p", plain, alphaInitDepth(-1));
 * const dims = { width: 64, depth: 4, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "alpha", dims }).init === 0.5);
 * ```
 */
export function alphaInitDepth(exponent: number): Rule {
  return initPowerRule("alphaInitDepth", "alpha", exponent, (m) => m.mL);
}

function setRescalerField(
  op: string,
  field: "init" | "scale",
  roles: RescalerRole | readonly RescalerRole[],
  value: DimsValue,
): Rule {
  const set = roleSet(roles, op, true);
  checkDimsValue(value, field, op);
  return (settings, query) =>
    set.has(query.role) ? { ...settings, [field]: evaluate(value, query.dims) } : settings;
}

/**
 * Sets the scale of rescaler `roles` to a constant or a function of the dimensions.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { rescalerScale } from "./rules.ts";
 * const p = compose("p", plain, rescalerScale(["alpha", "sz"], (d) => 1 / Math.sqrt(d.width)));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "sz", dims }).scale === 0.125);
 * ```
 */
export function rescalerScale(
  roles: RescalerRole | readonly RescalerRole[],
  scale: DimsValue,
): Rule {
  return setRescalerField("rescalerScale", "scale", roles, scale);
}

/**
 * Sets the init of rescaler `roles` to a constant or a function of the dimensions.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { rescalerInit } from "./rules.ts";
 * const p = compose("p", plain, rescalerInit("alpha", 0.05));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "alpha", dims }).init === 0.05);
 * ```
 */
export function rescalerInit(roles: RescalerRole | readonly RescalerRole[], init: DimsValue): Rule {
  return setRescalerField("rescalerInit", "init", roles, init);
}

/** Replacement values for {@linkcode setSettings} and {@linkcode override}. */
export interface SettingsOverride {
  /** New learning-rate multiplier. */
  readonly lr?: DimsValue;
  /** New init (rescaler roles only). */
  readonly init?: DimsValue;
  /** New scale (rescaler roles only). */
  readonly scale?: DimsValue;
}

/**
 * Replaces some settings of `roles` outright (fields left out are kept).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { setSettings } from "./rules.ts";
 * const p = compose("p", plain, setSettings("sz", { lr: 0, init: 2 }));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * const s = p({ role: "sz", dims });
 * assertTrue(s.lr === 0 && s.init === 2 && s.scale === 1);
 * ```
 */
export function setSettings(roles: Roles, values: SettingsOverride): Rule {
  const op = "setSettings";
  if (typeof values !== "object" || values === null) {
    throw new Error(`${op}: values must be an object { lr?, init?, scale? }, got ${values}`);
  }
  const known = ["lr", "init", "scale"];
  for (const key of Object.keys(values)) {
    if (!known.includes(key)) {
      throw new Error(`${op}: unknown setting ${JSON.stringify(key)}; known: ${known.join(", ")}`);
    }
  }
  const { lr, init, scale } = values;
  const touchesRescaler = init !== undefined || scale !== undefined;
  const set = roleSet(roles, op, touchesRescaler);
  if (lr !== undefined) checkDimsValue(lr, "lr", op);
  if (init !== undefined) checkDimsValue(init, "init", op);
  if (scale !== undefined) checkDimsValue(scale, "scale", op);
  return (settings, query) => {
    if (!set.has(query.role)) return settings;
    const next: { lr: number; init?: number; scale?: number } = { ...settings };
    if (lr !== undefined) next.lr = evaluate(lr, query.dims);
    if (init !== undefined) next.init = evaluate(init, query.dims);
    if (scale !== undefined) next.scale = evaluate(scale, query.dims);
    return next;
  };
}

/**
 * A parameterization like `p` but with some settings of `roles` replaced; its name records
 * the change. Use {@linkcode setSettings} inside {@linkcode compose} to choose the name.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { plain } from "./parameterization.ts";
 * import { override } from "./rules.ts";
 * const p = override(plain, "output", { lr: 0.5 });
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "output", dims }).lr === 0.5 && p.name === "plain+override(output)");
 * ```
 */
export function override(
  p: Parameterization,
  roles: Roles,
  values: SettingsOverride,
): Parameterization {
  const list = Array.isArray(roles) ? roles : [roles];
  return compose(`${p.name}+override(${list.join(",")})`, p, setSettings(roles, values));
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
 * const p = compose("nugpt+depthMup", nugpt(), depthMup);
 * const dims = { width: 64, depth: 16, steps: 10, baseWidth: 64, baseDepth: 4, baseSteps: 10 };
 * assertTrue(p({ role: "hidden", dims }).lr === 0.5);
 * ```
 */
export const depthMup: Rule = depthExponent("hidden", -1 / 2);

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
export function chainRules(...rules: Rule[]): Rule {
  rules.forEach((rule, i) => {
    if (typeof rule !== "function") {
      throw new Error(`chainRules: rule ${i} is not a function: ${rule}`);
    }
  });
  const list = Object.freeze([...rules]);
  return (settings, query) => list.reduce((s, rule) => rule(s, query), settings);
}
