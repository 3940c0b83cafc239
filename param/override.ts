/**
 * Replacing settings outright: the {@linkcode setSettings} rule, and {@linkcode override}, a
 * parameterization with some roles' settings replaced.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { override } from "./override.ts";
 * import { nugpt } from "./presets.ts";
 * const frozenLogits = override(nugpt, "sz", { lr: 0 });
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(frozenLogits({ role: "sz", dims }).lr === 0);
 * ```
 *
 * @module
 */
import { compose, type Parameterization, type SettingsRule } from "./parameterization.ts";
import { checkDimsValue, type DimsValue, evaluate, type Roles, roleSet } from "./rule_args.ts";

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
 * import { setSettings } from "./override.ts";
 * const p = compose("p", plain, setSettings("sz", { lr: 0, init: 2 }));
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * const s = p({ role: "sz", dims });
 * assertTrue(s.lr === 0 && s.init === 2 && s.scale === 1);
 * ```
 */
export function setSettings(roles: Roles, values: SettingsOverride): SettingsRule {
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
 * import { override } from "./override.ts";
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
