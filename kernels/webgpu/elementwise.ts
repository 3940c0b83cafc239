/**
 * Elementwise kernels: unary, binary, compare, where and cast, with NumPy
 * broadcasting (inputs may have lower rank than the output). A contiguous
 * variant skips the index arithmetic when no input is broadcast.
 *
 * @module
 */
import type { BinaryOp, CompareOp, DType, OutSpec, UnaryOp } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import {
  broadcastStrides,
  convertExpr,
  flatGrid,
  flatMain,
  type GpuOperand,
  type KernelHost,
  offsetsCode,
  wgslType,
} from "./wgsl.ts";

const NAN = "bitcast<f32>(0x7fc00000u)";

const F32_HELPERS = `
fn powf(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(bitcast<f32>(0x7f800000u), 0.0, b > 0.0); }
  if (a > 0.0) { return exp2(b * log2(a)); }
  if (b != floor(b)) { return ${NAN}; }
  let r = exp2(b * log2(-a));
  return select(r, -r, fract(b * 0.5) != 0.0);
}
`;

function unaryF32(op: UnaryOp, x: string): string {
  switch (op) {
    case "neg":
      return `-${x}`;
    case "rsqrt":
      return `inverseSqrt(${x})`;
    case "tanh":
      return `tanh(clamp(${x}, -15.0, 15.0))`;
    case "sigmoid":
      return `1.0 / (1.0 + exp(-${x}))`;
    default:
      return `${op}(${x})`;
  }
}

function unaryExpr(op: UnaryOp, dtype: DType, x: string): string {
  if (dtype === "f32") return unaryF32(op, x);
  if (dtype === "i32" && (op === "neg" || op === "abs" || op === "sign")) {
    return op === "neg" ? `-${x}` : `${op}(${x})`;
  }
  return convertExpr(unaryF32(op, convertExpr(x, dtype, "f32")), "f32", dtype);
}

function binaryExpr(op: BinaryOp, dtype: DType, a: string, b: string): string {
  if (op === "pow") {
    return convertExpr(
      `powf(${convertExpr(a, dtype, "f32")}, ${convertExpr(b, dtype, "f32")})`,
      "f32",
      dtype,
    );
  }
  if (dtype === "bool") {
    const r = binaryExpr(op, "i32", `i32(${a})`, `i32(${b})`);
    return `select(0u, 1u, (${r}) != 0i)`;
  }
  if (dtype === "i32" && op === "div") return `select(${a} / ${b}, 0i, ${b} == 0i)`;
  const sym: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/" };
  if (op in sym) return `(${a} ${sym[op]} ${b})`;
  return `${op}(${a}, ${b})`;
}

const CMP: Record<CompareOp, string> = {
  lt: "<",
  le: "<=",
  gt: ">",
  ge: ">=",
  eq: "==",
  ne: "!=",
};

/**
 * Record a generic n-ary elementwise kernel: `expr` combines `v0..v{n-1}`
 * (the broadcast input values) into the output element.
 */
function runMap(
  host: KernelHost,
  key: string,
  inputs: readonly GpuOperand[],
  out: OutSpec,
  dst: GPUBuffer,
  expr: string,
  helpers = "",
): void {
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const flat = inputs.every((x) => sizeOf(x.shape) === total);
  const rank = flat ? 0 : out.shape.length;
  const types = inputs.map((x) => wgslType(x.dtype));
  const k = host.kernel(`${key}|${types.join(",")}|${rank}|${flat}`, () => {
    const loads = inputs.map((_, j) => `let v${j} = in${j}[${flat ? "i" : `o${j}`}];`).join("\n  ");
    const offsets = flat ? "" : offsetsCode(rank, 1, inputs.map((_, j) => 1 + rank * (j + 1)));
    return PARAMS_WGSL + storageDecls(types, wgslType(out.dtype)) + helpers +
      flatMain(`  ${offsets}\n  ${loads}\n  dst[i] = ${expr};`);
  }, inputs.length);
  const params = [total];
  if (!flat) {
    params.push(...out.shape);
    for (const x of inputs) params.push(...broadcastStrides(x.shape, out.shape));
  }
  host.dispatch(
    k,
    params,
    [...inputs.map((x) => x.buffer), dst],
    flatGrid(total, host.maxWorkgroupsPerDim),
  );
}

/**
 * Elementwise function of one argument.
 *
 * @example
 * ```ts
 * // Called by the webgpu backend's dispatch table: run("unary", [x], { op: "exp" }, out)
 * import { runUnary } from "./elementwise.ts";
 * console.log(typeof runUnary);
 * ```
 */
export function runUnary(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { op: UnaryOp },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const expr = unaryExpr(params.op, inputs[0].dtype, "v0");
  runMap(host, `unary:${params.op}`, inputs, out, dst, expr);
}

/**
 * Elementwise function of two arguments with broadcasting.
 *
 * @example
 * ```ts
 * import { runBinary } from "./elementwise.ts";
 * console.log(typeof runBinary);
 * ```
 */
export function runBinary(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { op: BinaryOp },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const expr = binaryExpr(params.op, inputs[0].dtype, "v0", "v1");
  runMap(host, `binary:${params.op}`, inputs, out, dst, expr, F32_HELPERS);
}

/**
 * Elementwise comparison with broadcasting, producing bool (u32 0/1).
 *
 * @example
 * ```ts
 * import { runCompare } from "./elementwise.ts";
 * console.log(typeof runCompare);
 * ```
 */
export function runCompare(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { op: CompareOp },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const expr = `select(0u, 1u, v0 ${CMP[params.op]} v1)`;
  runMap(host, `compare:${params.op}`, inputs, out, dst, expr);
}

/**
 * `where(cond, a, b)` with broadcasting.
 *
 * @example
 * ```ts
 * import { runWhere } from "./elementwise.ts";
 * console.log(typeof runWhere);
 * ```
 */
export function runWhere(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  _params: Record<string, never>,
  out: OutSpec,
  dst: GPUBuffer,
): void {
  runMap(host, "where", inputs, out, dst, "select(v2, v1, v0 != 0u)");
}

/**
 * Convert to `out.dtype`.
 *
 * @example
 * ```ts
 * import { runCast } from "./elementwise.ts";
 * console.log(typeof runCast);
 * ```
 */
export function runCast(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  _params: { to: DType },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const expr = convertExpr("v0", inputs[0].dtype, out.dtype);
  runMap(host, `cast:${out.dtype}`, inputs, out, dst, expr);
}
