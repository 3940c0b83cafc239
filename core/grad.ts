// deno-lint-ignore-file no-explicit-any -- trees and transformed functions are dynamically shaped
/**
 * Reverse-mode autodiff as function transforms, JAX-style: {@linkcode vjp},
 * {@linkcode grad}, {@linkcode valueAndGrad} over trees, and
 * {@linkcode customVjp} for user rules. The tape is hidden inside; tensors
 * carry no `.grad`. Transforms nest: `grad(grad(f))` works because every VJP
 * rule is written with differentiable ops.
 *
 * @module
 */
import { alias } from "./ops/shape.ts";
import { add } from "./ops/elementwise.ts";
import { onesLike, zerosLike } from "./ops/create.ts";
import { isTracked, openTape, record, type Tape, withoutRecording } from "./tape.ts";
import { duringBackward, fmtShape, scope, Tensor } from "./tensor.ts";
import { treeFlatten, treeUnflatten } from "./tree.ts";
import { BatchedTensor } from "./vmap_batched.ts";
import { baseOf, batchedAtEveryLevel, storageLike, wrapLike } from "./vmap_tape.ts";

/** Options of {@linkcode grad} and {@linkcode valueAndGrad}. */
export interface GradOptions {
  /** Which positional arguments to differentiate (default 0). An array gives an array of gradients. */
  argnums?: number | readonly number[];
  /** `f` returns `[value, aux]`; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

interface Traced {
  out: unknown;
  tape: Tape;
  /** Per differentiated argument: its structure and its leaves (tracers, or null for non-tensor leaves). */
  argLeaves: {
    def: ReturnType<typeof treeFlatten>["def"];
    tracers: (Tensor | null)[];
    raw: unknown[];
  }[];
}

function trace(
  op: string,
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  argnums: readonly number[],
): Traced {
  if (typeof f !== "function") throw new Error(`${op}: expected a function, got ${typeof f}`);
  const tape = openTape();
  try {
    const newArgs = [...args];
    const argLeaves = argnums.map((i) => {
      if (i < 0 || i >= args.length || !Number.isInteger(i)) {
        throw new Error(`${op}: argnums ${i} is out of range for ${args.length} argument(s)`);
      }
      const { leaves, def } = treeFlatten(args[i]);
      const tracers = leaves.map((leaf, j) => {
        if (!(leaf instanceof Tensor)) return null;
        if (leaf.dtype !== "f32" && leaf.dtype !== "f64") {
          throw new Error(
            `${op}: cannot differentiate with respect to a ${leaf.dtype} tensor (argument ${i}, leaf ${j}, shape ${
              fmtShape(leaf.shape)
            }); pass it as another argument or exclude it with argnums`,
          );
        }
        // Inside vmap: the tape watches the storage, one copy per member.
        const t = batchedAtEveryLevel(alias(leaf));
        tape.watch(baseOf(t));
        return t;
      });
      newArgs[i] = treeUnflatten(def, leaves.map((l, j) => tracers[j] ?? l));
      return { def, tracers, raw: leaves };
    });
    const out = (f as (...a: unknown[]) => unknown)(...newArgs);
    if (out instanceof Promise) {
      throw new Error(`${op}: the function returned a Promise; it must be synchronous`);
    }
    tape.stop();
    return { out, tape, argLeaves };
  } catch (e) {
    tape.release();
    throw e;
  }
}

/** Run the backward pass of `tape` from `outputs` with `cotangents`; returns cotangents by tensor id. */
function backward(
  tape: Tape,
  outputs: readonly Tensor[],
  cotangents: readonly Tensor[],
): Map<number, Tensor> {
  return duringBackward(() => backwardPass(tape, outputs, cotangents));
}

function backwardPass(
  tape: Tape,
  outputs: readonly Tensor[],
  cotangents: readonly Tensor[],
): Map<number, Tensor> {
  const cts = new Map<number, Tensor>();
  const accumulate = (id: number, g: Tensor) => {
    const prev = cts.get(id);
    cts.set(id, prev ? add(prev, g) : g);
  };
  outputs.forEach((o, i) => {
    if (tape.tracked.has(o.id)) accumulate(o.id, cotangents[i]);
  });
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    const g = cts.get(node.output.id);
    if (!g || !node.vjp) continue;
    const inputCts = node.vjp(g, node.inputs.map((input) => tape.tracked.has(input.id)));
    node.inputs.forEach((input, j) => {
      const ct = inputCts[j];
      if (ct && tape.tracked.has(input.id)) accumulate(input.id, ct);
    });
  }
  return cts;
}

function gradsFor(traced: Traced, cts: Map<number, Tensor>): unknown[] {
  return traced.argLeaves.map(({ def, tracers, raw }) =>
    treeUnflatten(
      def,
      // A tracer's disposal may be pending on the tape: read its backend as a backward pass does.
      tracers.map((t, j) => {
        if (t === null) return raw[j];
        const g = cts.get(baseOf(t).id);
        return g === undefined ? duringBackward(() => zerosLike(t)) : wrapLike(g, t);
      }),
    )
  );
}

