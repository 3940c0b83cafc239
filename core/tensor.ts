/**
 * The immutable {@linkcode Tensor} and its ownership rules.
 *
 * A tensor is a shape, a dtype and a reference to backend storage. Storage is
 * reference-counted (a `reshape` shares it), and a tensor may be *pinned* by a
 * gradient tape that still needs it: disposing a pinned tensor is deferred
 * until the last pin is released. Scopes ({@linkcode tidy}, {@linkcode scope})
 * dispose every tensor created inside them that is not returned or kept.
 *
 * @module
 */
import {
  type Backend,
  type BackendBuffer,
  type DataArray,
  type DType,
  type Shape,
  sizeOf,
} from "../kernels/backend.ts";
import { BYTES_PER_ELEMENT } from "../kernels/backend.ts";
import { activeTrace, readInsideTraceError } from "./trace_context.ts";
import { inspectText } from "./tensor_inspect.ts";

/** Nested arrays of numbers or booleans, as {@linkcode Tensor.toArray} returns. */
export type NestedArray = number | boolean | NestedArray[];

interface Storage {
  readonly backend: Backend;
  readonly buffer: BackendBuffer;
  refs: number;
}

let nextId = 1;
let backwardDepth = 0;

/**
 * @internal Run a backward pass: inside it, tensors whose disposal waits on a
 * tape (the values a VJP rule needs) remain usable.
 */
export function duringBackward<T>(fn: () => T): T {
  backwardDepth++;
  try {
    return fn();
  } finally {
    backwardDepth--;
  }
}
let liveTensors = 0;
let liveBytes = 0;

/**
 * An immutable n-dimensional array living on one backend.
 *
 * Create tensors with `tensor`, `zeros`, `ones`, `full`, `arange` or the
 * random functions; transform them with ops; read them with
 * {@linkcode Tensor.data}, {@linkcode Tensor.item} or {@linkcode Tensor.toArray}.
 *
 * @example
 * ```ts
 * import { tensor } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const t = tensor([[1, 2], [3, 4]]);
 * assertEquals([t.shape, await t.toArray()], [[2, 2], [[1, 2], [3, 4]]]);
 * t.dispose();
 * ```
 */
export class Tensor {
  /** A process-unique id (for debugging and tapes). */
  readonly id: number;
  /** The shape: one size per axis. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  #storage: Storage | null;
  #pins = 0;
  #disposeRequested = false;

  /** @internal Use the creation functions instead. */
  constructor(storage: Storage, shape: Shape, dtype: DType) {
    this.id = nextId++;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.#storage = storage;
    storage.refs++;
    liveTensors++;
    currentScope()?.add(this);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The backend this tensor lives on. */
  get backend(): Backend {
    return this.#live("backend").backend;
  }

  /** True once the tensor has been disposed (or its disposal is pending on a tape). */
  get disposed(): boolean {
    return this.#storage === null || (this.#disposeRequested && backwardDepth === 0);
  }

  /** @internal The backend buffer (for ops). */
  get buffer(): BackendBuffer {
    return this.#live("buffer").buffer;
  }

  /** @internal Storage access that ignores a pending disposal (for tapes). */
  get _storage(): Storage {
    if (this.#storage === null) throw disposedError("tape", this);
    return this.#storage;
  }

  #live(op: string): Storage {
    if (this.#storage === null || (this.#disposeRequested && backwardDepth === 0)) {
      throw disposedError(op, this);
    }
    return this.#storage;
  }

  /** Throws a clear error if the tensor was disposed; `op` names the caller. */
  assertLive(op: string): void {
    this.#live(op);
  }

  /**
   * Free the tensor's storage (once no other tensor shares it). Safe to call
   * twice. If a gradient tape still needs the tensor, the release waits for it.
   */
  dispose(): void {
    if (this.#storage === null || this.#disposeRequested) return;
    if (this.#pins > 0) {
      this.#disposeRequested = true;
      return;
    }
    this.#release();
  }

  #release(): void {
    const s = this.#storage!;
    this.#storage = null;
    liveTensors--;
    if (--s.refs === 0) {
      liveBytes -= this.size * BYTES_PER_ELEMENT[this.dtype];
      s.backend.release(s.buffer);
    }
  }

  /** `using t = ...` disposes the tensor at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal Keep the storage alive for a tape. */
  _pin(): void {
    this.#pins++;
  }

  /** @internal Release a tape's hold; completes a pending disposal. */
  _unpin(): void {
    if (--this.#pins === 0 && this.#disposeRequested && this.#storage !== null) {
      this.#disposeRequested = false;
      this.#release();
    }
  }

  /**
   * Read the elements back (row-major), as a typed array of the dtype
   * (bool reads as `Uint8Array` of 0/1). Waits for queued work.
   */
  data(): Promise<DataArray> {
    return this.#read("data");
  }

  /** Not async: a read that cannot happen (disposed, inside a trace) throws here, at the call. */
  #read(op: string): Promise<DataArray> {
    const s = this.#live(op);
    if (s.backend === activeTrace()) throw readInsideTraceError(op);
    return s.backend.read(s.buffer, this.dtype, this.size);
  }

