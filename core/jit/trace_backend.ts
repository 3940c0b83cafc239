/**
 * The recording backend behind `nu.jit`: while a function is traced, every
 * buffer operation the core would send to the real backend (uploads,
 * generated kernels, structural primitives) is recorded as a step of a
 * program instead of being run. Transposes, broadcasts and slices become
 * views that later kernels read through their strides; primitives lowered to
 * fused kernels (reductions, log-softmax, normalization) arrive here as those
 * kernels, through `runFused`.
 *
 * @module
 */
import { readInsideTraceError } from "../trace_context.ts";
import type {
  Backend,
  BackendBuffer,
  BackendMemory,
  DataArray,
  DType,
  FusedRunOptions,
  Operand,
  OutSpec,
  Prim,
  PrimParams,
} from "../../kernels/backend.ts";
import { stridesOf } from "../../kernels/backend.ts";
import type { FusedKernel, KernelInput } from "../../kernels/fused.ts";
import type { TraceBackend } from "../trace_context.ts";
import { isViewPrim, viewAfter } from "../../kernels/views.ts";
import { reshapeView, type View } from "./views.ts";

/** A value of a traced program. */
export interface TraceValue {
  /** Its id (index in the program's value list). */
  readonly id: number;
  /** Element type. */
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
  /** Where it comes from. */
  readonly kind: "input" | "const" | "captured" | "computed" | "view";
  /** For inputs: which tensor argument (flattened order). */
  readonly input?: number;
  /** For constants: the data (copied at upload). */
  readonly data?: DataArray;
  /** For captured tensors of the real backend: their buffer. */
  readonly captured?: BackendBuffer;
  /** For views: the viewed (non-view) value and the view. */
  readonly base?: number;
  /** The view's shape, strides and offset over `base`. */
  readonly view?: View;
}

/** One recorded step. */
export type TraceStep =
  | {
    readonly kind: "fused";
    readonly kernel: FusedKernel;
    readonly inputs: readonly number[];
    readonly outputs: readonly number[];
  }
  | {
    readonly kind: "prim";
    readonly prim: Prim;
    readonly inputs: readonly { value: number; shape: readonly number[]; dtype: DType }[];
    readonly params: PrimParams[Prim];
    readonly out: number;
    readonly spec: OutSpec;
  };

/** A buffer of the recording backend: a program value. */
export class TraceBuffer implements BackendBuffer {
  /** Always `"jit-trace"`. */
  readonly backend = "jit-trace";
  /** @internal */
  constructor(readonly value: number) {}
}

/** The error every value read inside a traced function gets. */
export { readInsideTraceError } from "../trace_context.ts";

/**
 * A recording backend for one trace of `target`.
 *
 * @example
 * ```ts
 * import { Recorder } from "./trace_backend.ts";
 * import { cpuBackend } from "../backends.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const rec = new Recorder(cpuBackend());
 * const x = rec.input(0, "f32", 4);
 * const y = rec.alloc("f32", 4);
 * rec.runFused({
 *   shape: [4],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }, { fn: "exp", args: [0], dtype: "f32" }],
 *   outputs: [1],
 * }, [x], [y]);
 * assertEquals(rec.steps.length, 1);
 * ```
 */
export class Recorder implements TraceBackend {
  /** The backend the program will run on. */
  readonly target: Backend;
  /** Values, by id. */
  readonly values: TraceValue[] = [];
  /** Steps, in the order they were recorded. */
  readonly steps: TraceStep[] = [];
  readonly #captured = new Map<BackendBuffer, number>();
  readonly #materialized = new Map<number, number>();

  /** @internal */
  constructor(target: Backend) {
    this.target = target;
  }

  /** The target's name, so that code branching on it behaves as it will at run time. */
  get name(): string {
    return this.target.name;
  }
  /** The target's dtypes. */
  get dtypes(): readonly DType[] {
    return this.target.dtypes;
  }
  /** The target's kernel buffer limit. */
  get maxKernelBuffers(): number {
    return this.target.maxKernelBuffers;
  }
  /** The target's size below which transcendental values are stored (`core/jit/remat.ts`). */
  get storeTranscendentalsBelow(): number | undefined {
    return this.target.storeTranscendentalsBelow;
  }

