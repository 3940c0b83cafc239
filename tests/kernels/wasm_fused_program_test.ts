/**
 * Random fused kernels (programs over random views, like `tests/core/jit_test.ts` builds
 * random programs) through the WebAssembly SIMD renderer and the JavaScript renderer: the same
 * values within f32 tolerance. Covers every scalar function, broadcasts (stride 0), transposed,
 * strided and flipped views (gathered lanes), bool inputs, masks and outputs, reductions over
 * every axis pattern (sum, max), row kernels whose second pass reads the finished reduction,
 * row lengths that are not multiples of 4, and arrays that live in the kernels' memory (no
 * copy). One run has relaxed SIMD forced off.
 */
import { runFusedJs } from "../../kernels/cpu/codegen.ts";
import { runFusedWasm, setFusedWasm } from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { fusedAlloc, fusedFree } from "../../kernels/cpu/wasm/fused_memory.ts";
import {
  type FusedKernel,
  kernelOutputs,
  ProgramBuilder,
  type ScalarFn,
} from "../../kernels/fused.ts";
import type { DataArray, DType } from "../../kernels/backend.ts";
import { assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

type View = "contiguous" | "broadcast" | "transposed" | "flipped" | "strided";

interface Case {
  kernel: FusedKernel;
  data: DataArray[];
  resident: boolean;
}

const UNARY: ScalarFn[] = ["neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "sign"];
const BINARY: ScalarFn[] = ["add", "sub", "mul", "div", "pow", "max", "min", "atan2"];
const COMPARE: ScalarFn[] = ["lt", "le", "gt", "ge", "eq", "ne"];

/** Strides (elements) and offset of `view` over `shape`, and the buffer length it needs. */
function viewOf(view: View, shape: number[], pick: number[]) {
  const rank = shape.length;
  let strides = new Array<number>(rank).fill(0);
  let acc = 1;
  const order = view === "transposed" ? [...shape.keys()] : [...shape.keys()].reverse();
  for (const a of order) {
    if (view === "broadcast" && pick[a] % 2 === 0) continue;
    strides[a] = acc;
    acc *= shape[a];
  }
  let offset = 0;
  if (view === "strided") {
    strides = strides.map((s) => 2 * s);
    offset = 1;
  }
  if (view === "flipped") {
    const a = pick[0] % rank;
    offset = (shape[a] - 1) * strides[a];
    strides[a] = -strides[a];
  }
  let last = offset;
  shape.forEach((d, a) => (last += strides[a] > 0 ? (d - 1) * strides[a] : 0));
  return { strides, offset, length: last + 1 };
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
  inputs: fc.array(
    fc.record({
      view: fc.constantFrom<View>("contiguous", "broadcast", "transposed", "flipped", "strided"),
      pick: fc.array(fc.nat(5), { minLength: 3, maxLength: 3 }),
      bool: fc.nat(3).map((n) => n === 0),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  ops: fc.array(fc.tuple(fc.nat(20), fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 7 }),
  outputs: fc.array(fc.nat(), { minLength: 0, maxLength: 2 }),
  reduce: fc.constantFrom("none", "sum", "max", "rowSum", "rowMax"),
  axes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  second: fc.nat(2),
  resident: fc.boolean(),
  seed: fc.nat(),
}).map((c) => {
  const shape = c.shape;
  const b = new ProgramBuilder();
  const f32: number[] = [], loads: number[] = [];
  const inputs = c.inputs.map((x, i) => {
    const dtype: DType = x.bool ? "bool" : "f32";
    const v = viewOf(x.view, shape, x.pick);
    const node = b.load(i, dtype);
    loads.push(node);
    f32.push(x.bool ? b.fn("cast", [node], "f32") : node);
    return { dtype, strides: v.strides, offset: v.offset, length: v.length };
  });
  const any = (n: number) => f32[n % f32.length];
  const guarded = (n: number) =>
    b.fn("add", [b.fn("abs", [n], "f32"), b.constant(0.5, "f32")], "f32");
  // Loaded values are exact in both renderers: the functions that jump (sign at 0, atan2 across
  // its branch cut) read only those, or a few ulps between the renderers upstream turn into a
  // jump of 2 (or 2π) here. sin and cos read an argument within ±3 (their whole domain is
  // tested in wasm_fused_math_test.ts): past a few thousand an ulp of the argument is more than
  // the tolerance of the value, and a chain of them multiplies a difference by the bound each
  // time (seven chained with a bound of 20 did).
  // exp reads an argument within ±4. The JavaScript renderer keeps a kernel's intermediate
  // values in f64: exp of exp goes past f32's range (finite there, infinite in Wasm, and then
  // Inf − Inf), and x + e^15 − e^15 keeps x there and loses it to f32's rounding in Wasm.
  const loaded = (n: number) => f32[n % loads.length];
  const bounded = (n: number, bound: number) =>
    b.fn("mul", [b.fn("tanh", [n], "f32"), b.constant(bound, "f32")], "f32");
  const bools: number[] = [];
  for (const [kind, p, q, r] of c.ops) {
    if (kind < 9) {
      const fn = UNARY[kind];
      const x = fn === "sign" ? loaded(p) : any(p);
      const arg = fn === "log" || fn === "sqrt"
        ? guarded(x)
        : fn === "sin" || fn === "cos"
        ? bounded(x, 3)
        : fn === "exp"
        ? bounded(x, 4)
        : x;
      f32.push(b.fn(fn, [arg], "f32"));
    } else if (kind < 17) {
      const fn = BINARY[kind - 9];
      const x = fn === "atan2" ? loaded(p) : any(p), y = fn === "atan2" ? loaded(q) : any(q);
      if (fn === "div") f32.push(b.fn("div", [x, guarded(y)], "f32"));
      else if (fn === "pow") {
        const e = b.fn("mul", [b.fn("tanh", [y], "f32"), b.constant(3, "f32")], "f32");
        f32.push(b.fn("pow", [guarded(x), e], "f32"));
      } else f32.push(b.fn(fn, [x, y], "f32"));
    } else {
      // Comparisons of loaded values (exact in both renderers), then a select or a cast.
      const fn = COMPARE[r % COMPARE.length];
      const x = f32[p % loads.length],
        y = q % 3 === 0 ? b.constant(0.25, "f32") : f32[q % loads.length];
      const m = b.fn(fn, [x, y], "bool");
      bools.push(m);
      f32.push(kind === 17 ? b.fn("cast", [m], "f32") : b.fn("select", [m, any(q), any(r)], "f32"));
    }
  }
  const outputs = [...new Set(c.outputs.map(any))];
  if (bools.length > 0 && c.seed % 3 === 0) outputs.push(bools[0]);
  const rank = shape.length;
  let reduce: FusedKernel["reduce"];
  const node = f32[f32.length - 1];
  if (c.reduce === "sum" || c.reduce === "max") {
    const axes = shape.map((_, a) => a).filter((a) => c.axes[a]);
    reduce = { op: c.reduce, node, axes: axes.length > 0 ? axes : [rank - 1] };
    if (!outputs.includes(node)) outputs.push(node); // its values give the tolerance
  } else if (c.reduce === "rowSum" || c.reduce === "rowMax") {
    reduce = { op: c.reduce === "rowSum" ? "sum" : "max", node, axes: [rank - 1] };
    if (!outputs.includes(node)) outputs.push(node);
    const t = b.reduced("f32");
    const x = any(c.seed);
    const second = c.second === 0
      ? b.fn("sub", [x, t], "f32")
      : c.second === 1
      ? b.fn("mul", [x, t], "f32")
      : b.fn(
        "div",
        [x, b.fn("add", [b.fn("abs", [t], "f32"), b.constant(1, "f32")], "f32")],
        "f32",
      );
    outputs.push(second);
  }
  if (outputs.length === 0 && !reduce) outputs.push(node);
  const kernel: FusedKernel = {
    shape,
    inputs: inputs.map(({ dtype, strides, offset }) => ({ dtype, strides, offset })),
    nodes: b.nodes,
    outputs,
    ...(reduce ? { reduce } : {}),
  };
  let s = c.seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const data = inputs.map((x) =>
    x.dtype === "bool"
      ? Uint8Array.from({ length: x.length }, () => (rnd() < 0.5 ? 1 : 0))
      : Float32Array.from({ length: x.length }, () => {
        const u = rnd();
        return u < 0.05 ? 0 : u < 0.1 ? -1.5 : (rnd() - 0.5) * 6;
      })
  );
  return { kernel, data, resident: c.resident };
});

function alloc(dtype: DType, size: number, resident: boolean): DataArray {
  if (resident) return fusedAlloc(dtype as "f32" | "bool", size);
  return dtype === "bool" ? new Uint8Array(size) : new Float32Array(size);
}

/** Run both renderers and compare. */
function check({ kernel, data, resident }: Case): void {
  const specs = kernelOutputs(kernel);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const js = specs.map((s) => alloc(s.dtype, size(s.shape), false));
  const ins = data.map((d) => {
    if (!resident) return d;
    const a = alloc(d instanceof Uint8Array ? "bool" : "f32", d.length, true);
    a.set(d);
    return a;
  });
  const wasm = specs.map((s) => alloc(s.dtype, size(s.shape), resident));
  try {
    runFusedJs(kernel, data, js);
    assertTrue(runFusedWasm(kernel, ins, wasm), "kernel not rendered to Wasm");
    // Reductions: error grows with the reduced count and the size of what is summed.
    const red = kernel.reduce;
    let scale = 1;
    if (red) {
      const j = kernel.outputs.indexOf(red.node);
      const full = js[j] as Float32Array;
      const n = red.axes.reduce((a, x) => a * kernel.shape[x], 1);
      let m = 0;
      for (const v of full) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
      scale = 1 + n * m;
    }
    specs.forEach((_, o) => {
      const isRed = red !== undefined && o === specs.length - 1;
      const rowSecond = red !== undefined && kernel.nodes.some((n) => n.fn === "reduced");
      const tol = (v: number) => 2e-4 * (1 + Math.abs(v)) + (isRed || rowSecond ? 2e-5 * scale : 0);
      for (let i = 0; i < js[o].length; i++) {
        const w = js[o][i], g = wasm[o][i];
        const same = Object.is(w, g) || (Number.isNaN(w) && Number.isNaN(g)) ||
          (Number.isFinite(w) && Math.abs(w - g) <= tol(w) * (rowSecond ? 1 + Math.abs(g) : 1));
        assertTrue(
          same,
          `output ${o}[${i}]: js ${w}, wasm ${g}\nkernel ${JSON.stringify(kernel)}`,
        );
      }
    });
  } finally {
    if (resident) [...ins, ...wasm].forEach(fusedFree);
  }
}

Deno.test("random fused kernels: Wasm SIMD equals the JavaScript renderer", () => {
  const before = setFusedWasm({ enabled: true });
  try {
    fc.assert(fc.property(caseArb, check), { numRuns: 200 });
  } finally {
    setFusedWasm(before);
  }
});

Deno.test("random fused kernels with relaxed SIMD forced off", () => {
  const before = setFusedWasm({ enabled: true, relaxed: false });
  try {
    fc.assert(fc.property(caseArb, check), { numRuns: 60 });
  } finally {
    setFusedWasm(before);
  }
});

Deno.test("every reduction axis pattern of a rank-3 kernel, rows of 1 to 6 elements", () => {
  const before = setFusedWasm({ enabled: true });
  try {
    for (const shape of [[3, 5, 6], [2, 7, 1], [4, 1, 5]]) {
      for (let mask = 1; mask < 8; mask++) {
        const axes = [0, 1, 2].filter((a) => (mask >> a) & 1);
        for (const op of ["sum", "max"] as const) {
          const b = new ProgramBuilder();
          const x = b.load(0, "f32");
          const y = b.fn("mul", [b.fn("exp", [x], "f32"), b.load(1, "f32")], "f32");
          // Input 0 transposed (axis 0 fastest), input 1 broadcast along axis 1.
          const s0 = [1, shape[0] * shape[2], shape[0]];
          const kernel: FusedKernel = {
            shape,
            inputs: [
              { dtype: "f32", strides: s0, offset: 0 },
              { dtype: "f32", strides: [shape[2], 0, 1], offset: 0 },
            ],
            nodes: b.nodes,
            outputs: [y],
            reduce: { op, node: y, axes },
          };
          const n = shape[0] * shape[1] * shape[2];
          const data = [
            Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 2),
            Float32Array.from({ length: shape[0] * shape[2] }, (_, i) => Math.cos(i) + 0.1),
          ];
          check({ kernel, data, resident: mask % 2 === 0 });
        }
      }
    }
  } finally {
    setFusedWasm(before);
  }
});
