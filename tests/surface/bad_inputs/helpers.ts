/**
 * What the bad-input table's rows share: the row type and small helpers (tensors on a backend,
 * a tiny model and its parameters, host windows).
 *
 * @module
 */
import * as nu from "../../../mod.ts";

/** One bad input. */
export interface BadInput {
  /** The layer: ops, transforms, nn, optim, param, checkpoints, memory. */
  readonly area: string;
  /** What the row does wrong. */
  readonly name: string;
  /** The call, on `backend`; may return a promise that must reject. */
  readonly call: (backend: nu.Backend) => unknown;
  /** The exact fragment the message must contain. */
  readonly message: string;
  /** Where it runs (default: the CPU only). */
  readonly on?: readonly ("cpu" | "webgpu")[];
  /** Internal names this row's message may contain (the function the row itself calls). */
  readonly allows?: readonly string[];
}

export const BOTH = ["cpu", "webgpu"] as const;
export const GPU = ["webgpu"] as const;

export const f32 = (values: nu.NestedArray, backend: nu.Backend) => nu.tensor(values, { backend });
export const i32 = (values: nu.NestedArray, backend: nu.Backend) =>
  nu.tensor(values, { dtype: "i32", backend });
export const ones = (shape: number[], backend: nu.Backend) => nu.ones(shape, { backend });

export const config = nu.nn.modelConfig({ vocab: 16, width: 16, depth: 1, seqLen: 8 });
export const model = nu.nn.ngptModel(config);
const paramsOn = new Map<nu.Backend, nu.nn.NgptParams>();
/** Model parameters per backend (made once). */
export const params = (b: nu.Backend) => {
  let p = paramsOn.get(b);
  if (p === undefined) paramsOn.set(b, p = nu.keep(model.init(nu.key(0), { backend: b })));
  return p;
};
export const windows = (data: number[], count: number) => ({ data: Int32Array.from(data), count });
export const okWindow = Array.from({ length: 9 }, (_, i) => i);

export async function tempFile(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await Deno.writeFile(path, bytes);
  return path;
}
