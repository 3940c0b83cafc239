/**
 * `checkParameterization`: the laws a parameterization should satisfy, checked
 * and measured: pure and deterministic, the claimed settings at the base model,
 * power laws in width, depth and steps (with the exponents measured), rescaler
 * inits and scales positive and finite.
 *
 * @example
 * ```ts
 * import { assertParameterization } from "./check_parameterization.ts";
 * import { nugpt } from "../param/mod.ts";
 * const report = assertParameterization(nugpt());
 * console.log(report.exponents.hidden.lr); // { width: -0.75, depth: 0, steps: -0.333... }
 * ```
 *
 * @module
 */
import {
  type Dims,
  isRescaler,
  type Parameterization,
  type Role,
  ROLES,
  type Settings,
} from "../param/mod.ts";
import { fitPowerLaw } from "./power_law.ts";

/** The three dimensions a parameterization scales with. */
export type Axis = "width" | "depth" | "steps";

const AXES: readonly Axis[] = ["width", "depth", "steps"];

/** Exponents along each axis. */
export type Exponents = Record<Axis, number>;

/** Measured exponents of one role. */
export interface RoleExponents {
  /** Learning-rate multiplier exponents. */
  lr: Exponents;
  /** Rescalers: exponents of the init. */
  init?: Exponents;
  /** Rescalers: exponents of the scale. */
  scale?: Exponents;
}

/** Options of {@linkcode checkParameterization}. */
export interface CheckParameterizationOptions {
  /** The base model (default width 64, depth 4, steps 1000). */
  base?: { width: number; depth: number; steps: number };
  /** Factors each dimension is scaled by, one at a time (default 2, 4, 8). */
  factors?: readonly number[];
  /** Roles to check (default all). */
  roles?: readonly Role[];
  /** Settings claimed at the base model, compared within 1e-12 relative. */
  expectedAtBase?: Partial<Record<Role, Settings>>;
  /** Exponents claimed, compared with the measured ones within `tolerance`. */
  expectedExponents?: Partial<
    Record<Role, Partial<Record<"lr" | "init" | "scale", Partial<Exponents>>>>
  >;
  /** Largest allowed deviation from a power law, in octaves (default 1e-6). */
  tolerance?: number;
}

/** What {@linkcode checkParameterization} found. */
export interface ParameterizationReport {
  /** No failures. */
  ok: boolean;
  /** The parameterization's name. */
  name: string;
  /** Each failure, as a sentence. */
  failures: string[];
  /** The measured exponents, per role. */
  exponents: Record<Role, RoleExponents>;
  /** The exponents as a text table (one row per role). */
  table: string;
}

function describeDims(d: Dims): string {
  return `{width: ${d.width}, depth: ${d.depth}, steps: ${d.steps}, baseWidth: ${d.baseWidth}, ` +
    `baseDepth: ${d.baseDepth}, baseSteps: ${d.baseSteps}}`;
}

function ask(p: Parameterization, role: Role, dims: Dims): Settings {
  const query = Object.freeze({ role, dims: Object.freeze({ ...dims }) });
  try {
    return p(query);
  } catch (e) {
    throw new Error(
      `checkParameterization: ${p.name || "the parameterization"} threw for role ${role} at dims ${
        describeDims(dims)
      }: ${(e as Error).message}`,
    );
  }
}

function same(a: Settings, b: Settings): boolean {
  return a.lr === b.lr && a.init === b.init && a.scale === b.scale;
}

function fmt(s: Settings): string {
  return `{lr: ${s.lr}, init: ${s.init}, scale: ${s.scale}}`;
}

/**
 * Check `p` and measure its exponents; returns a report (`ok` false with the
 * failures listed) and throws only when `p` itself throws (naming the role and
 * dims) or the options are impossible.
 *
 * @example
 * ```ts
 * import { checkParameterization } from "./check_parameterization.ts";
 * import { assertTrue } from "./assert.ts";
 * import { compose, plain, widthExponent } from "../param/mod.ts";
 * const mine = compose("mine", plain, widthExponent("hidden", -1));
 * const r = checkParameterization(mine, { expectedExponents: { hidden: { lr: { width: -1 } } } });
 * assertTrue(r.ok, r.table);
 * ```
 */
