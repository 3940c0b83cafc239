/**
 * The WGSL rendering of a {@linkcode FusedKernel}: one invocation per output
 * element (per kept element for a reduction, which loops over its reduced
 * elements). Sizes, strides and offsets are dispatch parameters, so one
 * pipeline serves every shape of the same kernel class.
 *
 * @module
 */
import { type DType, sizeOf } from "../backend.ts";
import { collapseKernel, type FusedKernel, kernelKey, type ScalarNode } from "../fused.ts";
import { type Kernel, PARAM_WORDS, PARAMS_WGSL } from "./pipelines.ts";
import type { Grid } from "./dispatch.ts";
import { SPECIAL_WGSL } from "./special_math.ts";
import { needsReduction } from "../fused_program.ts";
import { convertExpr, flatGrid, type KernelHost, lowestOf, wgslType } from "./wgsl.ts";

const NAN = "bitcast<f32>(0x7fc00000u)";

const POWF = `
fn powf(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(bitcast<f32>(0x7f800000u), 0.0, b > 0.0); }
  if (a > 0.0) { return exp2(b * log2(a)); }
  if (b != floor(b)) { return ${NAN}; }
  let r = exp2(b * log2(-a));
  return select(r, -r, fract(b * 0.5) != 0.0);
}
`;

/**
 * The f16 NaN or infinity of the f32 with bit pattern `bits` (they have no literal, and
 * naga rejects the `bitcast<vec2<f16>>` route): converted from f32.
 */
const f16Special = (bits: number) => `f16(bitcast<f32>(0x${bits.toString(16)}u))`;

function literal(v: number, dtype: DType): string {
  if (dtype === "bool") return v !== 0 ? "1u" : "0u";
  if (dtype === "f16") {
    const h = Math.f16round(v);
    if (Number.isNaN(h)) return f16Special(0x7fc00000);
    if (h === Infinity || h === -Infinity) return f16Special(h > 0 ? 0x7f800000 : 0xff800000);
    return `f16(${h === 0 ? (Object.is(h, -0) ? "-0.0" : "0.0") : String(h)})`;
  }
  if (dtype === "i32") return v === -2147483648 ? "i32(-2147483647 - 1)" : `i32(${v | 0})`;
  if (Number.isNaN(v)) return NAN;
  if (v === Infinity || v > 3.4028234663852886e38) return "bitcast<f32>(0x7f800000u)";
  if (v === -Infinity || v < -3.4028234663852886e38) return "bitcast<f32>(0xff800000u)";
  const s = String(Math.fround(v));
  return `f32(${s.includes(".") || s.includes("e") ? s : s + ".0"})`;
}

/**
 * Functions an f16 node computes in f32 and rounds: the f32 helpers (erf, log1p,
 * expm1, pow), tanh, whose f16 builtin loses small arguments to cancellation
 * on some adapters (lavapipe gives tanh(-6.1e-5) = 0), and the other
 * transcendentals, whose f16 builtins WGSL lets err by many steps (exp by
 * 3 + 2|x| ulps: lavapipe gives exp(6.578125) = 716.5 where the f16 of the
 * true 719.2 is 719; sin and cos by an absolute 2^-7). Widened, each rounds
 * once, as the CPU's f16 emulation does.
 */
const COMPUTED_IN_F32: ReadonlySet<string> = new Set([
  "erf",
  "log1p",
  "expm1",
  "pow",
  "tanh",
  "exp",
  "log",
  "sin",
  "cos",
  "atan2",
]);

/**
 * The WGSL expression of one node. f16 nodes compute in f16 (the reduction's
 * accumulator stays f32), except the f32 helper functions, which an f16 node
 * calls on widened arguments and rounds back.
 */
function nodeExpr(n: ScalarNode, nodes: readonly ScalarNode[]): string {
  if (n.dtype === "f16" && n.fn === "reduced") return "f16(acc)";
  if (n.dtype === "f16" && COMPUTED_IN_F32.has(n.fn) && "args" in n) {
    const wide = n.args.map((i) => `f32(v${i})`);
    return `f16(${nodeExprOf({ ...n, dtype: "f32" }, nodes, wide)})`;
  }
  return nodeExprOf(n, nodes);
}

