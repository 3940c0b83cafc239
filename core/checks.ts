/**
 * Runtime checks that turn silent wrong answers into errors: out-of-range
 * indices (`indices`) and the first NaN or infinity an op makes from finite
 * inputs (`nans`, like JAX's `jax_debug_nans`).
 *
 * Eager indexing on the CPU is always checked (it costs one comparison per
 * index). The `indices` setting adds the check where it costs more: WebGPU
 * kernels record the first violation in a small device buffer that the next
 * readback inspects. The `nans` setting reads every eager op's output on the
 * CPU backend and runs `jit` functions op by op, eagerly, so that the op that
 * made the NaN is the one named.
 *
 * Settings start from the environment variable `NUGRAD_CHECKS` (a comma list:
 * `indices`, `nans`, `all` or `none`).
 *
 * @module
 */
import { setIndexChecks } from "../kernels/index_checks.ts";
import { findBadIndex, indexError } from "../kernels/index_error.ts";
import type { Tensor } from "./tensor.ts";
import { activeTrace } from "./trace_context.ts";

/** Which runtime checks are on. */
export interface Checks {
  /** Refuse out-of-range indices in gather, scatterAdd and crossEntropy on every backend. */
  indices: boolean;
  /** Stop at the first op that makes a NaN or an infinity from finite inputs. */
  nans: boolean;
}

const CHECK_NAMES = ["indices", "nans"] as const;

/**
 * Parse a `NUGRAD_CHECKS` value: a comma-separated list of `indices`, `nans`,
 * `all` or `none`; unknown names are refused.
 *
 * @example
 * ```ts
 * import { parseChecks } from "./checks.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(parseChecks("nans"), { indices: false, nans: true });
 * assertEquals(parseChecks("all"), { indices: true, nans: true });
 * ```
 */
export function parseChecks(text: string): Checks {
  const out: Checks = { indices: false, nans: false };
  for (const raw of text.split(",")) {
    const name = raw.trim();
    if (name === "" || name === "none") continue;
    if (name === "all") {
      out.indices = out.nans = true;
    } else if ((CHECK_NAMES as readonly string[]).includes(name)) {
      out[name as keyof Checks] = true;
    } else {
      throw new Error(
        `NUGRAD_CHECKS: unknown check ${JSON.stringify(name)}; expected a comma list of ${
          CHECK_NAMES.join(", ")
        }, all or none`,
      );
    }
  }
  return out;
}

function fromEnvironment(): Checks {
  let text: string | undefined;
  try {
    text = Deno.env.get("NUGRAD_CHECKS");
  } catch {
    text = undefined; // no --allow-env: the defaults
  }
  return parseChecks(text ?? "");
}

let current: Checks = fromEnvironment();
setIndexChecks(current.indices);

/**
 * Turn runtime checks on or off; returns the settings in effect before the
 * call, so that `checks(previous)` restores them. `checks()` reads them.
 *
 * @example
 * ```ts
 * import { checks, gather, tensor, zeros } from "../mod.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * const before = checks({ indices: true });
 * // eager gather on the CPU refuses a bad index in every mode
 * assertThrows(() => gather(zeros([4, 2]), tensor([9], { dtype: "i32" })), "index 9");
 * checks(before);
 * ```
 */
export function checks(settings: Partial<Checks> = {}): Checks {
  const before = { ...current };
  for (const [k, v] of Object.entries(settings)) {
    if (!(CHECK_NAMES as readonly string[]).includes(k)) {
      throw new Error(
        `checks: unknown check ${JSON.stringify(k)}; expected ${CHECK_NAMES.join(", ")}`,
      );
    }
    if (typeof v !== "boolean") throw new Error(`checks: ${k} must be true or false, got ${v}`);
  }
  current = { ...current, ...settings };
  setIndexChecks(current.indices);
  return before;
}

/** @internal The current settings (no copy; do not mutate). */
export function activeChecks(): Readonly<Checks> {
  return current;
}

/**
 * True when `t`'s values can be read synchronously at no cost: it lives on the
 * CPU backend and is not a placeholder of a function being traced by `jit`.
 * Checks of values (token ids, NaNs) run only then.
 *
 * @example
 * ```ts
 * import { readableNow, tensor } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(readableNow(tensor([1, 2])), true);
 * ```
 */
export function readableNow(t: Tensor): boolean {
  const b = t.backend;
  return b.name === "cpu" && b.readSync !== undefined && b !== activeTrace();
}

/**
 * Refuse, where the values can be read now (see {@linkcode readableNow}), an index of `indices`
 * outside `[0, bound)` (or `[-bound, bound)` with `negative`), naming `op`, the index, its
 * position and the bound. Ops built on gather or one-hot vectors (`take`, `takeAlongAxis`)
 * call it so that the error names them and the index as the user wrote it.
 *
 * @example
 * ```ts
 * import { checkIndexRange, tensor } from "../mod.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * assertThrows(
 *   () => checkIndexRange("take", tensor([0, -4], { dtype: "i32" }), 3, { negative: true }),
 *   "take: index -4 at position [1] is out of range for axis 0 of size 3 (valid: -3..2)",
 * );
 * ```
 */
export function checkIndexRange(
  op: string,
  indices: Tensor,
  bound: number,
  opts: { axis?: number; negative?: boolean } = {},
): void {
  if (indices.dtype !== "i32" || !readableNow(indices)) return;
  const bad = findBadIndex(op, indices.dataSync(), indices.shape, bound, opts.axis, opts.negative);
  if (bad !== null) throw indexError(bad);
}
