/**
 * Parameterizations as pure functions, and how to compose them from rules.
 *
 * A {@linkcode Parameterization} maps a query (a parameter's role, the model's dimensions, and
 * optionally the parameter's shape and canonical name) to its {@linkcode Settings}: the
 * learning-rate multiplier, and for rescalers the `init` and `scale` of spec section 3. A
 * {@linkcode SettingsRule} transforms settings; {@linkcode compose} applies rules, in order, to the
 * answer of a base parameterization. Nothing is mutable: settings, queries and
 * parameterizations are frozen, and rules must return new objects.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * const halveOutput = compose("halveOutput", plain, (s, q) =>
 *   q.role === "output" ? { ...s, lr: s.lr / 2 } : s);
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * assertTrue(halveOutput({ role: "output", dims }).lr === 0.5);
 * assertTrue(halveOutput({ role: "hidden", dims }).lr === 1);
 * ```
 *
 * @module
 */
import { type Dims, validateDims } from "./dims.ts";
import { isRescaler, isRole, type Role, ROLES } from "./roles.ts";

/**
 * What a parameterization says about one parameter.
 *
 * - `lr`: the learning-rate multiplier (the parameter's rate is `lr_base · lr`).
 * - `init`, `scale`: only for rescaler roles. The stored vector starts with every entry equal
 *   to `scale`, and the forward pass uses `effective = (init / scale) · stored`.
 */
export interface Settings {
  /** Learning-rate multiplier: finite and non-negative. */
  readonly lr: number;
  /** Rescalers only: the effective starting value. */
  readonly init?: number;
  /** Rescalers only: the stored starting value; sets the effective learning rate. */
  readonly scale?: number;
}

/** What a parameterization is asked: the role, the model's dimensions, and optional detail. */
export interface Query {
  /** The parameter's role (see {@linkcode roleOf}). */
  readonly role: Role;
  /** The current and base model dimensions. */
  readonly dims: Dims;
  /** The parameter's shape, for rules that depend on it (the shipped ones do not). */
  readonly shape?: readonly number[];
  /** The parameter's canonical name, for rules that target single parameters. */
  readonly path?: string;
}

/** One step of a parameterization: new settings from the previous ones and the query. */
export type SettingsRule = (settings: Settings, query: Query) => Settings;

/** A named, pure function from a {@linkcode Query} to {@linkcode Settings}. */
export type Parameterization = ((query: Query) => Settings) & { readonly name: string };

/**
 * Throws unless `settings` are valid for `role`: `lr` finite and non-negative; for a rescaler,
 * `init` finite and `scale` finite and positive; for a matrix, neither `init` nor `scale`.
 * `op` names the caller in the error. Returns a frozen copy with only the known fields.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { checkSettings } from "./parameterization.ts";
 * const s = checkSettings({ lr: 1, init: 0.05, scale: 0.125 }, "alpha");
 * assertTrue(Object.isFrozen(s) && s.scale === 0.125);
 * ```
 */
export function checkSettings(settings: Settings, role: Role, op = "settings"): Settings {
  const where = `${op}: role ${role}`;
  if (typeof settings !== "object" || settings === null) {
    throw new Error(`${where}: settings must be an object, got ${settings}`);
  }
  const { lr, init, scale } = settings;
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
    throw new Error(`${where}: lr must be a finite non-negative number, got ${lr}`);
  }
  if (!isRescaler(role)) {
    if (init !== undefined || scale !== undefined) {
      throw new Error(
        `${where}: init and scale apply to rescalers only, got init=${init}, scale=${scale}`,
      );
    }
    return Object.freeze({ lr });
  }
  if (typeof init !== "number" || !Number.isFinite(init)) {
    throw new Error(`${where}: init must be a finite number, got ${init}`);
  }
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
    throw new Error(`${where}: scale must be a finite positive number, got ${scale}`);
  }
  return Object.freeze({ lr, init, scale });
}

