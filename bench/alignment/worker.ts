/**
 * A worker that runs one parameterization's alignment measurement, so that `main.ts --jobs 2`
 * trains nGPT and νGPT at once on two cores. Receives `{ param, options }`, posts back
 * `{ run }` or `{ error }`.
 *
 * @example
 * ```ts ignore
 * const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
 * w.postMessage({ param: "ngpt", options: { width: 64 } });
 * ```
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { PARAMETERIZATIONS } from "./args.ts";
import { type AlignmentRunOptions, measureAlignment } from "./measure.ts";

self.onmessage = async (e: MessageEvent<{ param: string; options: AlignmentRunOptions }>) => {
  try {
    const run = await measureAlignment(PARAMETERIZATIONS[e.data.param](), e.data.options);
    self.postMessage({ run });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
};