function checkScalar(op: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) {
    throw new Error(
      `${op}: the function must return a scalar Tensor, got ${
        value === null ? "null" : typeof value
      }` +
        (Array.isArray(value) ? " (an array: did you mean hasAux: true?)" : ""),
    );
  }
  if (value.size !== 1) {
    throw new Error(
      `${op}: the function must return a scalar, got shape ${
        fmtShape(value.shape)
      }; reduce it (sum, mean) first`,
    );
  }
  if (value.dtype !== "f32" && value.dtype !== "f64") {
    throw new Error(`${op}: the function must return a float scalar, got ${value.dtype}`);
  }
  return value;
}

/**
 * `f` transformed to return `[value, gradients]` (with `hasAux`:
 * `[[value, aux], gradients]`). Gradients have the structure of the
 * differentiated argument(s); non-tensor leaves pass through unchanged.
 *
 * @example
 * ```ts
 * import { mul, sum, tensor, valueAndGrad } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const f = (p: { w: any }) => sum(mul(p.w, p.w));
 * const [value, grads] = valueAndGrad(f)({ w: tensor([1, 2]) });
 * await assertAllClose(value, 5);
 * await assertAllClose(grads.w, [2, 4]);
 * ```
 */
export function valueAndGrad<
  F extends (...args: any[]) => any,
  const O extends GradOptions = Record<never, never>,
>(f: F, opts?: O): (...args: Parameters<F>) => [ValueOf<F, O>, GradsOf<F, O>] {
  return transform("valueAndGrad", f, opts ?? {});
}

/** The type of argument `N` of `F`. */
export type ArgOf<F, N> = F extends (...args: infer A) => any ? N extends keyof A ? A[N] : any
  : never;

/** The types of arguments `N` (a tuple of indices) of `F`. */
export type ArgsOf<F, N extends readonly number[]> = { -readonly [K in keyof N]: ArgOf<F, N[K]> };

/**
 * The gradients' type for `F` under options `O`: shaped like the differentiated argument
 * (the first by default), or a tuple of them when `argnums` is an array.
 */
export type GradsOf<F, O extends GradOptions> = O["argnums"] extends readonly number[]
  ? ArgsOf<F, O["argnums"]>
  : O["argnums"] extends number ? ArgOf<F, O["argnums"]>
  : ArgOf<F, 0>;

/** `f`'s `[value, aux]` with `hasAux` (aux `any` unless `f` returns a tuple type). */
export type WithAux<R> = R extends readonly [infer V, infer A] ? [V, A] : [Tensor, any];

/** The value {@linkcode valueAndGrad} returns for `F` under options `O`. */
export type ValueOf<F extends (...args: any[]) => any, O extends GradOptions> = O["hasAux"] extends
  true ? WithAux<ReturnType<F>> : ReturnType<F>;

/** What {@linkcode grad} returns for `F` under options `O` (with `hasAux`: `[grads, aux]`). */
export type GradOf<F extends (...args: any[]) => any, O extends GradOptions> = O["hasAux"] extends
  true ? [GradsOf<F, O>, WithAux<ReturnType<F>>[1]] : GradsOf<F, O>;

function transform<F extends (...args: any[]) => any>(
  op: string,
  f: F,
  opts: GradOptions,
): (...args: Parameters<F>) => [any, any] {
  const multiple = Array.isArray(opts.argnums);
  const argnums = opts.argnums === undefined
    ? [0]
    : multiple
    ? [...opts.argnums as number[]]
    : [opts.argnums as number];
  return (...args) => {
    const s = scope();
    let traced: Traced | null = null;
    try {
      traced = trace(op, f, args, argnums);
      let value: unknown = traced.out, aux: unknown;
      if (opts.hasAux) {
        if (!Array.isArray(traced.out) || traced.out.length !== 2) {
          throw new Error(`${op}: with hasAux the function must return [value, aux]`);
        }
        [value, aux] = traced.out;
      }
      const y = checkScalar(op, value);
      const yb = baseOf(y);
      const cts = backward(traced.tape, [yb], [onesLike(yb)]);
      const grads = gradsFor(traced, cts);
      const result = [opts.hasAux ? [y, aux] : y, multiple ? grads : grads[0]] as [
        unknown,
        unknown,
      ];
      return s.keep(result);
    } finally {
      s.close();
      traced?.tape.release();
    }
  };
}

/**
 * `f` transformed to return the gradient of its scalar output (with
 * `hasAux`: `[gradients, aux]`).
 *
 * @example
 * ```ts
 * import { grad, sin, sum, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const df = grad((x) => sum(sin(x)));
 * await assertAllClose(df(tensor([0])), [1]); // cos 0
 * const d2f = grad((x) => sum(df(x))); // grad of grad: -sin
 * await assertAllClose(d2f(tensor([Math.PI / 2])), [-1]);
 * ```
 */
export function grad<
  F extends (...args: any[]) => any,
  const O extends GradOptions = Record<never, never>,
