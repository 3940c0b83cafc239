/**
 * Argument checking shared by the rule factories: role lists and numbers (or functions of the
 * dimensions), each checked where a rule is defined so a typo fails early.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { evaluate, roleSet } from "./rule_args.ts";
 * assertTrue(roleSet(["input", "hidden"], "example").has("hidden"));
 * assertTrue(evaluate((d) => d.width / 2, {
 *   width: 64, depth: 1, steps: 1, baseWidth: 64, baseDepth: 1, baseSteps: 1,
 * }) === 32);
 * ```
 *
 * @module
 */
import type { Dims } from "./dims.ts";
import { isRescaler, isRole, type Role, ROLES } from "./roles.ts";

/** One role or several. */
export type Roles = Role | readonly Role[];

/** A number, or a function of the model's dimensions giving one. */
export type DimsValue = number | ((dims: Dims) => number);

/** The set of `roles`, checked (known roles; rescalers only when asked); errors name `op`. */
export function roleSet(roles: Roles, op: string, rescalersOnly = false): ReadonlySet<Role> {
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

/** Throws unless `value` is a finite number; the error names `op` and `what`. */
export function checkFinite(value: number, what: string, op: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${op}: ${what} must be a finite number, got ${value}`);
  }
  return value;
}

/** Throws unless `value` is a function or a finite number. */
export function checkDimsValue(value: DimsValue, what: string, op: string): DimsValue {
  if (typeof value === "function") return value;
  return checkFinite(value, what, op);
}

/** The number a {@linkcode DimsValue} stands for at `dims`. */
export function evaluate(value: DimsValue, dims: Dims): number {
  return typeof value === "function" ? value(dims) : value;
}
