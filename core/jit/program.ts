/**
 * A compiled program: the scheduled steps of one trace, a memory plan that
 * gives every intermediate a buffer of an arena reused across steps and
 * calls, and the replay that runs it on the target backend.
 *
 * @module
 */
import type { Backend, BackendBuffer, DType, PrimParams } from "../../kernels/backend.ts";
import { BYTES_PER_ELEMENT } from "../../kernels/backend.ts";
import type { Recorder, TraceStep } from "./trace_backend.ts";
import { schedule } from "./schedule.ts";
import { attachEpilogues, type ProgramUnit, unitInputs, unitOutputs } from "./epilogues.ts";
import { inlineSmallProducers } from "./inline.ts";
import { rematerialize } from "./remat.ts";

/** What a compiled program returns for one output leaf. */
export interface ProgramOutput {
  /** The value, or -1 for a non-tensor leaf. */
  readonly value: number;
  /** Its shape. */
  readonly shape: readonly number[];
  /** Its dtype. */
  readonly dtype: DType;
}

/** Counters of a compiled program. */
export interface ProgramStats {
  /** Steps recorded by the trace. */
  readonly traced: number;
  /** Steps left after removing unused work. */
  readonly live: number;
  /** Units run per call: fused kernels plus structural steps. */
  readonly units: number;
  /** Fused kernels among them (those run as matmul epilogues included). */
  readonly kernels: number;
  /** Matmuls whose consumer kernel runs on their output tiles (an epilogue). */
  readonly epilogues: number;
  /** Arena buffers held between calls. */
  readonly arenaBuffers: number;
  /** Kernels that compute an elementwise value again instead of reading it (`remat.ts`). */
  readonly recomputed: number;
  /** Bytes held by the arena. */
  readonly arenaBytes: number;
}

interface Planned {
  readonly unit: ProgramUnit;
  /** Values whose buffers can be freed (prim outputs) or reused (arena) after this unit. */
  readonly dead: readonly number[];
}

/**
 * A traced function, compiled for one input signature.
 */
export class Program {
  readonly #backend: Backend;
  readonly #rec: Recorder;
  readonly #plan: Planned[];
  readonly #outputs: readonly number[];
  readonly #inputOf: Map<number, number>;
  /**
   * Arena slot per intermediate value computed by a fused kernel, or by a structural step
   * (matmul, gather, ...) when the backend can run one into a given buffer (`runInto`).
   */
  readonly #slotOf = new Map<number, number>();
  readonly #slots: { dtype: DType; size: number; buffer: BackendBuffer | null }[] = [];
  readonly #consts = new Map<number, BackendBuffer>();
  /** Statistics (for tests and benchmarks). */
  readonly stats: ProgramStats;
  #disposed = false;

  /** @internal Compile the trace in `rec` whose results are `outputs`. */
  constructor(rec: Recorder, outputs: readonly number[]) {
    this.#backend = rec.target;
    this.#rec = rec;
    this.#outputs = outputs;
    this.#inputOf = new Map();
    rec.values.forEach((v) => {
      if (v.kind === "input") this.#inputOf.set(v.id, v.input!);
    });
    const inlined = inlineSmallProducers(
      liveSteps(rec.steps, outputs),
      new Set(outputs),
      rec.target.maxKernelBuffers,
    );
    // Recomputing values in distant readers may leave their producers unread.
    const remat = rematerialize(
      inlined,
      new Set(outputs),
      rec.target.maxKernelBuffers,
      rec.target.storeTranscendentalsBelow ?? 0,
    );
    const live = liveSteps(remat.steps, outputs);
    const scheduled = schedule(live, rec.values, new Set(outputs), rec.target.maxKernelBuffers);
    const fuseMatmuls = rec.target.runMatmulEpilogue !== undefined &&
      rec.target.runInto !== undefined;
    const units = fuseMatmuls
      ? attachEpilogues(scheduled, rec.values, new Set(outputs))
      : scheduled;
    this.#plan = planLifetimes(units, new Set(outputs));
    this.#assignSlots();
    let kernels = 0, epilogues = 0;
    for (const { unit } of this.#plan) {
      if (unit.kind !== "prim") kernels++;
      if (unit.kind === "epilogue") epilogues++;
    }
    let bytes = 0;
    for (const s of this.#slots) {
      bytes += s.size * BYTES_PER_ELEMENT[s.dtype];
    }
    this.stats = {
      traced: rec.steps.length,
      live: live.length,
      units: units.length,
      kernels,
      epilogues,
      arenaBuffers: this.#slots.length,
      recomputed: remat.recomputed,
      arenaBytes: bytes,
    };
  }