function checkQuery(query: Query, op: string): void {
  if (typeof query !== "object" || query === null) {
    throw new Error(`${op}: query must be an object { role, dims, shape?, path? }, got ${query}`);
  }
  if (!isRole(query.role)) {
    throw new Error(
      `${op}: unknown role ${JSON.stringify(query.role)}; known roles: ${ROLES.join(", ")}`,
    );
  }
  validateDims(query.dims, op);
}

/** A frozen copy of a query (dims and shape copied too), so rules cannot touch the caller's. */
function frozenCopy(query: Query): Query {
  const { role, dims, shape, path } = query;
  return Object.freeze({
    role,
    dims: Object.freeze({ ...dims }),
    ...(shape === undefined ? {} : { shape: Object.freeze([...shape]) }),
    ...(path === undefined ? {} : { path }),
  });
}

/**
 * Makes a {@linkcode Parameterization} from a name and a function: the result checks each
 * query, freezes and checks each answer, and is itself frozen.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { parameterization } from "./parameterization.ts";
 * const constant = parameterization("constant", (q) =>
 *   q.role === "hidden" || q.role === "input" || q.role === "output"
 *     ? { lr: 1 }
 *     : { lr: 1, init: 1, scale: 1 });
 * assertTrue(constant.name === "constant");
 * ```
 */
export function parameterization(
  name: string,
  settingsOf: (query: Query) => Settings,
): Parameterization {
  if (typeof name !== "string" || name.length === 0) {
    throw new Error(`parameterization: name must be a non-empty string, got ${name}`);
  }
  const p = (query: Query): Settings => {
    checkQuery(query, name);
    return checkSettings(settingsOf(frozenCopy(query)), query.role, name);
  };
  Object.defineProperty(p, "name", { value: name });
  return Object.freeze(p) as Parameterization;
}

/**
 * The neutral parameterization: every learning-rate multiplier 1, every rescaler init 1 and
 * scale 1. The shipped parameterizations are rules composed on top of it.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { plain } from "./parameterization.ts";
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 32, baseDepth: 2, baseSteps: 10 };
 * assertTrue(plain({ role: "sz", dims }).scale === 1);
 * ```
 */
export const plain: Parameterization = parameterization(
  "plain",
  ({ role }) => isRescaler(role) ? { lr: 1, init: 1, scale: 1 } : { lr: 1 },
);

/**
 * The rule that changes nothing.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, identityRule, plain } from "./parameterization.ts";
 * const same = compose("same", plain, identityRule);
 * const dims = { width: 64, depth: 2, steps: 10, baseWidth: 32, baseDepth: 2, baseSteps: 10 };
 * assertTrue(same({ role: "input", dims }).lr === plain({ role: "input", dims }).lr);
 * ```
 */
export const identityRule: SettingsRule = (settings) => settings;

/**
 * A new parameterization named `name`: `base`'s answer, then each rule in order. Rules that
 * commute (e.g. two learning-rate exponents) give the same answer in either order, up to
 * floating-point rounding of the products.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { depthExponent, widthExponent } from "./rules.ts";
 * const p = compose("mine", plain, widthExponent("hidden", -1), depthExponent("hidden", -0.5));
 * const dims = { width: 128, depth: 16, steps: 10, baseWidth: 32, baseDepth: 4, baseSteps: 10 };
 * assertTrue(p({ role: "hidden", dims }).lr === 0.125);
 * ```
 */
export function compose(
  name: string,
  base: Parameterization,
  ...rules: SettingsRule[]
): Parameterization {
  if (typeof base !== "function") {
    throw new Error(`compose: base of ${JSON.stringify(name)} must be a parameterization`);
  }
  rules.forEach((rule, i) => {
    if (typeof rule !== "function") {
      throw new Error(`compose: rule ${i} of ${JSON.stringify(name)} is not a function: ${rule}`);
    }
  });
  const ruleList = Object.freeze([...rules]);
  return parameterization(name, (query) => {
    let settings = base(query);
    for (const rule of ruleList) settings = checkSettings(rule(settings, query), query.role, name);
    return settings;
  });
}
