/**
 * Elementwise primitives and ops: unary functions, binary arithmetic with
 * NumPy broadcasting, comparisons, `where` and `cast` — each primitive's shape
 * rule and VJP beside it.
 *
 * @module
 */
import type { BinaryOp, CompareOp, DType, UnaryOp } from "../../kernels/backend.ts";
import { bind, defineRule, type Rule } from "../bind.ts";
import { broadcastingBatch, pointwiseBatch } from "../vmap_rules.ts";
import type { ProgramBuilder } from "../../kernels/fused.ts";
import { broadcastShapes, sameShape } from "../shape.ts";
import { fmtShape, Tensor } from "../tensor.ts";
import { fromData } from "./create.ts";
import { reshape } from "./shape.ts";
import { sum } from "./reduce.ts";

const FLOAT: readonly DType[] = ["f32", "f64"];

/** True for f32 and f64. */
export function isFloat(dtype: DType): boolean {
  return FLOAT.includes(dtype);
}

// ------------------------------------------------------------------ helpers

/** A number or a tensor, as a tensor like `like` (same dtype and backend). */
function asTensor(x: Tensor | number, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== "number") {
    throw new Error(`expected a Tensor or a number, got ${x === null ? "null" : typeof x}`);
  }
  return fromData([x], [], { dtype: like.dtype, backend: like.backend });
}

/** Apply a binary-shaped primitive to tensors or numbers, disposing numbers' temporary tensors. */
function withOperands(
  op: string,
  a: Tensor | number,
  b: Tensor | number,
  run: (a: Tensor, b: Tensor) => Tensor,
): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new Error(`${op}: at least one argument must be a Tensor, got ${a} and ${b}`);
  }
  const like = a instanceof Tensor ? a : b as Tensor;
  like.assertLive(op);
  const ta = asTensor(a, like);
  const tb = asTensor(b, like);
  if (ta.dtype !== tb.dtype) {
    throw new Error(
      `${op}: dtypes differ: ${ta.dtype} ${fmtShape(ta.shape)} and ${tb.dtype} ${
        fmtShape(tb.shape)
      }; cast one first`,
    );
  }
  try {
    return run(ta, tb);
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

/**
 * Sum `g` down to `shape` (the VJP of broadcasting): over leading axes and
 * over axes where `shape` has size 1.
 *
 * @example
 * ```ts
 * import { ones, unbroadcast } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const g = unbroadcast(ones([4, 3]), [1, 3]);
 * assertEquals(await g.toArray(), [[4, 4, 4]]);
 * ```
 */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, { axis: axes, keepdims: true }), shape);
}

// ------------------------------------------------------------------- unary

/**
 * The scalar definition of each unary op, over the backends' scalar functions:
 * the one place an op's arithmetic is written (the CPU's JavaScript and the
 * WGSL are rendered from it).
 */
const UNARY_SCALAR: Record<UnaryOp, (b: ProgramBuilder, x: number, t: DType) => number> = {
  neg: (b, x, t) => b.fn("neg", [x], t),
  exp: (b, x, t) => b.fn("exp", [x], t),
  log: (b, x, t) => b.fn("log", [x], t),
  sqrt: (b, x, t) => b.fn("sqrt", [x], t),
  rsqrt: (b, x, t) => b.fn("div", [b.constant(1, t), b.fn("sqrt", [x], t)], t),
  abs: (b, x, t) => b.fn("abs", [x], t),
  sign: (b, x, t) => b.fn("sign", [x], t),
  tanh: (b, x, t) => b.fn("tanh", [x], t),
  sin: (b, x, t) => b.fn("sin", [x], t),
  cos: (b, x, t) => b.fn("cos", [x], t),
  erf: (b, x, t) => b.fn("erf", [x], t),
  log1p: (b, x, t) => b.fn("log1p", [x], t),
  expm1: (b, x, t) => b.fn("expm1", [x], t),
  floor: (b, x, t) => b.fn("floor", [x], t),
  ceil: (b, x, t) => b.fn("ceil", [x], t),
  round: (b, x, t) => b.fn("round", [x], t),
  // 1 / (1 + e^-x): where e^-x overflows (x below about -88 in f32) the quotient is 0, the right
  // limit, so no branch is needed.
  sigmoid: (b, x, t) => {
    const e = b.fn("exp", [b.fn("neg", [x], t)], t);
    return b.fn("div", [b.constant(1, t), b.fn("add", [b.constant(1, t), e], t)], t);
  },
};