/** The expression of `n`; `args` overrides the names of its arguments' values. */
function nodeExprOf(n: ScalarNode, nodes: readonly ScalarNode[], args?: string[]): string {
  if (n.fn === "load") return `in${n.input}[o${n.input}]`;
  if (n.fn === "const") return literal(n.value, n.dtype);
  if (n.fn === "reduced") return "acc";
  const [a, b] = args ?? [`v${n.args[0]}`, `v${n.args[1]}`];
  const t = n.dtype;
  switch (n.fn) {
    case "neg":
      return `(-${a})`;
    case "tanh":
      return `tanh(clamp(${a}, -15.0, 15.0))`;
    case "exp":
    case "log":
    case "sqrt":
    case "sin":
    case "cos":
    case "abs":
    case "sign":
    case "floor":
    case "ceil":
    case "round":
      return `${n.fn}(${a})`;
    case "erf":
    case "log1p":
    case "expm1":
      return `${n.fn}_f(${a})`;
    case "add":
      return `(${a} + ${b})`;
    case "sub":
      return `(${a} - ${b})`;
    case "mul":
      return `(${a} * ${b})`;
    case "div":
      return t === "i32" ? `select(${a} / ${b}, 0i, ${b} == 0i)` : `(${a} / ${b})`;
    case "pow":
      return t === "i32" ? `i32(powf(f32(${a}), f32(${b})))` : `powf(${a}, ${b})`;
    case "max":
    case "min":
      return `${n.fn}(${a}, ${b})`;
    case "atan2":
      // WGSL leaves atan2(0, 0) undefined; a zero `a` counts as +0 (π left of the origin, else 0).
      return `select(atan2(${a}, ${b}), select(0.0, 3.14159265358979, ${b} < 0.0), ${a} == 0.0)`;
    case "lt":
      return `select(0u, 1u, ${a} < ${b})`;
    case "le":
      return `select(0u, 1u, ${a} <= ${b})`;
    case "gt":
      return `select(0u, 1u, ${a} > ${b})`;
    case "ge":
      return `select(0u, 1u, ${a} >= ${b})`;
    case "eq":
      return `select(0u, 1u, ${a} == ${b})`;
    case "ne":
      return `select(0u, 1u, ${a} != ${b})`;
    case "select":
      return `select(v${n.args[2]}, ${b}, ${a} != 0u)`;
    case "cast":
      return convertExpr(a, nodes[n.args[0]].dtype, t);
  }
}

/** Parameter words a kernel needs: count, dims, then offset and strides per input. */
function paramsOf(k: FusedKernel, threads: number): number[] {
  const p = [threads, ...k.shape];
  for (const x of k.inputs) p.push(x.offset, ...x.strides);
  return p;
}

function generate(k: FusedKernel): string {
  const rank = k.shape.length;
  const red = k.reduce;
  const reduced = new Set(red?.axes ?? []);
  const types = k.inputs.map((x) => wgslType(x.dtype));
  const outTypes = k.outputs.map((o) => wgslType(k.nodes[o].dtype));
  if (red) outTypes.push(wgslType(k.nodes[red.node].dtype));
  let decls = PARAMS_WGSL;
  types.forEach((t, i) => {
    decls += `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${t}>;\n`;
  });
  outTypes.forEach((t, j) => {
    decls += `@group(0) @binding(${types.length + 1 + j}) var<storage, read_write> out${j}: ` +
      `array<${t}>;\n`;
  });
  const needsPow = k.nodes.some((n) => n.fn === "pow");
  const needsSpecial = k.nodes.some((n) => ["erf", "log1p", "expm1"].includes(n.fn));
  const dimAt = (a: number) => `P(${1 + a}u)`;
  const offAt = (i: number) => `P(${1 + rank + i * (1 + rank)}u)`;
  const strideAt = (i: number, a: number) => `P(${1 + rank + i * (1 + rank) + 1 + a}u)`;
  const body: string[] = [];
  const coords = (axes: number[], from: string) => {
    body.push(`    var rem_${from} = ${from};`);
    for (let j = axes.length - 1; j >= 0; j--) {
      const a = axes[j];
      body.push(
        `    let c${a} = rem_${from} % ${dimAt(a)}; rem_${from} = rem_${from} / ${dimAt(a)};`,
      );
    }
  };
  const loadsAndNodes = (pred: (i: number) => boolean) => {
    k.inputs.forEach((x, i) => {
      let e = offAt(i);
      for (let a = 0; a < rank; a++) if (x.strides[a] !== 0) e += ` + c${a} * ${strideAt(i, a)}`;
      body.push(`    let o${i} = ${e};`);
    });
    k.nodes.forEach((n, i) => {
      if (pred(i)) body.push(`    let v${i} = ${nodeExpr(n, k.nodes)};`);
    });
  };
  const all = k.shape.map((_, a) => a);
  const dep2 = needsReduction(k);
  if (!red) {
    coords(all, "i");
    loadsAndNodes(() => true);
    k.outputs.forEach((o, j) => body.push(`    out${j}[i] = v${o};`));
  } else {
    const kept = all.filter((a) => !reduced.has(a));
    const axes = all.filter((a) => reduced.has(a));
    // An f16 reduction accumulates in f32 and rounds once, when it stores the result.
    const half = k.nodes[red.node].dtype === "f16";
    const accType = half ? "f32" : k.nodes[red.node].dtype;
    const rt = wgslType(accType);
    coords(kept, "i");
    let count = "1u";
    for (const a of axes) count += ` * ${dimAt(a)}`;
    body.push(
      `    var acc: ${rt} = ${red.op === "sum" ? `${rt}(0)` : lowestOf(accType)};`,
    );
    body.push(`    let count = ${count};`);
    let pos = "0u";
    for (let a = 0; a < rank; a++) pos = `(${pos}) * ${dimAt(a)} + c${a}`;
    const writes = (pass2: boolean) =>
      k.outputs.forEach((o, j) => {
        if (dep2[o] === pass2) body.push(`    out${j}[${pos}] = v${o};`);
      });
    body.push(`    for (var j = 0u; j < count; j++) {`);
    coords(axes, "j");
    loadsAndNodes((i) => !dep2[i]);
    writes(false);
    const v = half ? `f32(v${red.node})` : `v${red.node}`;
    if (red.op === "sum") body.push(`    acc = acc + ${v};`);
    else if (rt === "f32") {
      body.push(`    acc = select(max(acc, ${v}), ${NAN}, ${v} != ${v} || acc != acc);`);
    } else body.push(`    acc = max(acc, ${v});`);
    body.push(`    }`);
    if (k.outputs.some((o) => dep2[o])) {
      body.push(`    for (var j = 0u; j < count; j++) {`);
      coords(axes, "j");
      loadsAndNodes(() => true);
      writes(true);
      body.push(`    }`);
    }
    body.push(`    out${k.outputs.length}[i] = ${half ? "f16(acc)" : "acc"};`);
  }
  return `${decls}${needsPow ? POWF : ""}${needsSpecial ? SPECIAL_WGSL : ""}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (i >= P(0u)) { return; }
${body.join("\n")}
}`;
}

