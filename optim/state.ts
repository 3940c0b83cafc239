/**
 * Saving and restoring optimizer state. A state is a plain tree whose leaves are tensors and
 * JSON values (step counts, `null`, empty objects of stateless transforms). It is split into
 * a flat `{path: tensor}` record and a JSON *layout*: the tree with each tensor replaced by
 * `{"$tensor": path}`. Paths are dotted (`0.mu.blocks.1.attn.q`). The checkpoint format
 * stores the tensors under `opt.<path>` and the layout in its metadata.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { decodeState, encodeState } from "./state.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const state = [{ count: 3, mu: { w: tensor([1, 2]) } }, {}];
 * const { tensors, layout } = encodeState(state);
 * assertEquals(Object.keys(tensors), ["0.mu.w"]);
 * assertEquals(layout, '[{"count":3,"mu":{"w":{"$tensor":"0.mu.w"}}},{}]');
 * const back = decodeState(layout, tensors);
 * assertEquals([back[0].count, back[0].mu.w === tensors["0.mu.w"]], [3, true]);
 * ```
 *
 * @module
 */
import { Tensor } from "../core/mod.ts";

const MARK = "$tensor";

/** A state split for storage: its tensors by dotted path, and the JSON layout of the rest. */
export interface EncodedState {
  /** Every tensor of the state, by dotted path. */
  readonly tensors: Record<string, Tensor>;
  /** JSON: the state with each tensor replaced by `{"$tensor": path}`. */
  readonly layout: string;
}

/**
 * Split a state into its tensors and a JSON layout (see the module doc). Throws on a leaf that
 * JSON cannot hold exactly (a non-finite number, a function, a class instance other than a
 * tensor) and on a key containing a dot, naming the path.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { encodeState } from "./state.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const { tensors } = encodeState({ count: 1, nu: [tensor([0])] });
 * assertEquals(Object.keys(tensors), ["nu.0"]);
 * ```
 */
export function encodeState(state: unknown): EncodedState {
  const tensors: Record<string, Tensor> = {};
  const walk = (x: unknown, path: string): unknown => {
    const where = path === "" ? "the root" : JSON.stringify(path);
    if (x instanceof Tensor) {
      x.assertLive("encodeState");
      tensors[path] = x;
      return { [MARK]: path };
    }
    if (x === null || typeof x === "string" || typeof x === "boolean") return x;
    if (typeof x === "number") {
      if (!Number.isFinite(x)) throw new Error(`encodeState: non-finite number ${x} at ${where}`);
      return x;
    }
    const join = (k: string) => {
      if (k.includes(".")) throw new Error(`encodeState: key ${JSON.stringify(k)} has a dot`);
      if (k === MARK) throw new Error(`encodeState: key ${MARK} is reserved (at ${where})`);
      return path === "" ? k : `${path}.${k}`;
    };
    if (Array.isArray(x)) return x.map((v, i) => walk(v, join(String(i))));
    if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) out[k] = walk(v, join(k));
      return out;
    }
    throw new Error(`encodeState: cannot store a ${typeof x} leaf at ${where}`);
  };
  const layout = JSON.stringify(walk(state, ""));
  return { tensors, layout };
}

/**
 * Rebuild a state from {@linkcode encodeState}'s layout and a `{path: tensor}` record (the
 * tensors are used as given, not copied). Throws on bad JSON, on a path the record lacks, and
 * on tensors the layout does not use.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { decodeState } from "./state.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const s = decodeState('{"count":2,"mu":{"$tensor":"mu"}}', { mu: tensor([1]) });
 * assertEquals(s.count, 2);
 * ```
 */
// deno-lint-ignore no-explicit-any -- a state is dynamically shaped
export function decodeState(layout: string, tensors: Record<string, Tensor>): any {
  let parsed: unknown;
  try {
    parsed = JSON.parse(layout);
  } catch (e) {
    throw new Error(`decodeState: the layout is not JSON: ${(e as Error).message}`);
  }
  const used = new Set<string>();
  const build = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(build);
    if (x === null || typeof x !== "object") return x;
    const obj = x as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === MARK) {
      const path = String(obj[MARK]);
      if (!(path in tensors)) {
        throw new Error(`decodeState: the layout names tensor ${JSON.stringify(path)}, not given`);
      }
      used.add(path);
      return tensors[path];
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = build(obj[k]);
    return out;
  };
  const state = build(parsed);
  const extra = Object.keys(tensors).filter((p) => !used.has(p));
  if (extra.length > 0) {
    throw new Error(`decodeState: tensors not in the layout: ${extra.join(", ")}`);
  }
  return state;
}