>(f: F, opts?: O): (...args: Parameters<F>) => GradOf<F, O> {
  const vg = transform("grad", f, opts ?? {});
  return (...args): any => {
    const [value, grads] = vg(...args);
    if (opts?.hasAux) {
      (value as [Tensor, unknown])[0].dispose();
      return [grads, (value as [Tensor, unknown])[1]];
    }
    (value as Tensor).dispose();
    return grads;
  };
}

/** The pullback that {@linkcode vjp} returns: callable many times, then disposed. */
export interface VjpFunction {
  /** Cotangents for each primal argument, given a cotangent tree shaped like the output. */
  (cotangent: unknown): unknown[];
  /** Release the tape (and the tensors it kept alive). */
  dispose(): void;
  /** `using pullback = ...` releases the tape at the end of the block. */
  [Symbol.dispose](): void;
}

/**
 * The output of `f(...primals)` and its pullback: a function from an output
 * cotangent (a tree shaped like the output) to one cotangent tree per primal.
 * Call `pullback.dispose()` when done with it.
 *
 * @example
 * ```ts
 * import { mul, tensor, vjp } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const [y, pullback] = vjp((x) => mul(x, 3), tensor([1, 2]));
 * const [gx] = pullback(tensor([1, 10]));
 * await assertAllClose([y, gx], [[3, 6], [3, 30]]);
 * pullback.dispose();
 * ```
 */
export function vjp(
  f: (...args: never[]) => unknown,
  ...primals: unknown[]
): [unknown, VjpFunction] {
  const s = scope();
  let traced: Traced;
  try {
    traced = trace("vjp", f, primals, primals.map((_, i) => i));
    s.keep(traced.out);
  } finally {
    s.close();
  }
  const { leaves: outLeaves, def: outDef } = treeFlatten(traced.out);
  let released = false;
  const pullback = ((cotangent: unknown) => {
    if (released) throw new Error("vjp: the pullback was disposed");
    const { leaves, def } = treeFlatten(cotangent);
    if (leaves.length !== outLeaves.length) {
      throw new Error(
        `vjp: the cotangent has ${leaves.length} leaves, the output ${outLeaves.length}`,
      );
    }
    const outs: Tensor[] = [], cts: Tensor[] = [];
    outLeaves.forEach((o, i) => {
      if (!(o instanceof Tensor)) return;
      const c = leaves[i];
      if (!(c instanceof Tensor) || c.shape.join() !== o.shape.join()) {
        throw new Error(
          `vjp: cotangent leaf ${i} must be a tensor of shape ${fmtShape(o.shape)}, got ${
            c instanceof Tensor ? fmtShape(c.shape) : typeof c
          }`,
        );
      }
      outs.push(baseOf(o));
      cts.push(storageLike(c, o));
    });
    void def;
    void outDef;
    const inner = scope();
    try {
      return inner.keep(gradsFor(traced, backward(traced.tape, outs, cts)));
    } finally {
      inner.close();
    }
  }) as VjpFunction;
  pullback.dispose = () => {
    released = true;
    traced.tape.release();
  };
  pullback[Symbol.dispose] = pullback.dispose;
  return [traced.out, pullback];
}

/**
 * A function with a user-supplied derivative. `fwd(...args)` returns
 * `[output, residuals]` (residuals: tensors the rule needs); `bwd(residuals,
 * cotangent)` returns one cotangent (or null) per argument. `bwd` should use
 * nugrad ops so that it can be differentiated again.
 *
 * @example
 * ```ts
 * import { customVjp, exp, grad, mul, sum, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * // exp with its derivative written by hand
 * const myExp = customVjp(
 *   (x) => { const y = exp(x); return [y, [y]]; },
 *   ([y], g) => [mul(g, y)],
 * );
 * await assertAllClose(grad((x) => sum(myExp(x)))(tensor([0])), [1]);
 * ```
 */
export function customVjp(
  fwd: (...args: Tensor[]) => [Tensor, Tensor[]],
  bwd: (residuals: Tensor[], cotangent: Tensor) => (Tensor | null)[],
  opts: { name?: string } = {},
): (...args: Tensor[]) => Tensor {
  const name = opts.name ?? "customVjp";
  return (...args) => {
    for (const a of args) {
      if (!(a instanceof Tensor)) {
        throw new Error(`${name}: arguments must be tensors, got ${typeof a}`);
      }
    }
    // Under vmap the rule's forward pass is differentiated as it is (the tape sees its primitives).
    if (args.some((a) => a instanceof BatchedTensor)) return fwd(...args)[0];
    let [out, residuals] = withoutRecording(() => fwd(...args));
    if (!(out instanceof Tensor)) throw new Error(`${name}: fwd must return [Tensor, residuals]`);
    if (args.includes(out)) out = withoutRecording(() => alias(out));
    if (isTracked(args)) {
      record({
        name,
        inputs: args,
        output: out,
        residuals,
        vjp: (g) => {
          const cts = bwd(residuals, g);
          if (!Array.isArray(cts) || cts.length !== args.length) {
            throw new Error(
              `${name}: bwd must return one cotangent (or null) per argument (${args.length})`,
            );
          }
          return cts;
        },
      });
    }
    return out;
  };
}
