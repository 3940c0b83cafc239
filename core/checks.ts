/**
 * Runtime checks that turn silent wrong answers into errors: out-of-range
 * indices (`indices`) and the first NaN or infinity an op makes from finite
 * inputs (`nans`, like JAX's `jax_debug_nans`).
 *
 * Indexing on the CPU is always checked, eager and compiled (it costs one
 * comparison per index). The `indices` setting (on by default) adds the check
 * on WebGPU, where kernels cannot throw: they record the first violation in a
 * small device buffer that the next readback copies along and inspects. The
 * `nans` setting (off by default) reads every eager op's output on the CPU
 * backend, watches it on WebGPU, and runs `jit` functions op by op, eagerly,
 * so that the op that made the NaN is the one named.
 *
 * The environment variable `NUGRAD_CHECKS` changes the defaults for a process:
 * a comma list of `indices`, `nans` (turn on), `-indices`, `-nans` (turn off),
 * `all` or `none`, applied in order (`NUGRAD_CHECKS=nans`: both on;
 * `NUGRAD_CHECKS=none`: both off).
 *
 * @module
 */
import { setIndexChecks } from "../kernels/index_checks.ts";
import { findBadIndex, indexError } from "../kernels/index_error.ts";
import type { Tensor } from "./tensor.ts";
import { BatchedTensor } from "./vmap_batched.ts";
import { activeTrace } from "./trace_context.ts";

/** Which runtime checks are on. */
export interface Checks {
  /** Refuse out-of-range indices in gather, scatterAdd and crossEntropy on WebGPU too (default on). */
  indices: boolean;
  /** Stop at the first op that makes a NaN or an infinity from finite inputs (default off). */
  nans: boolean;
}

const CHECK_NAMES = ["indices", "nans"] as const;

/** The settings of a process without `NUGRAD_CHECKS`. */
export const DEFAULT_CHECKS: Readonly<Checks> = Object.freeze({ indices: true, nans: false });

/**
 * Parse a `NUGRAD_CHECKS` value: a comma-separated list, applied in order to
 * the defaults, of `indices` or `nans` (on), `-indices` or `-nans` (off),
 * `all` or `none`; unknown names are refused.
 *
 * @example
 * ```ts
 * import { parseChecks } from "./checks.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(parseChecks(""), { indices: true, nans: false }); // the defaults
 * assertEquals(parseChecks("nans"), { indices: true, nans: true });
 * assertEquals(parseChecks("none,nans"), { indices: false, nans: true });
 * assertEquals(parseChecks("-indices"), { indices: false, nans: false });
 * ```
 */
export function parseChecks(text: string): Checks {
  const out: Checks = { ...DEFAULT_CHECKS };
  for (const raw of text.split(",")) {
    const name = raw.trim();
    const off = name.startsWith("-");
    const bare = off ? name.slice(1) : name;
    if (name === "") continue;
    if (name === "all" || name === "none") {
      out.indices = out.nans = name === "all";
    } else if ((CHECK_NAMES as readonly string[]).includes(bare)) {
      out[bare as keyof Checks] = !off;
    } else {
      throw new Error(
        `NUGRAD_CHECKS: unknown check ${JSON.stringify(name)}; expected a comma list of ${
          CHECK_NAMES.join(", ")
        } (or -name to turn one off), all or none`,
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
 * import { checks, gather, log, tensor, zeros } from "../mod.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * // a gather on the CPU refuses a bad index in every mode
 * assertThrows(() => gather(zeros([4, 2]), tensor([9], { dtype: "i32" })), "index 9");
 * const before = checks({ nans: true });
 * assertThrows(() => log(zeros([1])), "nans: log produced -Infinity");
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
  const b = unbatched(t).backend;
  return b.name === "cpu" && b.readSync !== undefined && b !== activeTrace();
}

/**
 * The stored values behind `t`: under `vmap`, the stacked tensor of every member (at every
 * level), which host-side checks read in place of the member they cannot read alone.
 *
 * @example
 * ```ts
 * import { unbatched } from "./checks.ts";
 * import { ones, vmap } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * let seen: number[] = [];
 * vmap((x) => {
 *   seen = [...unbatched(x).shape];
 *   return x;
 * })(ones([3, 2]));
 * assertEquals(seen, [3, 2]);
 * ```
 */
export function unbatched(t: Tensor): Tensor {
  while (t instanceof BatchedTensor) t = t.value;
  return t;
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