/** The unary primitive's rule. */
export const unaryRule: Rule<"unary"> = defineRule("unary", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  scalar: (b, [x], { op }, { out }) => UNARY_SCALAR[op](b, x, out),
  batch: pointwiseBatch("unary"),
  vjp: (g, { inputs: [x], output: y, params: { op } }) => {
    switch (op) {
      case "neg":
        return [neg(g)];
      case "exp":
        return [mul(g, y)];
      case "log":
        return [div(g, x)];
      case "sqrt":
        return [div(g, mul(y, 2))];
      case "rsqrt":
        return [mul(g, mul(div(y, x), -0.5))];
      case "abs":
        return [mul(g, sign(x))];
      case "sign":
        return [mul(g, 0)];
      case "tanh":
        return [mul(g, sub(1, mul(y, y)))];
      case "sin":
        return [mul(g, cos(x))];
      case "cos":
        return [neg(mul(g, sin(x)))];
      case "sigmoid":
        return [mul(g, mul(y, sub(1, y)))];
      case "erf": // 2/√π · e^(-x²)
        return [mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
      case "log1p":
        return [div(g, add(x, 1))];
      case "expm1":
        return [mul(g, add(y, 1))];
      case "floor":
      case "ceil":
      case "round":
        return [mul(g, 0)];
    }
  },
});

const INT_UNARY: readonly UnaryOp[] = ["neg", "abs", "sign"];