  /** Give each intermediate an arena slot, reusing slots whose value is dead. */
  #assignSlots(): void {
    const outputs = new Set(this.#outputs);
    const free = new Map<string, number[]>();
    const into = this.#backend.runInto !== undefined;
    // A value an epilogue writes over its product in place takes the product's slot, which
    // stays taken when the product dies.
    const overwritten = new Set<number>(); // products written over in place
    for (const { unit, dead } of this.#plan) {
      const computed = unit.kind === "fused" ? unit.outputs : into ? unitOutputs(unit) : [];
      const over = unit.kind === "epilogue" && unit.inPlace >= 0
        ? { product: unit.matmul.out, value: unit.fused.outputs[unit.inPlace] }
        : null;
      for (const v of computed) {
        if (over?.value === v && this.#slotOf.has(over.product)) {
          this.#slotOf.set(v, this.#slotOf.get(over.product)!);
          overwritten.add(over.product);
          continue;
        }
        if (outputs.has(v)) continue;
        const val = this.#rec.values[v];
        const key = `${val.dtype}:${val.size}`;
        const list = free.get(key);
        let slot = list?.pop();
        if (slot === undefined) {
          slot = this.#slots.length;
          this.#slots.push({ dtype: val.dtype, size: val.size, buffer: null });
        }
        this.#slotOf.set(v, slot);
      }
      for (const v of dead) {
        const slot = this.#slotOf.get(v);
        if (slot === undefined || overwritten.has(v)) continue;
        const val = this.#rec.values[v];
        const key = `${val.dtype}:${val.size}`;
        const list = free.get(key);
        if (list) list.push(slot);
        else free.set(key, [slot]);
      }
    }
  }

