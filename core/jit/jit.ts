/**
 * `jit`: trace a function once per input signature, compile the trace
 * (fused generated kernels, views folded into strides, a memory arena) and
 * replay the compiled program on later calls without running the function.
 *
 * @module
 */
import { activeChecks } from "../checks.ts";
import type { Backend } from "../../kernels/backend.ts";
import { getBackend } from "../backends.ts";
import { isTracked } from "../tape.ts";
import { fmtShape, scope, Tensor, wrapBuffer } from "../tensor.ts";
import { activeTrace, withTrace } from "../trace_context.ts";
import { type TreeDef, treeFlatten, treeUnflatten } from "../tree.ts";
import { Program, type ProgramStats } from "./program.ts";
import { Recorder } from "./trace_backend.ts";
import { BatchedTensor } from "../vmap_batched.ts";

/** Options of {@linkcode jit}. */
export interface JitOptions {
  /**
   * Positional arguments that are static: their value (not only their
   * structure) is part of the signature, and a new value traces again. Leaves
   * that are not tensors (numbers, strings, ...) are always static.
   */
  staticArgnums?: readonly number[];
  /** Compiled signatures kept, least recently used dropped first (default 8). */
  maxCached?: number;
}

/** A compiled function: call it like the original; it also reports on its cache. */
export interface JitFunction<A extends unknown[], R> {
  /** Run the compiled program for these arguments' signature (tracing it on first sight). */
  (...args: A): R;
  /** How many times the function has been traced (once per new signature). */
  readonly traces: number;
  /** Compiled signatures in the cache. */
  readonly cacheSize: number;
  /** Statistics of the program the last call ran (null before the first call). */
  readonly lastStats: ProgramStats | null;
  /** Free every compiled program's buffers; the function stays usable (it traces again). */
  dispose(): void;
}

interface Entry {
  program: Program;
  outDef: TreeDef;
  /** Per output leaf: a tensor result (index into the program's outputs) or a static value. */
  outLeaves: ({ tensor: number; shape: readonly number[]; dtype: Tensor["dtype"] } | {
    value: unknown;
  })[];
  backend: Backend;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function staticKey(x: unknown): string {
  if (x === null) return "null";
  switch (typeof x) {
    case "number":
      return Object.is(x, -0) ? "n-0" : `n${x}`;
    case "string":
      return `s${JSON.stringify(x)}`;
    case "boolean":
    case "undefined":
    case "bigint":
      return `${typeof x}:${String(x)}`;
    default: {
      const o = x as object;
      let id = objectIds.get(o);
      if (id === undefined) objectIds.set(o, id = nextObjectId++);
      return `o${id}`;
    }
  }
}

function defKey(def: TreeDef): string {
  if (def.kind === "leaf") return "*";
  if (def.kind === "array") return `[${def.children.map(defKey).join(",")}]`;
  return `{${def.keys.map((k, i) => `${JSON.stringify(k)}:${defKey(def.children[i])}`).join(",")}}`;
}

/**
 * Compile `fn`: the first call with a new signature (tree structure, shapes,
 * dtypes and backend of the tensor arguments, values of the static ones)
 * runs `fn` once on placeholder tensors and records every primitive it
 * applies; the recording is compiled (elementwise chains and their
 * reductions fused into generated kernels, transposes and broadcasts read
 * through strides, buffers planned and reused) and every call with that
 * signature replays it without running `fn` again — so a JavaScript side
 * effect in `fn` happens once per trace, as in JAX.
 *
 * `fn` must be synchronous and must not read values (`item()`, `data()`):
 * the placeholders have none. Numbers it needs per call must be tensors, or
 * static arguments (each new value traces again). It may use `grad`,
 * `valueAndGrad`, `vjp` and `customVjp`: jit a whole training step. The
 * returned tensors belong to the caller's scope; nothing else is left alive.
 * Called inside another trace, or on tensors a gradient tape is tracking,
 * `fn` runs as it is (so `grad(jit(f))` differentiates `f`).
 *
 * @example
 * ```ts
 * import { add, jit, mul, sum, type Tensor, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * let traced = 0;
 * const f = jit((x: Tensor, y: Tensor) => {
 *   traced++;
 *   return sum(mul(add(x, y), 2));
 * });
 * assertEquals(await f(tensor([1, 2]), tensor([3, 4])).item(), 20);
 * assertEquals(await f(tensor([0, 0]), tensor([1, 1])).item(), 4); // replayed, not traced
 * assertEquals([traced, f.traces], [1, 1]);
 * f(tensor([1, 2, 3]), tensor([1, 1, 1])); // a new shape traces again
 * assertEquals(f.traces, 2);
 * ```
 */
export function jit<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: JitOptions = {},
): JitFunction<A, R> {
  if (typeof fn !== "function") throw new Error(`jit: expected a function, got ${typeof fn}`);
  const staticArgs = new Set(options.staticArgnums ?? []);
  const maxCached = options.maxCached ?? 8;
  if (!Number.isInteger(maxCached) || maxCached < 1) {
    throw new Error(`jit: maxCached must be a positive integer, got ${maxCached}`);
  }
  const cache = new Map<string, Entry>();
  let traces = 0;
  let lastStats: ProgramStats | null = null;

  const call = (...args: A): R => {
    if (activeTrace() !== null) return fn(...args);
    if (activeChecks().nans) return fn(...args); // op by op, so that NaN checks name the op
    // Flatten the dynamic arguments and build the signature.
    const tensors: Tensor[] = [];
    let key = "";
    let backend: Backend | null = null;
    const flat = args.map((arg, i) => {
      if (staticArgs.has(i)) {
        key += `|S${staticKey(arg)}`;
        return null;
      }
      const { leaves, def } = treeFlatten(arg);
      key += `|${defKey(def)}:`;
      for (const leaf of leaves) {
        if (leaf instanceof Tensor) {
          leaf.assertLive("jit");
          if (backend === null) backend = leaf.backend;
          else if (leaf.backend !== backend) {
            throw new Error(
              `jit: tensor arguments live on different backends: ${backend.name} and ` +
                `${leaf.backend.name} (argument ${i}, ${leaf.dtype} ${fmtShape(leaf.shape)})`,
            );
          }
          tensors.push(leaf);
          key += `T${leaf.dtype}${fmtShape(leaf.shape)};`;
        } else key += `${staticKey(leaf)};`;
      }
      return { leaves, def };
    });
    // On tensors a tape tracks, or batched ones inside `vmap`, fn runs as it is (inlined).
    if (isTracked(tensors) || tensors.some((t) => t instanceof BatchedTensor)) return fn(...args);
    const target: Backend = backend ?? getBackend();
    key = `${target.name}#${key}`;
    let entry = cache.get(key);
    if (entry !== undefined && entry.backend !== target) entry = undefined;
    if (entry === undefined) {
      entry = trace(fn, args, flat, tensors, target);
      traces++;
      cache.set(key, entry);
      while (cache.size > maxCached) {
        const oldest = cache.keys().next().value as string;
        cache.get(oldest)!.program.dispose();
        cache.delete(oldest);
      }
    } else {
      cache.delete(key);
      cache.set(key, entry);
    }
    lastStats = entry.program.stats;
    const buffers = entry.program.run(tensors.map((t) => t.buffer));
    const leaves = entry.outLeaves.map((l) =>
      "tensor" in l ? wrapBuffer(target, buffers[l.tensor], l.shape, l.dtype) : l.value
    );
    return treeUnflatten(entry.outDef, leaves) as R;
  };

  return Object.defineProperties(call, {
    traces: { get: () => traces },
    cacheSize: { get: () => cache.size },
    lastStats: { get: () => lastStats },
    dispose: {
      value: () => {
        for (const e of cache.values()) e.program.dispose();
        cache.clear();
      },
    },
  }) as JitFunction<A, R>;
}