  #add(v: Omit<TraceValue, "id">): number {
    const id = this.values.length;
    this.values.push({ id, ...v });
    return id;
  }

  /** A placeholder for tensor argument `index`. */
  input(index: number, dtype: DType, size: number): TraceBuffer {
    return new TraceBuffer(this.#add({ dtype, size, kind: "input", input: index }));
  }

  /** The value of a buffer: traced, or a captured buffer of the target. */
  valueOf(buffer: BackendBuffer, dtype: DType, size: number): number {
    if (buffer instanceof TraceBuffer) return buffer.value;
    let id = this.#captured.get(buffer);
    if (id === undefined) {
      id = this.#add({ dtype, size, kind: "captured", captured: buffer });
      this.#captured.set(buffer, id);
    }
    return id;
  }

  /** Records a constant. */
  upload(data: DataArray, dtype: DType): BackendBuffer {
    return new TraceBuffer(
      this.#add({ dtype, size: data.length, kind: "const", data: data.slice() }),
    );
  }

  /** Reading is not possible while tracing. */
  read(_buffer: BackendBuffer, _dtype: DType, _size: number): Promise<DataArray> {
    throw readInsideTraceError("data");
  }

  /** Reading is not possible while tracing. */
  readSync(_buffer: BackendBuffer, _dtype: DType, _size: number): DataArray {
    throw readInsideTraceError("dataSync");
  }

  /** Nothing to free: the program owns its buffers. */
  release(_buffer: BackendBuffer): void {}

  /** A value a later step will compute. */
  alloc(dtype: DType, size: number): BackendBuffer {
    return new TraceBuffer(this.#add({ dtype, size, kind: "computed" }));
  }

  /** The value `id` as a contiguous (non-view) value, copying a view once if needed. */
  contiguous(id: number): number {
    const v = this.values[id];
    if (v.kind !== "view") return id;
    const known = this.#materialized.get(id);
    if (known !== undefined) return known;
    const out = this.#add({ dtype: v.dtype, size: v.size, kind: "computed" });
    const view = v.view!;
    this.steps.push({
      kind: "fused",
      kernel: {
        shape: view.shape,
        inputs: [{ dtype: v.dtype, strides: view.strides, offset: view.offset }],
        nodes: [{ fn: "load", input: 0, dtype: v.dtype }],
        outputs: [0],
      },
      inputs: [v.base!],
      outputs: [out],
    });
    this.#materialized.set(id, out);
    return out;
  }

  /** The view through which a value of logical `shape` reads its base. */
  #viewOf(id: number, shape: readonly number[]): { base: number; view: View } {
    const v = this.values[id];
    if (v.kind === "view") {
      const r = reshapeView(v.view!, shape);
      if (r !== null) return { base: v.base!, view: r };
      const c = this.contiguous(id);
      return { base: c, view: { shape, strides: stridesOf(shape), offset: 0 } };
    }
    return { base: id, view: { shape, strides: stridesOf(shape), offset: 0 } };
  }

  /**
   * Records a generated kernel, folding view inputs into its strides (run options are the
   * compiled program's to choose, not the trace's).
   */
  runFused(
    kernel: FusedKernel,
    inputs: readonly BackendBuffer[],
    outputs: readonly BackendBuffer[],
    _options?: FusedRunOptions,
  ): void {
    const shape = kernel.shape;
    const ids: number[] = [];
    const views: KernelInput[] = kernel.inputs.map((x, i) => {
      const id = this.valueOf(inputs[i], x.dtype, 0);
      const val = this.values[id];
      if (val.kind !== "view") {
        ids.push(id);
        return x;
      }
      // The kernel reads a contiguous operand of shape `opShape` (0 strides broadcast).
      const opShape = shape.map((d, a) => (x.strides[a] === 0 ? 1 : d));
      const expect = stridesOf(opShape);
      const plain = x.offset === 0 &&
        opShape.every((d, a) => d === 1 || x.strides[a] === expect[a]);
      const seen = plain ? this.#viewOf(id, opShape) : null;
      if (seen === null) {
        ids.push(this.contiguous(id));
        return x;
      }
      ids.push(seen.base);
      return {
        dtype: x.dtype,
        strides: shape.map((_, a) => (x.strides[a] === 0 ? 0 : seen.view.strides[a])),
        offset: seen.view.offset,
      };
    });
    this.steps.push({
      kind: "fused",
      kernel: { ...kernel, inputs: views },
      inputs: ids,
      outputs: outputs.map((b) => (b as TraceBuffer).value),
    });
  }

  /** Records a structural primitive (views for transpose, broadcast, slice and flip). */
  run<P extends Prim>(
    prim: P,
    inputs: readonly Operand[],
    params: PrimParams[P],
    out: OutSpec,
  ): BackendBuffer {
    const size = out.shape.reduce((a, b) => a * b, 1);
    if (isViewPrim(prim)) {
      const x = inputs[0];
      const id = this.valueOf(x.buffer, x.dtype, x.shape.reduce((a, b) => a * b, 1));
      const { base, view } = this.#viewOf(id, x.shape);
      const next = viewAfter(prim, params as PrimParams[typeof prim], view, out.shape);
      return new TraceBuffer(this.#add({ dtype: out.dtype, size, kind: "view", base, view: next }));
    }
    const recorded = inputs.map((x) => {
      const n = x.shape.reduce((a, b) => a * b, 1);
      return {
        value: this.contiguous(this.valueOf(x.buffer, x.dtype, n)),
        shape: x.shape,
        dtype: x.dtype,
      };
    });
    const outId = this.#add({ dtype: out.dtype, size, kind: "computed" });
    this.steps.push({
      kind: "prim",
      prim,
      inputs: recorded,
      params: params as PrimParams[Prim],
      out: outId,
      spec: out,
    });
    return new TraceBuffer(outId);
  }

  /** The target's memory. */
  memory(): BackendMemory {
    return this.target.memory();
  }

  /** Nothing is queued. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Names the target. */
  info(): string {
    return `jit trace of ${this.target.info()}`;
  }
}
