/**
 * Batches of small f32 products in one oneDNN call: a matmul primitive over `[batch, m, k]` ·
 * `[batch, k, n]`, built once per shape and kept, its operands' addresses set on each call.
 *
 * Attention runs one small product per batch element and head (768 products of 64×64×32 and
 * alike in a width-128 step); one `dnnl_sgemm` each costs 3–4 µs on an Intel Xeon (Sapphire
 * Rapids, 2 cores), the batch in one primitive 1.0–1.5 µs a product, spread over OpenMP's
 * threads, with the same bits there (`bench/matmul_reuse.ts --batched`); not on every machine, so
 * the CPU backend takes a shape's batch only where it gives those bits (`batched_bits.ts`).
 *
 * The primitive API is oneDNN 2.x's (`dnnl_matmul_desc_init`); with a oneDNN that lacks it
 * (3.x), {@linkcode openOneDnnBatched} answers `null` and products go one `dnnl_sgemm` each.
 *
 * @module
 */

const SYMBOLS = {
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_memory_desc_init_by_strides: {
    parameters: ["buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  dnnl_matmul_desc_init: {
    parameters: ["buffer", "buffer", "buffer", "pointer", "buffer"],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "buffer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "buffer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
} as const;

/** oneDNN 2.x's enum values the calls use (`dnnl_types.h`). */
const ENGINE_CPU = 1, STREAM_DEFAULT = 1, F32 = 3;
const ARG_SRC = 1, ARG_WEIGHTS = 33, ARG_DST = 17;
/** Bytes reserved for a `dnnl_memory_desc_t` (696 in 2.6) and a `dnnl_matmul_desc_t` (2,800). */
const MEMORY_DESC_BYTES = 2048, MATMUL_DESC_BYTES = 8192;
/** Primitives kept; past this the cache is emptied (a step uses a handful of shapes). */
const MAX_PRIMITIVES = 256;

/** One batch of products: `c[t] = op(a[t]) op(b[t])` for `t < batch`, matrices back to back. */
export interface BatchedArgs {
  /** The first left matrix (`[m,k]`, or `[k,m]` with `transA`), the others after it. */
  a: Float32Array;
  /** The first right matrix (`[k,n]`, or `[n,k]` with `transB`), the others after it. */
  b: Float32Array;
  /** The first `[m,n]` output, the others after it. */
  c: Float32Array;
  /** Products in the batch. */
  batch: number;
  /** Rows of each output. */
  m: number;
  /** Columns of each output. */
  n: number;
  /** The summed dimension. */
  k: number;
  /** Left matrices are stored `[k,m]`. */
  transA: boolean;
  /** Right matrices are stored `[n,k]`. */
  transB: boolean;
}

/** A batch of f32 products in one call. */
export type BatchedGemm = (args: BatchedArgs) => void;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A built primitive: its memory objects (addresses set per call) and its argument list. */
interface Built {
  primitive: Deno.PointerValue;
  desc: Deno.PointerValue;
  memories: Deno.PointerValue[];
  args: Uint8Array;
}

function check(status: number, what: string): void {
  if (status !== 0) {
    throw new Error(
      `matmul: oneDNN's ${what} returned status ${status} (set NUGRAD_ONEDNN=0 to use the BLAS ` +
        "library)",
    );
  }
}

/** Call `f` with an 8-byte out-parameter and return the pointer it wrote. */
function outPointer(f: (slot: Uint8Array) => number, what: string): Deno.PointerValue {
  const slot = new BigUint64Array(1);
  check(f(new Uint8Array(slot.buffer)), what);
  return Deno.UnsafePointer.create(slot[0]);
}

/**
 * Open the batched products of the oneDNN at `path`: `null` when the library does not open or
 * lacks oneDNN 2.x's primitive calls.
 *
 * @example
 * ```ts
 * import { openOneDnnBatched } from "./onednn_batched.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(openOneDnnBatched("/nonexistent/libdnnl.so"), null);
 * ```
 */
export function openOneDnnBatched(path: string): BatchedGemm | null {
  let s: Symbols;
  let engine: Deno.PointerValue, stream: Deno.PointerValue;
  try {
    s = Deno.dlopen(path, SYMBOLS).symbols;
    engine = outPointer((o) => s.dnnl_engine_create(o, ENGINE_CPU, 0n), "dnnl_engine_create");
    stream = outPointer((o) => s.dnnl_stream_create(o, engine, STREAM_DEFAULT), "stream_create");
  } catch {
    return null;
  }
  const memoryDesc = (dims: number[], strides: number[]): Uint8Array => {
    const desc = new Uint8Array(MEMORY_DESC_BYTES);
    const d = BigInt64Array.from(dims.map(BigInt)), st = BigInt64Array.from(strides.map(BigInt));
    check(s.dnnl_memory_desc_init_by_strides(desc, 3, d, F32, st), "memory_desc_init_by_strides");
    return desc;
  };
  const built = new Map<string, Built>();
  const build = (batch: number, m: number, n: number, k: number, tA: boolean, tB: boolean) => {
    const a = memoryDesc([batch, m, k], tA ? [m * k, 1, m] : [m * k, k, 1]);
    const b = memoryDesc([batch, k, n], tB ? [k * n, 1, k] : [k * n, n, 1]);
    const c = memoryDesc([batch, m, n], [m * n, n, 1]);
    const op = new Uint8Array(MATMUL_DESC_BYTES);
    check(s.dnnl_matmul_desc_init(op, a, b, null, c), "matmul_desc_init");
    const desc = outPointer(
      (o) => s.dnnl_primitive_desc_create(o, op, null, engine, null),
      "primitive_desc_create",
    );
    const primitive = outPointer((o) => s.dnnl_primitive_create(o, desc), "primitive_create");
    const memories = [a, b, c].map((md) =>
      outPointer((o) => s.dnnl_memory_create(o, md, engine, null), "memory_create")
    );
    const args = new Uint8Array(48);
    const view = new DataView(args.buffer);
    [ARG_SRC, ARG_WEIGHTS, ARG_DST].forEach((arg, i) => {
      view.setInt32(16 * i, arg, true);
      view.setBigUint64(16 * i + 8, BigInt(Deno.UnsafePointer.value(memories[i])), true);
    });
    return { primitive, desc, memories, args };
  };
  const forget = () => {
    for (const p of built.values()) {
      for (const mem of p.memories) s.dnnl_memory_destroy(mem);
      s.dnnl_primitive_destroy(p.primitive);
      s.dnnl_primitive_desc_destroy(p.desc);
    }
    built.clear();
  };
  return ({ a, b, c, batch, m, n, k, transA, transB }) => {
    const key = `${batch} ${m} ${n} ${k} ${transA} ${transB}`;
    let p = built.get(key);
    if (p === undefined) {
      if (built.size >= MAX_PRIMITIVES) forget();
      p = build(batch, m, n, k, transA, transB);
      built.set(key, p);
    }
    check(s.dnnl_memory_set_data_handle(p.memories[0], a), "memory_set_data_handle");
    check(s.dnnl_memory_set_data_handle(p.memories[1], b), "memory_set_data_handle");
    check(s.dnnl_memory_set_data_handle(p.memories[2], c), "memory_set_data_handle");
    check(s.dnnl_primitive_execute(p.primitive, stream, 3, p.args), "primitive_execute");
    check(s.dnnl_stream_wait(stream), "stream_wait");
  };
}