function trace<A extends unknown[], R>(
  fn: (...args: A) => R,
  args: A,
  flat: ({ leaves: unknown[]; def: TreeDef } | null)[],
  tensors: readonly Tensor[],
  target: Backend,
): Entry {
  const rec = new Recorder(target);
  const s = scope();
  try {
    let n = 0;
    const traced = args.map((arg, i) => {
      const f = flat[i];
      if (f === null) return arg;
      return treeUnflatten(
        f.def,
        f.leaves.map((leaf) => {
          if (!(leaf instanceof Tensor)) return leaf;
          const t = tensors[n];
          return wrapBuffer(rec, rec.input(n++, t.dtype, t.size), t.shape, t.dtype);
        }),
      );
    }) as A;
    const out = withTrace(rec, () => fn(...traced));
    if (out instanceof Promise) {
      out.catch(() => {}); // its rejection (a value read while tracing) is reported here instead
      throw new Error(
        "jit: the function returned a Promise; it must be synchronous (values cannot be awaited " +
          "inside a traced function)",
      );
    }
    const { leaves, def } = treeFlatten(out);
    const outputs: number[] = [];
    const outLeaves: Entry["outLeaves"] = leaves.map((leaf) => {
      if (!(leaf instanceof Tensor)) return { value: leaf };
      leaf.assertLive("jit");
      if (leaf.backend !== rec && leaf.backend !== target) {
        throw new Error(
          `jit: the function returned a tensor on backend ${leaf.backend.name}, not ${target.name}`,
        );
      }
      const id = rec.contiguous(rec.valueOf(leaf.buffer, leaf.dtype, leaf.size));
      outputs.push(id);
      return { tensor: outputs.length - 1, shape: leaf.shape, dtype: leaf.dtype };
    });
    return { program: new Program(rec, outputs), outDef: def, outLeaves, backend: target };
  } finally {
    s.close();
  }
}
