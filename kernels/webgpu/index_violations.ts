/**
 * The device-side record of the first out-of-range index: index kernels in
 * checked mode bind a small buffer `[tag, index, position, 0]`, and the first
 * invocation that meets a bad index claims it by writing its dispatch's tag.
 * The next readback reads the buffer and reports the violation, named with
 * the op, the index, its position and the bound (the tag says which).
 *
 * @module
 */
import type { Shape } from "../backend.ts";
import { indexError, type IndexOp } from "../index_error.ts";

/** Usage of the violation buffer: bound as storage, read back, cleared. */
const USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */

/**
 * What a checked dispatch watches: an index (op, index shape, bound), enough to name a
 * violation later; or, with `describe`, any other check (a NaN watch) that words its own
 * message from the recorded value and position.
 */
export type CheckSite = IndexSite | { readonly describe: (value: number, at: number) => string };

/** What a checked index dispatch indexes. */
export interface IndexSite {
  /** The user-facing op. */
  readonly op: IndexOp;
  /** The index tensor's shape. */
  readonly shape: Shape;
  /** Indices must lie in `[0, bound)`. */
  readonly bound: number;
  /** The indexed axis (gather/scatterAdd). */
  readonly axis?: number;
}

/**
 * WGSL a checked index kernel adds: the violation buffer at `binding` and
 * `noteBadIndex(tag, index, position)`.
 *
 * @example
 * ```ts
 * import { violationWgsl } from "./index_violations.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(violationWgsl(4).includes("@binding(4)"));
 * ```
 */
export function violationWgsl(binding: number): string {
  return `
@group(0) @binding(${binding}) var<storage, read_write> viol: array<atomic<u32>>;
fn noteBadIndex(tag: u32, ix: i32, at: u32) {
  if (atomicLoad(&viol[0]) != 0u) { return; }
  if (atomicCompareExchangeWeak(&viol[0], 0u, tag).exchanged) {
    atomicStore(&viol[1], bitcast<u32>(ix));
    atomicStore(&viol[2], at);
  }
}`;
}

/**
 * One device's violation buffer and the sites (op, shape, bound) of the
 * checked dispatches since it was last inspected.
 *
 * @example
 * ```ts
 * import { ViolationLog } from "./index_violations.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(ViolationLog.describe([1, 9, 2, 0], [{ op: "gather", shape: [3], bound: 4 }]),
 *   "gather: index 9 at position [2] is out of range for a table of 4 rows (valid: 0..3)");
 * ```
 */
export class ViolationLog {
  readonly #device: GPUDevice;
  #buffer: GPUBuffer | null = null;
  #sites: CheckSite[] = [];
  readonly #tags = new Map<string, number>();

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** The buffer to bind and the tag (P value) a checked dispatch of `site` passes. */
  slot(site: CheckSite): { buffer: GPUBuffer; tag: number } {
    if (this.#buffer === null) {
      this.#buffer = this.#device.createBuffer({ size: 16, usage: USAGE });
    }
    if ("describe" in site) {
      this.#sites.push(site);
      return { buffer: this.#buffer, tag: this.#sites.length };
    }
    const key = `${site.op}|${site.shape.join(",")}|${site.bound}|${site.axis ?? 0}`;
    let tag = this.#tags.get(key);
    if (tag === undefined) {
      this.#sites.push(site);
      tag = this.#sites.length;
      this.#tags.set(key, tag);
    }
    return { buffer: this.#buffer, tag };
  }

  /**
   * The buffer a readback should copy along (16 bytes) when a checked dispatch ran since the
   * last inspection, else null.
   */
  pending(): GPUBuffer | null {
    return this.#sites.length > 0 ? this.#buffer : null;
  }

  /**
   * After a readback that copied the {@linkcode ViolationLog.pending} buffer's `record` (its
   * four words): clear it, and throw the violation it holds, if any.
   */
  inspect(record: Uint32Array): void {
    if (this.#buffer === null || this.#sites.length === 0) return;
    const words = [...record];
    const sites = this.#sites;
    this.#sites = [];
    this.#tags.clear();
    if (words[0] === 0) return;
    this.#device.queue.writeBuffer(this.#buffer, 0, new Uint32Array(4));
    const message = ViolationLog.describe(words, sites);
    throw message.startsWith("nans:") ? new Error(message) : new RangeError(message);
  }

  /** The message for buffer contents `words` given the sites their tags refer to. */
  static describe(words: readonly number[], sites: readonly CheckSite[]): string {
    const site = sites[words[0] - 1];
    if (site === undefined) return `index check: a violation with unknown tag ${words[0]}`;
    const index = new Int32Array(new Uint32Array([words[1]]).buffer)[0];
    if ("describe" in site) return site.describe(index, words[2]);
    return indexError({ ...site, index, flat: words[2] }).message;
  }
}
