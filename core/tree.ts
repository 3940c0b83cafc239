// deno-lint-ignore-file no-explicit-any -- trees and transformed functions are dynamically shaped
/**
 * Trees: nested plain objects and arrays whose leaves are tensors (or other
 * values). Parameters, gradients and optimizer state are all trees of the
 * same shape, addressed by dotted paths such as `blocks.0.attn.q`.
 *
 * @module
 */
import { isPlainObject, Tensor } from "./tensor.ts";

/** A tree: a leaf, or an array or plain object of trees. */
export type Tree<L = Tensor> = L | readonly Tree<L>[] | { readonly [key: string]: Tree<L> };

/** The structure of a tree, without its leaves. */
export type TreeDef =
  | { kind: "leaf" }
  | { kind: "array"; children: TreeDef[] }
  | { kind: "object"; keys: string[]; children: TreeDef[] };

function isNode(x: unknown): x is unknown[] | Record<string, unknown> {
  return Array.isArray(x) || (x !== null && typeof x === "object" && !(x instanceof Tensor) &&
    isPlainObject(x as object));
}

/**
 * The leaves of a tree in a fixed order (object keys in insertion order) and its structure.
 *
 * @example
 * ```ts
 * import { treeFlatten, treeUnflatten } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const { leaves, def } = treeFlatten({ a: 1, b: [2, 3] });
 * assertEquals(leaves, [1, 2, 3]);
 * assertEquals(treeUnflatten(def, leaves), { a: 1, b: [2, 3] });
 * ```
 */
export function treeFlatten<L = unknown>(tree: unknown): { leaves: L[]; def: TreeDef } {
  const leaves: L[] = [];
  const walk = (x: unknown): TreeDef => {
    if (Array.isArray(x)) return { kind: "array", children: x.map(walk) };
    if (isNode(x)) {
      const keys = Object.keys(x);
      return {
        kind: "object",
        keys,
        children: keys.map((k) => walk((x as Record<string, unknown>)[k])),
      };
    }
    leaves.push(x as L);
    return { kind: "leaf" };
  };
  const def = walk(tree);
  return { leaves, def };
}

/**
 * Rebuild a tree from its structure and leaves (the inverse of {@linkcode treeFlatten}).
 *
 * @example
 * ```ts
 * import { treeFlatten, treeUnflatten } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const { def } = treeFlatten([0, { x: 0 }]);
 * assertEquals(treeUnflatten(def, [5, 6]), [5, { x: 6 }]);
 * ```
 */
export function treeUnflatten<T = unknown>(def: TreeDef, leaves: readonly unknown[]): T {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    if (d.kind === "leaf") {
      if (i >= leaves.length) throw new Error(`treeUnflatten: too few leaves (${leaves.length})`);
      return leaves[i++];
    }
    if (d.kind === "array") return d.children.map(build);
    const out: Record<string, unknown> = {};
    d.keys.forEach((k, j) => (out[k] = build(d.children[j])));
    return out;
  };
  const out = build(def);
  if (i !== leaves.length) {
    throw new Error(`treeUnflatten: ${leaves.length} leaves for a structure of ${i}`);
  }
  return out as T;
}

/**
 * The leaves of a tree, in {@linkcode treeFlatten} order.
 *
 * @example
 * ```ts
 * import { treeLeaves } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(treeLeaves({ a: 1, b: { c: 2 } }), [1, 2]);
 * ```
 */
export function treeLeaves<L = unknown>(tree: unknown): L[] {
  return treeFlatten<L>(tree).leaves;
}

/**
 * Two structures equal (same keys in the same order, same array lengths).
 *
 * @example
 * ```ts
 * import { sameStructure, treeFlatten } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const def = (x: unknown) => treeFlatten(x).def;
 * assertEquals(sameStructure(def({ a: 1, b: [2] }), def({ a: 3, b: [4] })), true);
 * assertEquals(sameStructure(def({ a: 1 }), def({ b: 1 })), false);
 * ```
 */
export function sameStructure(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "leaf") return true;
  if (a.children.length !== (b as typeof a).children.length) return false;
  if (a.kind === "object" && a.keys.some((k, i) => k !== (b as typeof a).keys[i])) return false;
  return a.children.every((c, i) => sameStructure(c, (b as typeof a).children[i]));
}

