/**
 * What `transfer fit` may call validated: a run is *held out* only when no run the fit used has
 * the same size and the same configuration (every dimension but the base learning rate, the seed
 * and the parameterization: width, depth, steps, head size, batch, sequence length, data). A
 * validation run at a fitted size and configuration is *fitted*, whatever folder it sits in; the
 * base size, which every slope needs as its anchor, is such a row, and the report says so.
 * {@linkcode checkHeldOut} refuses — naming the size and configuration — when a size or
 * configuration declared as held out turns out to have been used in the fit.
 *
 * @example
 * ```ts
 * import { configKey } from "./fit_held_out.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const spec = { width: 64, depth: 2, steps: 200, headSize: 16, batch: 16, seq: 32, dataset: "brown" };
 * assertEquals(configKey(spec as never), "width 64, depth 2, steps 200, head size 16, batch 16, seq 32, data brown");
 * ```
 *
 * @module
 */
import type { RunResult, RunSpec } from "../plan/types.ts";

/**
 * The model and data a run trained (its size included), as readable text; two runs with the
 * same key differ only in learning rate, seed or parameterization.
 *
 * @example
 * ```ts
 * import { configKey } from "./fit_held_out.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const a = { width: 64, depth: 2, steps: 200, headSize: 16, batch: 16, seq: 32, dataset: "b" };
 * assertTrue(configKey(a as never) !== configKey({ ...a, seq: 64 } as never));
 * ```
 */
export function configKey(
  spec: Pick<RunSpec, "width" | "depth" | "steps" | "headSize" | "batch" | "seq" | "dataset">,
): string {
  return `width ${spec.width}, depth ${spec.depth}, steps ${spec.steps}, head size ` +
    `${spec.headSize}, batch ${spec.batch}, seq ${spec.seq}, data ${spec.dataset}`;
}

/** How a validation row was obtained. */
export type Provenance = "fitted" | "held-out";

/**
 * Labels each distinct configuration of `validation` runs: `fitted` when some fit run shares
 * it, else `held-out`.
 *
 * @example
 * ```ts
 * import { provenance } from "./fit_held_out.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const run = (width: number) =>
 *   ({ spec: { width, depth: 2, steps: 9, headSize: 8, batch: 4, seq: 8, dataset: "d" } }) as never;
 * const labels = provenance([run(16), run(32)], [run(16), run(64)]);
 * assertEquals([...labels.values()], ["fitted", "held-out"]);
 * ```
 */
export function provenance(
  fitRuns: readonly RunResult[],
  validation: readonly RunResult[],
): Map<string, Provenance> {
  const fitted = new Set(fitRuns.map((r) => configKey(r.spec)));
  const out = new Map<string, Provenance>();
  for (const r of validation) {
    const key = configKey(r.spec);
    out.set(key, fitted.has(key) ? "fitted" : "held-out");
  }
  return out;
}

/**
 * Throws when a validation run that is declared held out (`declared` says which) shares its
 * size and configuration with a run of the fit; the error names the size, the configuration
 * and the fit folder that used it.
 *
 * @example
 * ```ts
 * import { checkHeldOut } from "./fit_held_out.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * const run = (width: number) =>
 *   ({ spec: { width, depth: 2, steps: 9, headSize: 8, batch: 4, seq: 8, dataset: "d" } }) as never;
 * assertThrows(
 *   () => checkHeldOut([{ folder: "probe", runs: [run(64)] }], [run(64)], () => true, "width"),
 *   "transfer fit: width 64 was used in the fit",
 * );
 * ```
 */
export function checkHeldOut(
  fit: readonly { folder: string; runs: readonly RunResult[] }[],
  validation: readonly RunResult[],
  declared: (spec: RunSpec) => boolean,
  axis: "width" | "depth" | "steps" | "batch",
): void {
  const used = new Map<string, string>();
  for (const f of fit) for (const r of f.runs) used.set(configKey(r.spec), f.folder);
  for (const r of validation) {
    if (!declared(r.spec)) continue;
    const folder = used.get(configKey(r.spec));
    if (folder !== undefined) {
      throw new Error(
        `transfer fit: ${axis} ${r.spec[axis]} was used in the fit (${configKey(r.spec)}; ` +
          `runs in ${folder}), so it cannot be reported as validated; validate on a size or ` +
          `configuration the fit never trained`,
      );
    }
  }
}
