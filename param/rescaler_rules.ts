/**
 * Rules for rescalers (spec section 3): set or scale their `init` and `scale`. Each factory
 * rejects non-rescaler roles where the rule is defined.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { initDepthExponent, rescalerInit } from "./rescaler_rules.ts";
 * const p = compose("p", plain, rescalerInit("alpha", 0.05), initDepthExponent("alpha", -1));
 * const dims = { width: 64, depth: 8, steps: 10, baseWidth: 64, baseDepth: 4, baseSteps: 10 };
 * assertTrue(p({ role: "alpha", dims }).init === 0.025);
 * ```
 *
 * @module
 */
import { multipliers } from "./dims.ts";
import type { SettingsRule } from "./parameterization.ts";
import type { RescalerRole } from "./roles.ts";
import {
  checkDimsValue,
  checkFinite,
  type DimsValue,
  evaluate,
  type Roles,
  roleSet,
} from "./rule_args.ts";

function initPowerRule(
  op: string,
  roles: Roles,
  exponent: number,
  pick: (m: { mw: number; mL: number; mT: number }) => number,
): SettingsRule {
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
 * import { initWidthExponent } from "./rescaler_rules.ts";
 * const p = compose("p", plain, initWidthExponent("sz", 0.5));
 * const dims = { width: 256, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "sz", dims }).init === 2);
 * ```
 */
export function initWidthExponent(
  roles: RescalerRole | readonly RescalerRole[],
  exponent: number,
): SettingsRule {
  return initPowerRule("initWidthExponent", roles, exponent, (m) => m.mw);
}

/**
 * Multiplies the init of rescaler `roles` by `mL^exponent` (μP-style and νGPT: αA, αM by
 * `mL^-1`).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { initDepthExponent } from "./rescaler_rules.ts";
 * const p = compose("p", plain, initDepthExponent("alpha", -1));
 * const dims = { width: 64, depth: 8, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "alpha", dims }).init === 0.25);
 * ```
 */
export function initDepthExponent(
  roles: RescalerRole | readonly RescalerRole[],
  exponent: number,
): SettingsRule {
  return initPowerRule("initDepthExponent", roles, exponent, (m) => m.mL);
}

function setRescalerField(
  op: string,
  field: "init" | "scale",
  roles: RescalerRole | readonly RescalerRole[],
  value: DimsValue,
): SettingsRule {
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
 * import { rescalerScale } from "./rescaler_rules.ts";
 * const p = compose("p", plain, rescalerScale(["alpha", "sz"], (d) => 1 / Math.sqrt(d.width)));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "sz", dims }).scale === 0.125);
 * ```
 */
export function rescalerScale(
  roles: RescalerRole | readonly RescalerRole[],
  scale: DimsValue,
): SettingsRule {
  return setRescalerField("rescalerScale", "scale", roles, scale);
}

/**
 * Sets the init of rescaler `roles` to a constant or a function of the dimensions.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { rescalerInit } from "./rescaler_rules.ts";
 * const p = compose("p", plain, rescalerInit("alpha", 0.05));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(p({ role: "alpha", dims }).init === 0.05);
 * ```
 */
export function rescalerInit(
  roles: RescalerRole | readonly RescalerRole[],
  init: DimsValue,
): SettingsRule {
  return setRescalerField("rescalerInit", "init", roles, init);
}
