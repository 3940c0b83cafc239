/**
 * Byte-level datasets for the sweep: `--data FILE` loading with clear errors, deterministic batch
 * sampling from a PRNG key, and the fixed validation windows.
 *
 * A window is `seq + 1` consecutive bytes as `Int32Array`: positions `0..seq-1` are the inputs,
 * `1..seq` the next-token targets. Batches are `batch` windows laid end to end
 * (`[batch, seq + 1]`, row-major).
 *
 * @example
 * ```ts
 * import { sampleBatch } from "./data.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const tokens = new TextEncoder().encode("hello world, hello nugrad ".repeat(10));
 * const batch = sampleBatch(tokens, { seed: 0, step: 3, batch: 2, seq: 8 });
 * assertEquals([batch instanceof Int32Array, batch.length], [true, 2 * 9]);
 * assertEquals(sampleBatch(tokens, { seed: 0, step: 3, batch: 2, seq: 8 }), batch); // deterministic
 * ```
 *
 * @module
 */
import { foldIn, key, uniformInts } from "../../../core/prng.ts";
import type { Dataset } from "../plan/types.ts";

/** Fraction of a `--data` file held out for validation: its last 5 % of bytes. */
export const FILE_HOLDOUT_FRACTION = 0.05;

/** Held-out windows the minimum file size guarantees. */
export const MIN_HELDOUT_WINDOWS = 4;

/** Number of fixed validation windows evaluated every `--eval-every` steps. */
export const VALIDATION_WINDOWS = 256;

/**
 * The smallest `--data` file, in bytes, for sequence length `seq`: large enough that its held-out
 * 5 % holds {@linkcode MIN_HELDOUT_WINDOWS} windows of `seq + 1` bytes (20 × 4 × (seq + 1)).
 *
 * @example
 * ```ts
 * import { minimumFileBytes } from "./data.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(minimumFileBytes(64), 5200);
 * ```
 */
export function minimumFileBytes(seq: number): number {
  return Math.ceil(MIN_HELDOUT_WINDOWS * (seq + 1) / FILE_HOLDOUT_FRACTION);
}

/**
 * Reads a UTF-8 text file as a byte-level dataset (train: the first 95 %, val: the last 5 %).
 * Errors name the path and the minimum size when the file is missing, unreadable, empty, too
 * short for `seq`, or not valid UTF-8.
 *
 * @example
 * ```ts
 * import { loadTextFile } from "./data.ts";
 * const data = await loadTextFile("README.md", { seq: 64 }).catch((e) => e);
 * ```
 */
export async function loadTextFile(path: string, options: { seq: number }): Promise<Dataset> {
  const min = minimumFileBytes(options.seq);
  const need = `(need at least ${min} bytes for --seq ${options.seq})`;
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Error(`--data ${path}: not a regular file ${need}`);
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`--data ${path}: file not found ${need}`);
    }
    if (e instanceof Error && e.message.startsWith("--data")) throw e;
    throw new Error(`--data ${path}: cannot read file: ${(e as Error).message} ${need}`);
  }
  if (bytes.length === 0) throw new Error(`--data ${path}: file is empty ${need}`);
  if (bytes.length < min) {
    throw new Error(`--data ${path}: file has only ${bytes.length} bytes ${need}`);
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`--data ${path}: not valid UTF-8 text`);
  }
  const cut = bytes.length - Math.ceil(bytes.length * FILE_HOLDOUT_FRACTION);
  return { name: path, train: bytes.subarray(0, cut), val: bytes.subarray(cut) };
}

/** Throws unless `tokens` holds at least one window of `seq + 1`. */
function checkLength(op: string, tokens: Uint8Array, seq: number): void {
  if (!Number.isInteger(seq) || seq < 1) throw new Error(`${op}: seq must be >= 1, got ${seq}`);
  if (tokens.length < seq + 1) {
    throw new Error(`${op}: need at least seq + 1 = ${seq + 1} tokens, got ${tokens.length}`);
  }
}

/**
 * Copies windows starting at `offsets` into one `Int32Array` of `offsets.length * (seq+1)`.
 *
 * @example
 * ```ts
 * import { gatherWindows } from "./data.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(gatherWindows(new Uint8Array([1, 2, 3, 4]), [0, 2], 1), new Int32Array([1, 2, 3, 4]));
 * ```
 */
export function gatherWindows(
  tokens: Uint8Array,
  offsets: ArrayLike<number>,
  seq: number,
): Int32Array {
  const out = new Int32Array(offsets.length * (seq + 1));
  for (let i = 0; i < offsets.length; i++) {
    out.set(tokens.subarray(offsets[i], offsets[i] + seq + 1), i * (seq + 1));
  }
  return out;
}

/**
 * The training batch of one step: `batch` windows at offsets drawn uniformly from the key
 * `foldIn(key(seed), step)`. The same seed and step always give the same batch.
 *
 * @example
 * ```ts
 * import { sampleBatch } from "./data.ts";
 * const b = sampleBatch(new Uint8Array(100), { seed: 0, step: 0, batch: 4, seq: 8 });
 * ```
 */
export function sampleBatch(
  tokens: Uint8Array,
  options: { seed: number; step: number; batch: number; seq: number },
): Int32Array {
  const { seed, step, batch, seq } = options;
  checkLength("sampleBatch", tokens, seq);
  const offsets = uniformInts(foldIn(key(seed), step), batch, 0, tokens.length - seq);
  return gatherWindows(tokens, offsets, seq);
}

/**
 * The fixed validation set: `count` windows at evenly spaced offsets over `val` (the same for
 * every run, seed and parameterization).
 *
 * @example
 * ```ts
 * import { validationWindows } from "./data.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const v = validationWindows(new Uint8Array(1000), { seq: 64 });
 * assertEquals(v.length, 256 * 65); // 256 windows of 65 tokens
 * ```
 */
export function validationWindows(
  val: Uint8Array,
  options: { seq: number; count?: number },
): Int32Array {
  const { seq } = options;
  checkLength("validationWindows", val, seq);
  const last = val.length - seq - 1;
  const count = Math.min(options.count ?? VALIDATION_WINDOWS, last + 1);
  const offsets = Array.from(
    { length: count },
    (_, i) => count === 1 ? 0 : Math.floor((i * last) / (count - 1)),
  );
  return gatherWindows(val, offsets, seq);
}

/**
 * The whole held-out set as non-overlapping windows: offsets 0, seq, 2·seq, … so that every
 * held-out byte after the first is a target exactly once (the last partial window is dropped).
 *
 * @example
 * ```ts
 * import { heldOutWindows } from "./data.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const h = heldOutWindows(new Uint8Array(129), { seq: 64 });
 * assertEquals(h.length, 2 * 65); // 2 windows of 65 tokens
 * ```
 */
export function heldOutWindows(val: Uint8Array, options: { seq: number }): Int32Array {
  const { seq } = options;
  checkLength("heldOutWindows", val, seq);
  const count = Math.floor((val.length - 1) / seq);
  return gatherWindows(val, Array.from({ length: count }, (_, i) => i * seq), seq);
}