  /** Run the program on `inputs` (one buffer per tensor argument); returns one fresh buffer per output. */
  run(inputs: readonly BackendBuffer[]): BackendBuffer[] {
    if (this.#disposed) throw new Error("jit: the compiled function was disposed");
    const be = this.#backend;
    const bufs = new Map<number, BackendBuffer>();
    const fresh = new Set<BackendBuffer>();
    const owned = new Set<BackendBuffer>(); // structural outputs this call must release
    const outputs = new Set(this.#outputs);
    const bufferOf = (v: number): BackendBuffer => {
      const known = bufs.get(v);
      if (known) return known;
      const val = this.#rec.values[v];
      let b: BackendBuffer;
      if (val.kind === "input") b = inputs[val.input!];
      else if (val.kind === "const") {
        b = this.#consts.get(v) ?? be.upload(val.data!, val.dtype);
        this.#consts.set(v, b);
      } else if (val.kind === "captured") {
        b = val.captured!;
        if ((b as { released?: boolean }).released === true) {
          throw new Error(
            "jit: a tensor the traced function captured from outside was disposed; pass it as an " +
              "argument instead of closing over it",
          );
        }
      } else {
        throw new Error(`jit: internal error: value ${v} (${val.kind}) has no buffer`);
      }
      bufs.set(v, b);
      return b;
    };
    try {
      /** The buffer computed value `v` is written to: fresh for a program output, else its slot. */
      const outBuffer = (v: number): BackendBuffer => {
        let b: BackendBuffer;
        if (outputs.has(v)) {
          const val = this.#rec.values[v];
          b = be.alloc(val.dtype, val.size);
          fresh.add(b);
        } else {
          const slot = this.#slots[this.#slotOf.get(v)!];
          slot.buffer ??= be.alloc(slot.dtype, slot.size);
          b = slot.buffer;
        }
        bufs.set(v, b);
        return b;
      };
      for (const { unit, dead } of this.#plan) {
        if (unit.kind === "fused") {
          const ins = unit.inputs.map(bufferOf);
          be.runFused(unit.kernel, ins, unit.outputs.map(outBuffer));
        } else if (unit.kind === "epilogue") {
          const { matmul, fused } = unit;
          const operands = matmul.inputs.map((x) => ({
            buffer: bufferOf(x.value),
            shape: x.shape,
            dtype: x.dtype,
          }));
          const target = outBuffer(matmul.out);
          const ins = fused.inputs.map(bufferOf);
          const outs = fused.outputs.map((v) => outBuffer(v));
          be.runMatmulEpilogue!(
            operands,
            matmul.params as PrimParams["matmul"],
            matmul.spec,
            target,
            { kernel: fused.kernel, inputs: ins, outputs: outs },
          );
        } else {
          const operands = unit.inputs.map((x) => ({
            buffer: bufferOf(x.value),
            shape: x.shape,
            dtype: x.dtype,
          }));
          const at = this.#slotOf.get(unit.out);
          if (at !== undefined && be.runInto) {
            const slot = this.#slots[at];
            slot.buffer ??= be.alloc(slot.dtype, slot.size);
            be.runInto(unit.prim, operands, unit.params, unit.spec, slot.buffer);
            bufs.set(unit.out, slot.buffer);
          } else {
            const b = be.run(unit.prim, operands, unit.params, unit.spec);
            bufs.set(unit.out, b);
            if (outputs.has(unit.out)) fresh.add(b);
            else owned.add(b);
          }
        }
        for (const v of dead) {
          const b = bufs.get(v);
          if (b && owned.delete(b)) be.release(b);
        }
      }
      return this.#outputs.map((v) => {
        const b = bufferOf(v);
        if (fresh.has(b)) {
          fresh.delete(b);
          return b;
        }
        // An input, constant or captured value returned as it is: hand out a copy.
        return copyOf(be, b, this.#rec.values[v].dtype, this.#rec.values[v].size);
      });
    } catch (e) {
      for (const b of fresh) be.release(b);
      throw e;
    } finally {
      for (const b of owned) be.release(b);
    }
  }

  /** Free the arena and constants. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of this.#slots) {
      if (s.buffer) this.#backend.release(s.buffer);
      s.buffer = null;
    }
    for (const b of this.#consts.values()) this.#backend.release(b);
    this.#consts.clear();
  }
}

function copyOf(be: Backend, b: BackendBuffer, dtype: DType, size: number): BackendBuffer {
  const out = be.alloc(dtype, size);
  be.runFused(
    {
      shape: [size],
      inputs: [{ dtype, strides: [1], offset: 0 }],
      nodes: [{ fn: "load", input: 0, dtype }],
      outputs: [0],
    },
    [b],
    [out],
  );
  return out;
}

/** The steps that contribute to `outputs`, in order. */
function liveSteps(steps: readonly TraceStep[], outputs: readonly number[]): TraceStep[] {
  const needed = new Set(outputs);
  const keep: boolean[] = new Array(steps.length).fill(false);
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    const outs = s.kind === "fused" ? s.outputs : [s.out];
    if (!outs.some((v) => needed.has(v))) continue;
    keep[i] = true;
    const ins = s.kind === "fused" ? s.inputs : s.inputs.map((x) => x.value);
    for (const v of ins) needed.add(v);
  }
  // A fused step keeps all its outputs; unused ones are dropped by the scheduler's groups.
  return steps.filter((_, i) => keep[i]);
}

/** For each unit, the values whose last use it is (outputs excluded). */
function planLifetimes(units: readonly ProgramUnit[], outputs: ReadonlySet<number>): Planned[] {
  const last = new Map<number, number>();
  units.forEach((u, i) => {
    for (const v of [...unitInputs(u), ...unitOutputs(u)]) last.set(v, i);
  });
  const dead: number[][] = units.map(() => []);
  for (const [v, i] of last) if (!outputs.has(v)) dead[i].push(v);
  return units.map((unit, i) => ({ unit, dead: dead[i] }));
}