/**
 * Apply `fn` to the leaves of `tree` (and the matching leaves of `others`,
 * which must have the same structure), keeping the structure.
 *
 * @example
 * ```ts
 * import { add, ones, treeMap } from "../mod.ts";
 * const params = { w: ones([2]), b: ones([1]) };
 * const doubled = treeMap((p) => add(p, p), params);
 * ```
 */
export function treeMap<R = any>(
  fn: (leaf: any, ...rest: any[]) => R,
  tree: unknown,
  ...others: unknown[]
): any {
  const { leaves, def } = treeFlatten(tree);
  const rest = others.map((o, k) => {
    const f = treeFlatten(o);
    if (!sameStructure(def, f.def)) {
      throw new Error(
        `treeMap: tree ${k + 1} has a different structure from the first (${
          describeDef(f.def)
        } vs ${describeDef(def)})`,
      );
    }
    return f.leaves;
  });
  return treeUnflatten(def, leaves.map((l, i) => fn(l, ...rest.map((r) => r[i]))));
}

function describeDef(d: TreeDef): string {
  if (d.kind === "leaf") return "leaf";
  if (d.kind === "array") return `array(${d.children.length})`;
  return `{${d.keys.join(",")}}`;
}

/**
 * `[path, leaf]` pairs with dotted paths (`blocks.0.attn.q`).
 *
 * @example
 * ```ts
 * import { treePaths } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(treePaths({ blocks: [{ q: 1 }] }), [["blocks.0.q", 1]]);
 * ```
 */
export function treePaths<L = unknown>(tree: unknown): [string, L][] {
  const out: [string, L][] = [];
  const walk = (x: unknown, path: string) => {
    if (Array.isArray(x)) x.forEach((v, i) => walk(v, path ? `${path}.${i}` : `${i}`));
    else if (isNode(x)) {
      for (const [k, v] of Object.entries(x)) {
        if (k.includes(".")) throw new Error(`treePaths: key ${JSON.stringify(k)} contains a dot`);
        walk(v, path ? `${path}.${k}` : k);
      }
    } else out.push([path, x as L]);
  };
  walk(tree, "");
  return out;
}

/**
 * Map over leaves with their dotted path.
 *
 * @example
 * ```ts
 * import { treeMapWithPath } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(treeMapWithPath((path, _x) => path, { a: { b: 0 } }), { a: { b: "a.b" } });
 * ```
 */
export function treeMapWithPath<R = any>(fn: (path: string, leaf: any) => R, tree: unknown): any {
  const { def } = treeFlatten(tree);
  return treeUnflatten(def, treePaths(tree).map(([p, l]) => fn(p, l)));
}

/**
 * The leaf at a dotted path; a clear error when it is missing.
 *
 * @example
 * ```ts
 * import { getPath } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(getPath({ blocks: [{ q: 7 }] }, "blocks.0.q"), 7);
 * ```
 */
export function getPath<L = unknown>(tree: unknown, path: string): L {
  let x: unknown = tree;
  for (const part of path.split(".")) {
    if (Array.isArray(x)) x = x[Number(part)];
    else if (isNode(x)) x = (x as Record<string, unknown>)[part];
    else x = undefined;
    if (x === undefined) {
      throw new Error(
        `getPath: no entry at ${JSON.stringify(path)} (missing ${JSON.stringify(part)})`,
      );
    }
  }
  return x as L;
}

/**
 * Build a tree from `{path: leaf}` (numeric parts become array indices).
 *
 * @example
 * ```ts
 * import { fromPaths } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(fromPaths({ "blocks.0.q": 1, "embed": 2 }), { blocks: [{ q: 1 }], embed: 2 });
 * ```
 */
export function fromPaths<L = unknown>(entries: Record<string, L> | [string, L][]): Tree<L> {
  const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
  const root: Record<string, unknown> = {};
  for (const [path, leaf] of pairs) {
    const parts = path.split(".");
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        if (part in node) throw new Error(`fromPaths: duplicate path ${JSON.stringify(path)}`);
        node[part] = leaf;
      } else {
        node[part] ??= {};
        node = node[part] as Record<string, unknown>;
      }
    });
  }
  const toArrays = (x: unknown): unknown => {
    if (!isNode(x) || Array.isArray(x)) return x;
    const keys = Object.keys(x);
    const obj = x as Record<string, unknown>;
    if (keys.length > 0 && keys.every((k, i) => k === String(i))) {
      return keys.map((k) => toArrays(obj[k]));
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = toArrays(obj[k]);
    return out;
  };
  return toArrays(root) as Tree<L>;
}