/**
 * Record one dispatch of kernel `kernel` reading `inputs` and writing every
 * element of each buffer in `outputs`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2, 3]), "f32");
 *   const y = gpu.alloc("f32", 3);
 *   gpu.runFused({
 *     shape: [3],
 *     inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *     nodes: [{ fn: "load", input: 0, dtype: "f32" }, { fn: "neg", args: [0], dtype: "f32" }],
 *     outputs: [1],
 *   }, [x], [y]);
 *   assertEquals([...await gpu.read(y, "f32", 3)], [-1, -2, -3]);
 * }
 * ```
 */
export function runFusedWebGpu(
  host: KernelHost,
  kernel: FusedKernel,
  inputs: readonly GPUBuffer[],
  outputs: readonly GPUBuffer[],
): void {
  let ready = prepared.get(kernel);
  if (ready === undefined || ready.host !== host) {
    ready = prepare(host, kernel);
    prepared.set(kernel, ready);
  }
  if (ready.threads === 0) return;
  host.dispatch(ready.compiled, ready.params, [...inputs, ...outputs], ready.grid);
}

interface Prepared {
  host: KernelHost;
  compiled: Kernel;
  params: number[];
  threads: number;
  grid: Grid;
}

/** Pipelines and parameters per kernel object (compiled programs reuse them every step). */
const prepared = new WeakMap<FusedKernel, Prepared>();

function prepare(host: KernelHost, kernel: FusedKernel): Prepared {
  const k = collapseKernel(kernel);
  const threads = sizeOf(kernel.shape) === 0 && !k.reduce
    ? 0
    : k.reduce
    ? sizeOf(k.shape.filter((_, a) => !k.reduce!.axes.includes(a)))
    : sizeOf(k.shape);
  const params = paramsOf(k, threads);
  if (params.length > PARAM_WORDS) {
    throw new Error(
      `webgpu: a fused kernel over rank ${k.shape.length} with ${k.inputs.length} inputs needs ` +
        `${params.length} parameters, over ${PARAM_WORDS}`,
    );
  }
  const nOut = k.outputs.length + (k.reduce ? 1 : 0);
  const compiled = host.kernel(`fused:${kernelKey(k)}`, () => generate(k), k.inputs.length, nOut);
  return {
    host,
    compiled,
    params,
    threads,
    grid: flatGrid(threads, host.maxWorkgroupsPerDim, 64),
  };
}