/** @internal Apply unary primitive `op` to a float tensor (integer ones for neg, abs, sign). */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  x.assertLive(op);
  if (!isFloat(x.dtype) && !(x.dtype === "i32" && INT_UNARY.includes(op))) {
    throw new Error(`${op}: needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  return bind("unary", [x], { op });
}

/** `-x`. @example ```ts
 * import { neg, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await neg(tensor([1, -2])).toArray(), [-1, 2]);
 * ``` */
export function neg(x: Tensor): Tensor {
  return unary("neg", x);
}
/** `e^x`. @example ```ts
 * import { exp, tensor } from "../../mod.ts";
 * exp(tensor([0, 1]));
 * ``` */
export function exp(x: Tensor): Tensor {
  return unary("exp", x);
}
/** Natural logarithm. @example ```ts
 * import { log, tensor } from "../../mod.ts";
 * log(tensor([1, Math.E]));
 * ``` */
export function log(x: Tensor): Tensor {
  return unary("log", x);
}
/** Square root. @example ```ts
 * import { sqrt, tensor } from "../../mod.ts";
 * sqrt(tensor([4, 9]));
 * ``` */
export function sqrt(x: Tensor): Tensor {
  return unary("sqrt", x);
}
/** `1 / sqrt(x)`. @example ```ts
 * import { rsqrt, tensor } from "../../mod.ts";
 * rsqrt(tensor([4]));
 * ``` */
export function rsqrt(x: Tensor): Tensor {
  return unary("rsqrt", x);
}
/** `|x|`. @example ```ts
 * import { abs, tensor } from "../../mod.ts";
 * abs(tensor([-1, 2]));
 * ``` */
export function abs(x: Tensor): Tensor {
  return unary("abs", x);
}
/** Sign: -1, 0 or 1 (derivative zero). @example ```ts
 * import { sign, tensor } from "../../mod.ts";
 * sign(tensor([-3, 0, 2]));
 * ``` */
export function sign(x: Tensor): Tensor {
  return unary("sign", x);
}
/** Hyperbolic tangent. @example ```ts
 * import { tanh, tensor } from "../../mod.ts";
 * tanh(tensor([0.5]));
 * ``` */
export function tanh(x: Tensor): Tensor {
  return unary("tanh", x);
}
/** Sine. @example ```ts
 * import { sin, tensor } from "../../mod.ts";
 * sin(tensor([0.5]));
 * ``` */
export function sin(x: Tensor): Tensor {
  return unary("sin", x);
}
/** Cosine. @example ```ts
 * import { cos, tensor } from "../../mod.ts";
 * cos(tensor([0.5]));
 * ``` */
export function cos(x: Tensor): Tensor {
  return unary("cos", x);
}
/** Logistic sigmoid `1 / (1 + e^-x)`, one fused primitive. @example ```ts
 * import { sigmoid, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await sigmoid(tensor([0])).toArray(), [0.5]);
 * ``` */
export function sigmoid(x: Tensor): Tensor {
  return unary("sigmoid", x);
}
/** SiLU (swish): `x · sigmoid(x)`. @example ```ts
 * import { silu, tensor } from "../../mod.ts";
 * silu(tensor([1]));
 * ``` */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}
/** `x²`. @example ```ts
 * import { square, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await square(tensor([3])).toArray(), [9]);
 * ``` */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}
/** `1 / x`. @example ```ts
 * import { reciprocal, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await reciprocal(tensor([4])).toArray(), [0.25]);
 * ``` */
export function reciprocal(x: Tensor): Tensor {
  return div(1, x);
}
/** `max(x, 0)`. @example ```ts
 * import { relu, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await relu(tensor([-1, 2])).toArray(), [0, 2]);
 * ``` */
export function relu(x: Tensor): Tensor {
  return maximum(x, 0);
}

// ------------------------------------------------------------------ binary

/** The binary primitive's rule: each op is one scalar function. */
export const binaryRule: Rule<"binary"> = defineRule("binary", {
  outSpec: ([a, b]) => ({ shape: broadcastShapes("binary", a.shape, b.shape), dtype: a.dtype }),
  scalar: (b, [x, y], { op }, { out }) => b.fn(op, [x, y], out),
  batch: broadcastingBatch("binary"),
  vjp: (g, { inputs: [a, b], output: y, params: { op }, wants: [wantA, wantB] }) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    switch (op) {
      case "add":
        [ga, gb] = [g, g];
        break;
      case "sub":
        ga = g;
        if (wantB) gb = neg(g);
        break;
      case "mul":
        if (wantA) ga = mul(g, b);
        if (wantB) gb = mul(g, a);
        break;
      case "div":
        if (wantA) ga = div(g, b);
        if (wantB) gb = neg(mul(g, div(y, b)));
        break;
      case "pow": {
        if (wantA) ga = mul(g, mul(b, pow(a, sub(b, 1))));
        if (wantB) {
          // d/db a^b = a^b log a, taken as 0 where a <= 0 (b's gradient is undefined there).
          const positive = gt(a, 0);
          const safeLog = log(where(positive, a, 1));
          gb = mul(g, where(positive, mul(y, safeLog), 0));
        }
        break;
      }
      case "atan2": {
        // d atan2(a, b) = (b·da − a·db) / (a² + b²); taken as 0 at the origin, where it is undefined.
        const r2 = add(square(a), square(b));
        const safe = where(gt(r2, 0), r2, 1);
        if (wantA) ga = mul(g, div(b, safe));
        if (wantB) gb = neg(mul(g, div(a, safe)));
        break;
      }
      case "max":
      case "min": {
        // Ties split the cotangent evenly, so that max(x, x) has derivative 1.
        const wins = cast(op === "max" ? gt(a, b) : lt(a, b), a.dtype);
        const ties = mul(cast(eq(a, b), a.dtype), 0.5);
        const share = add(wins, ties);
        if (wantA) ga = mul(g, share);
        if (wantB) gb = mul(g, sub(1, share));
        break;
      }
    }
    return [
      wantA && ga ? unbroadcast(ga, a.shape) : null,
      wantB && gb ? unbroadcast(gb, b.shape) : null,
    ];
  },
});

function binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  return withOperands(op === "max" ? "maximum" : op === "min" ? "minimum" : op, a, b, (ta, tb) => {
    if (ta.dtype === "bool") throw new Error(`${op}: needs numeric tensors, got bool; cast first`);
    if (op === "atan2" && !isFloat(ta.dtype)) {
      throw new Error(`atan2: needs float tensors, got ${ta.dtype}; cast first`);
    }
    broadcastShapes(op, ta.shape, tb.shape);
    return bind("binary", [ta, tb], { op });
  });
}

/** `a + b` with broadcasting; either may be a number. @example ```ts
 * import { add, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await add(tensor([[1], [2]]), tensor([10, 20])).toArray(), [[11, 21], [12, 22]]);
 * ``` */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("add", a, b);
}
/** `a - b` with broadcasting. @example ```ts
 * import { sub, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await sub(tensor([3]), 1).toArray(), [2]);
 * ``` */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("sub", a, b);
}
/** `a · b` elementwise with broadcasting. @example ```ts
 * import { mul, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await mul(tensor([1, 2]), 3).toArray(), [3, 6]);
 * ``` */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("mul", a, b);
}
/** `a / b` with broadcasting (i32 truncates). @example ```ts
 * import { div, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await div(tensor([1, 2]), 4).toArray(), [0.25, 0.5]);
 * ``` */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("div", a, b);
}
/** `a ** b` with broadcasting. @example ```ts
 * import { pow, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await pow(tensor([2, 3]), 2).toArray(), [4, 9]);
 * ``` */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("pow", a, b);
}
/** Elementwise maximum (ties share the gradient). @example ```ts
 * import { maximum, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await maximum(tensor([1, 5]), tensor([3, 2])).toArray(), [3, 5]);
 * ``` */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("max", a, b);
}
/** Elementwise minimum (ties share the gradient). @example ```ts
 * import { minimum, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await minimum(tensor([1, 5]), 2).toArray(), [1, 2]);
 * ``` */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("min", a, b);
}

/**
 * The angle of the point `(b, a)`, `atan2(a, b)` in (−π, π], elementwise with broadcasting
 * (float dtypes). A zero `a` counts as +0 on every backend: `atan2(0, b)` is π for `b < 0` and
 * 0 otherwise, `atan2(0, 0)` included. Adam-atan2 (`optim.scaleByAdamAtan2`) uses it in place of
 * Adam's division by `sqrt(v) + eps`. @example ```ts
 * import { atan2, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(atan2(tensor([1, 1, -1, 0]), tensor([1, -1, 0, 0])), [
 *   Math.PI / 4, 3 * Math.PI / 4, -Math.PI / 2, 0,
 * ], { rtol: 1e-6 });
 * ``` */
export function atan2(a: Tensor | number, b: Tensor | number): Tensor {
  return binary("atan2", a, b);
}

// ------------------------------------------------------------- comparisons

/** The comparison primitive's rule (no derivative). */
export const compareRule: Rule<"compare"> = defineRule("compare", {
  outSpec: ([a, b]) => ({ shape: broadcastShapes("compare", a.shape, b.shape), dtype: "bool" }),
  scalar: (b, [x, y], { op }) => b.fn(op, [x, y], "bool"),
  batch: broadcastingBatch("compare"),
  vjp: null,
});

function compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Tensor {
  return withOperands(op, a, b, (ta, tb) => {
    broadcastShapes(op, ta.shape, tb.shape);
    return bind("compare", [ta, tb], { op });
  });
}

/** `a < b` (bool). @example ```ts
 * import { lt, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await lt(tensor([1, 3]), 2).toArray(), [true, false]);
 * ``` */
export function lt(a: Tensor | number, b: Tensor | number): Tensor {
  return compare("lt", a, b);
}
/** `a <= b` (bool). @example ```ts
 * import { le, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await le(tensor([1, 2]), 2).toArray(), [true, true]);
 * ``` */
export function le(a: Tensor | number, b: Tensor | number): Tensor {
  return compare("le", a, b);
}
/** `a > b` (bool). @example ```ts
 * import { gt, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await gt(tensor([1, 3]), 2).toArray(), [false, true]);
 * ``` */
export function gt(a: Tensor | number, b: Tensor | number): Tensor {
  return compare("gt", a, b);
}
/** `a >= b` (bool). @example ```ts
 * import { ge, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await ge(tensor([1, 2]), 2).toArray(), [false, true]);
 * ``` */
export function ge(a: Tensor | number, b: Tensor | number): Tensor {
  return compare("ge", a, b);
}
/** `a == b` (bool). @example ```ts
 * import { eq, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await eq(tensor([1, 2]), 2).toArray(), [false, true]);
 * ``` */
export function eq(a: Tensor | number, b: Tensor | number): Tensor {
  return compare("eq", a, b);
}
/** `a != b` (bool). @example ```ts
 * import { ne, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await ne(tensor([1, 2]), 2).toArray(), [true, false]);
 * ``` */
export function ne(a: Tensor | number, b: Tensor | number): Tensor {
  return compare("ne", a, b);
}

// ------------------------------------------------------------------- where

/** The `where` primitive's rule. */
export const whereRule: Rule<"where"> = defineRule("where", {
  outSpec: ([c, a, b]) => ({
    shape: broadcastShapes("where", c.shape, broadcastShapes("where", a.shape, b.shape)),
    dtype: a.dtype,
  }),
  scalar: (b, [c, x, y], _params, { out }) => b.fn("select", [c, x, y], out),
  batch: broadcastingBatch("where"),
  vjp: (g, { inputs: [c, a, b], wants: [, wantA, wantB] }) => [
    null,
    wantA ? unbroadcast(where(c, g, 0), a.shape) : null,
    wantB ? unbroadcast(where(c, 0, g), b.shape) : null,
  ],
});

/**
 * `cond ? a : b` elementwise, all three broadcast together; `a` or `b` may be numbers.
 *
 * @example
 * ```ts
 * import { gt, tensor, where } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = tensor([-1, 2]);
 * assertEquals(await where(gt(x, 0), x, 0).toArray(), [0, 2]);
 * ```
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (!(cond instanceof Tensor) || cond.dtype !== "bool") {
    throw new Error(
      `where: condition must be a bool tensor, got ${
        cond instanceof Tensor ? cond.dtype : typeof cond
      }`,
    );
  }
  cond.assertLive("where");
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  if (like === null) {
    const ta = fromData([a as number], [], { backend: cond.backend });
    try {
      return where(cond, ta, b);
    } finally {
      ta.dispose();
    }
  }
  return withOperands("where", a, b, (ta, tb) => {
    broadcastShapes("where", cond.shape, broadcastShapes("where", ta.shape, tb.shape));
    return bind("where", [cond, ta, tb], {});
  });
}

// -------------------------------------------------------------------- cast

/** The `cast` primitive's rule: float-to-float casts carry the cotangent back. */
export const castRule: Rule<"cast"> = defineRule("cast", {
  outSpec: ([x], { to }) => ({ shape: x.shape, dtype: to }),
  scalar: (b, [x], { to }) => b.fn("cast", [x], to),
  batch: pointwiseBatch("cast"),
  vjp: (g, { inputs: [x] }) => [isFloat(x.dtype) && isFloat(g.dtype) ? cast(g, x.dtype) : null],
});

/**
 * Convert to another dtype (bool to 0/1, float to i32 truncating, to bool as `x != 0`).
 *
 * @example
 * ```ts
 * import { cast, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await cast(tensor([1.7, -1.7]), "i32").toArray(), [1, -1]);
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  x.assertLive("cast");
  if (!x.backend.dtypes.includes(dtype)) {
    throw new Error(`cast: the ${x.backend.name} backend has no ${dtype}`);
  }
  return bind("cast", [x], { to: dtype });
}
