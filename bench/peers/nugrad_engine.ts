/**
 * nugrad as a benchmark engine, through its public API (`mod.ts`) on a chosen
 * backend: the CPU backend with BLAS, its Wasm SIMD or TypeScript matmul,
 * or the WebGPU backend.
 *
 * @example
 * ```ts
 * import { createCpuBackend } from "../../kernels/cpu/backend.ts";
 * import { nugradEngine } from "./nugrad_engine.ts";
 * import { caseInputs, matmulCase } from "./engine.ts";
 * const engine = nugradEngine("nugrad-cpu", createCpuBackend(), "cpu");
 * const c = matmulCase(64, 64, 64);
 * const p = engine.prepare(c, caseInputs(c, 1));
 * if (typeof p !== "string") {
 *   await p.run(3);
 *   p.dispose();
 * }
 * ```
 *
 * @module
 */
import * as nu from "../../mod.ts";
import type { Backend } from "../../kernels/backend.ts";
import { type BenchCase, caseInputShapes, type Engine, type Prepared } from "./engine.ts";

/** Options of {@linkcode nugradEngine}. */
export interface NugradEngineOptions {
  /** Skip matmul cases with more flops than this (the TS fallback is slow). */
  maxMatmulFlops?: number;
  /** Run only matmul cases (the fallback shares every other kernel with BLAS). */
  matmulOnly?: boolean;
}

/** The op one case issues, on already-uploaded tensors. */
function opOf(c: BenchCase): (xs: nu.Tensor[]) => nu.Tensor {
  switch (c.kind) {
    case "matmul":
      return ([a, b]) => nu.matmul(a, b, { transA: c.transA, transB: c.transB });
    case "add":
    case "overhead":
      return ([a, b]) => nu.add(a, b);
    case "exp":
      return ([a]) => nu.exp(a);
    case "softmax":
      // One primitive on the last axis; tidy frees any intermediate of another axis's path.
      return ([a]) => nu.tidy(() => nu.softmax(a));
  }
}

/**
 * An engine running nugrad on `backend`. `run(reps)` issues `reps` ops,
 * disposing each result but the last, then reads one element of the last.
 *
 * @example
 * ```ts
 * import { createCpuBackend } from "../../kernels/cpu/backend.ts";
 * import { nugradEngine } from "./nugrad_engine.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const ts = nugradEngine("nugrad-ts", createCpuBackend({ blas: false }), "cpu", {
 *   matmulOnly: true,
 * });
 * assertEquals([ts.name, ts.info.includes("matmul: TypeScript")], ["nugrad-ts", true]);
 * ```
 */
export function nugradEngine(
  name: string,
  backend: Backend,
  device: "cpu" | "gpu",
  opts: NugradEngineOptions = {},
): Engine {
  return {
    name,
    device,
    info: `nugrad ${backend.info()}`,
    sync: "one 4-byte readback (slice of the last result, `await t.data()`)",
    prepare(c: BenchCase, inputs: readonly Float32Array[]): Prepared | string {
      if (opts.matmulOnly && c.kind !== "matmul") {
        return "same TypeScript kernel as nugrad-cpu";
      }
      if (c.kind === "matmul" && opts.maxMatmulFlops !== undefined) {
        const flops = 2 * c.m * c.k * c.n;
        if (flops > opts.maxMatmulFlops) return "too slow at this size";
      }
      const shapes = caseInputShapes(c);
      const xs = inputs.map((data, i) => nu.fromData(data, shapes[i], { backend }));
      const op = opOf(c);
      return {
        async run(reps: number): Promise<void> {
          let last: nu.Tensor | null = null;
          for (let r = 0; r < reps; r++) {
            const y = op(xs);
            last?.dispose();
            last = y;
          }
          const probe = nu.slice(last!, last!.shape.map(() => 0), last!.shape.map(() => 1));
          last!.dispose();
          await probe.data();
          probe.dispose();
        },
        async first(): Promise<number> {
          const y = op(xs);
          const probe = nu.slice(y, y.shape.map(() => 0), y.shape.map(() => 1));
          y.dispose();
          const v = (await probe.data())[0] as number;
          probe.dispose();
          return v;
        },
        dispose(): void {
          for (const x of xs) x.dispose();
        },
      };
    },
  };
}