  /**
   * Read synchronously; only backends where this is free offer it (CPU).
   */
  dataSync(): DataArray {
    const s = this.#live("dataSync");
    if (s.backend === activeTrace()) throw readInsideTraceError("dataSync");
    if (!s.backend.readSync) {
      throw new Error(
        `dataSync: the ${s.backend.name} backend cannot read synchronously; use await t.data()`,
      );
    }
    return s.backend.readSync(s.buffer, this.dtype, this.size);
  }

  /** The single element of a one-element tensor, as a number (bool as 0/1). */
  item(): Promise<number> {
    if (this.size !== 1) {
      throw new Error(
        `item: tensor has ${this.size} elements (shape ${fmtShape(this.shape)}), expected 1`,
      );
    }
    return this.#read("item").then((d) => d[0]);
  }

  /** The elements as nested arrays of the tensor's shape (bool as booleans). */
  toArray(): Promise<NestedArray> {
    return this.#read("toArray").then((d) => nest(d, this.shape, this.dtype === "bool"));
  }

  /**
   * A tensor is not a JavaScript number: using one in arithmetic, a comparison or a
   * condition's test throws (read the value with `await t.item()`; inside `nu.jit`, values are
   * not known while tracing). Converting to a string gives {@linkcode Tensor.toString}.
   */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === "string") return this.toString();
    throw new Error(
      `Tensor: a tensor (${this.dtype} ${fmtShape(this.shape)}) was used as a JS number ` +
        `(arithmetic or a comparison); read it with await t.item()` +
        (activeTrace() !== null
          ? ", outside the jitted function, or make the value a static argument"
          : ""),
    );
  }

  /** What `console.log` shows: values on the CPU backend (a summary when large), else a header. */
  [Symbol.for("Deno.customInspect")](): string {
    const header = `${this.toString()}${this.disposed ? "" : ` ${this.backend.name}`}`;
    if (this.disposed) return header;
    const s = this.#storage!;
    if (s.backend === activeTrace()) return inspectText(header, "traced: no values yet", [], "");
    if (s.backend.readSync === undefined) {
      return inspectText(header, "on the device: read with await t.toArray()", [], "");
    }
    const data = s.backend.readSync(s.buffer, this.dtype, this.size);
    return inspectText(header, data, this.shape, this.dtype);
  }

  /** A short description, e.g. `Tensor<f32>[2,3]`. */
  toString(): string {
    return `Tensor<${this.dtype}>${fmtShape(this.shape)}${this.disposed ? " (disposed)" : ""}`;
  }
}

function disposedError(op: string, t: Tensor): Error {
  return new Error(`${op}: tensor #${t.id} ${fmtShape(t.shape)} ${t.dtype} was disposed`);
}