export function checkParameterization(
  p: Parameterization,
  opts: CheckParameterizationOptions = {},
): ParameterizationReport {
  if (typeof p !== "function") {
    throw new Error(`checkParameterization: expected a parameterization (a function), got ${p}`);
  }
  const base = opts.base ?? { width: 64, depth: 4, steps: 1000 };
  const factors = [1, ...(opts.factors ?? [2, 4, 8])];
  if (factors.some((f) => !(f > 0 && Number.isFinite(f))) || new Set(factors).size < 2) {
    throw new Error(
      `checkParameterization: factors must be distinct positive numbers other than 1`,
    );
  }
  const tol = opts.tolerance ?? 1e-6;
  const roles = opts.roles ?? ROLES;
  const baseDims: Dims = Object.freeze({
    ...base,
    baseWidth: base.width,
    baseDepth: base.depth,
    baseSteps: base.steps,
  });
  const failures: string[] = [];
  const exponents = {} as Record<Role, RoleExponents>;
  for (const role of roles) {
    const atBase = ask(p, role, baseDims);
    // Pure and deterministic: same answer again, after other queries, and for a fresh copy.
    const scans = AXES.map((axis) =>
      factors.map((f) => ask(p, role, { ...baseDims, [axis]: base[axis] * f }))
    );
    if (!same(atBase, ask(p, role, baseDims))) {
      failures.push(`role ${role}: two identical queries gave ${fmt(atBase)} and another answer`);
    }
    const expected = opts.expectedAtBase?.[role];
    if (expected && !closeSettings(atBase, expected)) {
      failures.push(
        `role ${role}: at the base model got ${fmt(atBase)}, expected ${fmt(expected)}`,
      );
    }
    const fields: ("lr" | "init" | "scale")[] = isRescaler(role) ? ["lr", "init", "scale"] : ["lr"];
    const entry = {} as RoleExponents;
    for (const field of fields) {
      const exps = {} as Exponents;
      AXES.forEach((axis, ai) => {
        const values = scans[ai].map((s) => s[field] as number);
        exps[axis] = measure(role, field, axis, factors, values, tol, failures);
      });
      entry[field] = exps;
      const claimed = opts.expectedExponents?.[role]?.[field] ?? {};
      for (const axis of AXES) {
        const c = claimed[axis];
        if (c !== undefined && !(Math.abs(exps[axis] - c) <= tol)) {
          failures.push(
            `role ${role}: ${field} exponent in ${axis} is ${exps[axis]}, expected ${c}`,
          );
        }
      }
    }
    if (isRescaler(role)) {
      for (const s of [atBase, ...scans.flat()]) {
        for (const field of ["init", "scale"] as const) {
          const v = s[field];
          if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
            failures.push(`role ${role}: ${field} must be positive and finite, got ${v}`);
          }
        }
      }
    }
    exponents[role] = entry;
  }
  return {
    ok: failures.length === 0,
    name: p.name,
    failures: [...new Set(failures)],
    exponents,
    table: formatTable(exponents),
  };
}

function closeSettings(a: Settings, b: Settings): boolean {
  const close = (x?: number, y?: number) =>
    x === y || (x !== undefined && y !== undefined && Math.abs(x - y) <= 1e-12 * Math.abs(y));
  return close(a.lr, b.lr) && close(a.init, b.init) && close(a.scale, b.scale);
}

function measure(
  role: Role,
  field: string,
  axis: Axis,
  factors: number[],
  values: number[],
  tol: number,
  failures: string[],
): number {
  if (values.every((v) => v === 0)) return 0; // a frozen group: zero everywhere
  if (values.some((v) => !(v > 0 && Number.isFinite(v)))) {
    failures.push(
      `role ${role}: ${field} along ${axis} is not a power law: values ${values} at factors ${factors}`,
    );
    return NaN;
  }
  const fit = fitPowerLaw(factors, values);
  if (fit.maxResidual > tol) {
    failures.push(
      `role ${role}: ${field} along ${axis} is not a power law: values ${values} at factors ${factors} ` +
        `deviate ${fit.maxResidual.toExponential(2)} octaves from the fitted exponent ${
          fit.exponent.toFixed(4)
        }`,
    );
  }
  return Math.abs(fit.exponent) < 1e-12 ? 0 : fit.exponent;
}

function formatTable(exponents: Record<string, RoleExponents>): string {
  const num = (x: number | undefined) => (x === undefined ? "" : (+x.toFixed(4)).toString());
  const row = (cells: string[]) => cells.map((c) => c.padEnd(10)).join("").trimEnd();
  const lines = [row(["role", "lr:w", "lr:L", "lr:T", "init:w", "init:L", "scale:w", "scale:L"])];
  for (const [role, e] of Object.entries(exponents)) {
    lines.push(row([
      role,
      num(e.lr.width),
      num(e.lr.depth),
      num(e.lr.steps),
      num(e.init?.width),
      num(e.init?.depth),
      num(e.scale?.width),
      num(e.scale?.depth),
    ]));
  }
  return lines.join("\n");
}

/**
 * {@linkcode checkParameterization} that throws with every failure and the
 * measured table when a law fails; returns the report otherwise.
 *
 * @example
 * ```ts
 * import { assertParameterization } from "./check_parameterization.ts";
 * import { ngpt } from "../param/mod.ts";
 * assertParameterization(ngpt, { expectedExponents: { alpha: { scale: { width: -0.5 } } } });
 * ```
 */
export function assertParameterization(
  p: Parameterization,
  opts: CheckParameterizationOptions = {},
): ParameterizationReport {
  const r = checkParameterization(p, opts);
  if (!r.ok) {
    throw new Error(
      `assertParameterization: ${r.name} fails ${r.failures.length} law(s):\n  ${
        r.failures.join("\n  ")
      }\nmeasured exponents:\n${r.table}`,
    );
  }
  return r;
}