function nest(data: DataArray, shape: Shape, asBool: boolean): NestedArray {
  const conv = (v: number) => (asBool ? v !== 0 : v);
  if (shape.length === 0) return conv(data[0]);
  const rec = (offset: number, axis: number): NestedArray[] => {
    const n = shape[axis];
    const stride = sizeOf(shape.slice(axis + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(
        axis === shape.length - 1 ? conv(data[offset + i]) : rec(offset + i * stride, axis + 1),
      );
    }
    return out;
  };
  return rec(0, 0);
}

/**
 * Format a shape for messages: `[2,3]`.
 *
 * @example
 * ```ts
 * import { fmtShape } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(fmtShape([2, 3]), "[2,3]");
 * ```
 */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** @internal Wrap a fresh backend buffer as a tensor (counts its bytes). */
export function wrapBuffer(
  backend: Backend,
  buffer: BackendBuffer,
  shape: Shape,
  dtype: DType,
): Tensor {
  liveBytes += sizeOf(shape) * BYTES_PER_ELEMENT[dtype];
  return new Tensor({ backend, buffer, refs: 0 }, shape, dtype);
}

/** @internal A new tensor sharing `t`'s storage with another shape (reshape, alias). */
export function shareStorage(t: Tensor, shape: Shape): Tensor {
  t.assertLive("reshape");
  return new Tensor(t._storage, shape, t.dtype);
}

// ---------------------------------------------------------------- scopes

/**
 * A set of tensors to dispose together; see {@linkcode scope} and {@linkcode tidy}.
 *
 * @example
 * ```ts
 * import { ones, scope } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const s = scope();
 * const t = ones([2]);
 * s.close();
 * assertEquals(t.disposed, true);
 * ```
 */
export class Scope {
  #tensors = new Set<Tensor>();
  #closed = false;

  /** @internal */
  add(t: Tensor): void {
    this.#tensors.add(t);
  }

  /** @internal Stop owning `t` without handing it to another scope. */
  _forget(t: Tensor): void {
    this.#tensors.delete(t);
  }

  /** Exclude tensors (or trees of them) from this scope; they move to the enclosing scope. */
  keep<T>(value: T): T {
    const parent = scopeStack[scopeStack.indexOf(this) - 1];
    forEachTensor(value, (t) => {
      if (this.#tensors.delete(t)) parent?.add(t);
    });
    return value;
  }

  /** Dispose everything created inside that was not kept. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const i = scopeStack.lastIndexOf(this);
    if (i >= 0) scopeStack.splice(i, 1);
    for (const t of this.#tensors) t.dispose();
    this.#tensors.clear();
  }

  /** `using s = scope()` closes the scope at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

const scopeStack: Scope[] = [];

function currentScope(): Scope | undefined {
  return scopeStack[scopeStack.length - 1];
}

/**
 * Open a scope: every tensor created until it closes is disposed when it
 * closes, except those passed to `s.keep(...)`. Works with `using`, also
 * across `await`.
 *
 * @example
 * ```ts
 * import { ones, scope, add } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const x = ones([2]);
 * let y;
 * {
 *   using s = scope();
 *   const t = add(x, 1);
 *   y = s.keep(add(t, 1));
 * } // t is disposed here, y is not
 * assertEquals(await y.toArray(), [3, 3]);
 * ```
 */
export function scope(): Scope {
  const s = new Scope();
  scopeStack.push(s);
  return s;
}

/**
 * Run `fn` in a scope and keep only the tensors it returns (any tree of
 * tensors); everything else created inside is disposed.
 *
 * @example
 * ```ts
 * import { tidy, ones, add, memory, mul } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const x = ones([3]);
 * const before = memory().tensors;
 * const y = tidy(() => mul(add(x, 1), 2));
 * assertEquals(memory().tensors, before + 1); // y only: the intermediate add(x, 1) is freed
 * assertEquals(await y.toArray(), [4, 4, 4]);
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const s = scope();
  try {
    const out = fn();
    if (out instanceof Promise) {
      throw new Error("tidy: fn returned a Promise; use `using s = scope()` for async code");
    }
    return s.keep(out);
  } finally {
    s.close();
  }
}

/**
 * Take tensors out of every scope, so that no scope disposes them (model
 * parameters, say). Returns its argument.
 *
 * @example
 * ```ts
 * import { keep, ones, tidy } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * let w;
 * tidy(() => { w = keep(ones([4])); });
 * assertEquals(w!.disposed, false);
 * ```
 */
export function keep<T>(value: T): T {
  forEachTensor(value, (t) => {
    for (const s of scopeStack) s._forget(t);
  });
  return value;
}

/** Call `fn` on every tensor in a tree (objects, arrays, tensors; other leaves ignored). */
export function forEachTensor(value: unknown, fn: (t: Tensor) => void): void {
  if (value instanceof Tensor) fn(value);
  else if (Array.isArray(value)) { for (const v of value) forEachTensor(v, fn); }
  else if (value !== null && typeof value === "object" && isPlainObject(value)) {
    for (const v of Object.values(value)) forEachTensor(v, fn);
  }
}

/** True for `{}`-style objects (not class instances such as tensors or keys). */
export function isPlainObject(x: object): boolean {
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** What {@linkcode tensorMemory} reports: tensors and their bytes as the core counts them. */
export interface TensorMemory {
  /** Tensors not yet disposed. */
  tensors: number;
  /** Bytes of distinct storage held by live tensors. */
  bytes: number;
}

/** @internal Live tensor counters (see `memory()` for the public view). */
export function tensorMemory(): TensorMemory {
  return { tensors: liveTensors, bytes: liveBytes };
}
