/**
 * Checkpoints: an nGPT model (and optionally its optimizer state) in one safetensors file that
 * another framework can read and rebuild the same model from.
 *
 * File contents:
 * - one tensor per parameter, named by its canonical dotted path (spec section 5: `embed`,
 *   `blocks.0.attn.q`, ..., `sz`), holding the *stored* values (rescalers as stored, not
 *   effective); dtype `F32` or `F64`;
 * - with `optimizerState`, one tensor per tensor of the state under the prefix `opt.`
 *   (`opt.0.mu.embed`: the Adam first moment of `embed` in `optimizerFor`'s chain), and the
 *   state's layout (its numbers, such as step counts, and its structure) in the metadata;
 * - `__metadata__` (strings): `format` (`nugrad.ngpt.v1`), `config` (JSON: vocab, width,
 *   heads, depth, mlpWidth, seqLen), `rescalers` (JSON: for each of alphaA, alphaM, sqk, su,
 *   sv, sz its `init` and `scale`; the effective value is `init / scale · stored`),
 *   `parameterization` (its name), `dims` (JSON: the dimensions the rescalers were computed
 *   at) and, with a state, `optimizer` (JSON layout, see `optim/state.ts`).
 *
 * Writes are atomic: a temporary file in the same directory, synced, then renamed over `path`.
 *
 * @example
 * ```ts
 * import { key } from "../core/mod.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { load, save } from "./checkpoint.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const config = modelConfig({ vocab: 8, width: 32, depth: 1, seqLen: 4, headSize: 16 });
 * const params = init(key(0), config);
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await save(path, params, { config, parameterization: ngpt });
 * const loaded = await load(path);
 * assertEquals([loaded.config.width, loaded.rescalers.alphaA.init], [32, 0.05]);
 * await Deno.remove(path);
 * ```
 *
 * @module
 */
import {
  type Backend,
  type DataArray,
  fromData,
  fromPaths,
  getBackend,
  keep,
  type Tensor,
  treePaths,
} from "../core/mod.ts";
import { decodeState, encodeState } from "../optim/state.ts";
import type { Dims, Parameterization } from "../param/mod.ts";
import { type ModelConfig, validateConfig } from "./config.ts";
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from "./checkpoint_format.ts";
import { checkRescalers, writeAtomic } from "./checkpoint_io.ts";
import type { NgptParams } from "./params.ts";
import { parameterShapes, type RescalerMetadata, rescalerMetadata } from "./spec.ts";
import { defaultDims } from "./rescalers.ts";

/**
 * Tensor names of the optimizer state start with this prefix.
 *
 * @example
 * ```ts
 * import { OPTIMIZER_PREFIX } from "./checkpoint.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(`${OPTIMIZER_PREFIX}0.mu.embed`, "opt.0.mu.embed");
 * ```
 */
export const OPTIMIZER_PREFIX = "opt.";
/**
 * The `format` metadata value of files written by {@linkcode save}.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_FORMAT } from "./checkpoint.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(CHECKPOINT_FORMAT, "nugrad.ngpt.v1");
 * ```
 */
export const CHECKPOINT_FORMAT = "nugrad.ngpt.v1";

/** Options of {@linkcode save}. */
export interface SaveOptions {
  /** The model's shape; the parameters must match it. */
  readonly config: ModelConfig;
  /** The parameterization: its rescaler constants and name go into the metadata. */
  readonly parameterization: Parameterization;
  /** The dimensions for the rescaler constants (default: the model is its own base). */
  readonly dims?: Dims;
  /** An optimizer state (tree of tensors and numbers) to store under `opt.`. */
  readonly optimizerState?: unknown;
  /** More `__metadata__` strings (e.g. a training run's progress); may not replace the model's. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What {@linkcode load} returns. */
export interface Checkpoint {
  /** The parameters (stored values), kept out of every scope: dispose them when done. */
  readonly params: NgptParams;
  /** The model's shape. */
  readonly config: ModelConfig;
  /** Each rescaler's `init` and `scale`. */
  readonly rescalers: RescalerMetadata;
  /** Every `__metadata__` string as written. */
  readonly metadata: Record<string, string>;
  /** The optimizer state, when the file has one (kept out of every scope). */
  readonly optimizerState?: unknown;
}

/** Options of {@linkcode load}. */
export interface LoadOptions {
  /** Where to create the tensors (default: the current backend). */
  readonly backend?: Backend;
}

/** Throws unless `names → shapes` are exactly the canonical tensors `config` implies. */
function checkCanonical(
  found: Map<string, readonly number[]>,
  config: ModelConfig,
  where: string,
): void {
  const expected = parameterShapes(config);
  const fmt = (s: readonly number[]) => `[${s.join(",")}]`;
  for (const [name, shape] of Object.entries(expected)) {
    const got = found.get(name);
    if (got === undefined) throw new Error(`${where}: missing tensor ${name} ${fmt(shape)}`);
    if (fmt(got) !== fmt(shape)) {
      throw new Error(
        `${where}: tensor ${name} has shape ${fmt(got)}, the config implies ${fmt(shape)}`,
      );
    }
  }
  for (const name of found.keys()) {
    if (!(name in expected)) throw new Error(`${where}: unexpected tensor ${name}`);
  }
}

/**
 * Write `params` (canonical names; f32 or f64) and optionally an optimizer state to a
 * safetensors file at `path`, atomically. Refuses parameters that do not match `config`.
 *
 * @example
 * ```ts
 * import { key } from "../core/mod.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { save } from "./checkpoint.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * const config = modelConfig({ vocab: 8, width: 32, depth: 1, seqLen: 4, headSize: 16 });
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await save(path, init(key(0), config), { config, parameterization: ngpt });
 * assertTrue((await Deno.stat(path)).size > 0);
 * await Deno.remove(path);
 * ```
 */
export async function save(path: string, params: unknown, options: SaveOptions): Promise<void> {
  const where = `save: ${path}`;
  const { parameterization, optimizerState } = options;
  const config = validateConfig(options.config, `${where}: config`);
  if (typeof parameterization !== "function") {
    throw new Error(`${where}: options.parameterization must be a parameterization`);
  }
  const dims = options.dims ?? defaultDims(config);
  const named = treePaths<Tensor>(params);
  checkCanonical(new Map(named.map(([n, t]) => [n, t.shape])), config, where);
  const entries: [string, Tensor][] = [...named];
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(config),
    rescalers: JSON.stringify(rescalerMetadata(parameterization, dims)),
    parameterization: parameterization.name,
    dims: JSON.stringify(dims),
  };
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (k in metadata || k === "optimizer") {
      throw new Error(`${where}: options.metadata may not set the reserved key ${k}`);
    }
    if (typeof v !== "string") throw new Error(`${where}: options.metadata.${k} must be a string`);
    metadata[k] = v;
  }
  if (optimizerState !== undefined) {
    const { tensors, layout } = encodeState(optimizerState);
    for (const [p, t] of Object.entries(tensors)) entries.push([OPTIMIZER_PREFIX + p, t]);
    metadata.optimizer = layout;
  }
  const datas = await Promise.all(entries.map(([, t]) => t.data()));
  const stored: StoredTensor[] = entries.map(([name, t], i) => ({
    name,
    dtype: t.dtype,
    shape: t.shape,
    data: datas[i],
  }));
  await writeAtomic(path, encodeSafetensors(stored, metadata));
}

function parseJson(text: string | undefined, key: string, where: string): unknown {
  if (text === undefined) throw new Error(`${where}: __metadata__ has no ${key}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: __metadata__.${key} is not JSON: ${(e as Error).message}`);
  }
}

/**
 * Read and validate a checkpoint written by {@linkcode save} (or any safetensors file with
 * the same names and metadata). Errors name the file and what was wrong: file too short,
 * header length beyond the file, bad JSON, unknown dtype, bad offsets, a byte size that does
 * not match the shape, bad metadata, a missing, mis-shaped or unexpected tensor.
 *
 * @example
 * ```ts
 * import { load } from "./checkpoint.ts";
 * import { assertRejects } from "../testing/assert.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(3));
 * await assertRejects(() => load(path), [path, "file too short"]);
 * await Deno.remove(path);
 * ```
 */
export async function load(path: string, options: LoadOptions = {}): Promise<Checkpoint> {
  const where = `load: ${path}`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new Error(`${where}: cannot read the file: ${(e as Error).message}`);
  }
  const { tensors, metadata } = decodeSafetensors(bytes, where);
  let config: ModelConfig;
  try {
    config = validateConfig(
      parseJson(metadata.config, "config", where) as ModelConfig,
      `${where}: config`,
    );
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(where) ? message : `${where}: config: ${message}`);
  }
  const rescalers = checkRescalers(parseJson(metadata.rescalers, "rescalers", where), where);
  const model = tensors.filter((t) => !t.name.startsWith(OPTIMIZER_PREFIX));
  const opt = tensors.filter((t) => t.name.startsWith(OPTIMIZER_PREFIX));
  checkCanonical(new Map(model.map((t) => [t.name, t.shape])), config, where);
  for (const t of model) {
    if (t.dtype !== "f32" && t.dtype !== "f64") {
      throw new Error(`${where}: tensor ${t.name} has dtype ${t.dtype}; parameters are f32 or f64`);
    }
  }
  if (opt.length > 0 && metadata.optimizer === undefined) {
    throw new Error(`${where}: ${opt.length} opt. tensors but no __metadata__.optimizer layout`);
  }
  const created: Tensor[] = [];
  const target = options.backend ?? getBackend();
  const upload = (t: StoredTensor) => {
    // f64 (a step count saved on the CPU) becomes f32 on a backend without f64.
    const dtype = t.dtype === "f64" && !target.dtypes.includes("f64") ? "f32" : t.dtype;
    const out = fromData(t.data as DataArray, t.shape, { dtype, backend: target });
    created.push(out);
    return out;
  };
  try {
    const byName = new Map(model.map((t) => [t.name, t]));
    const params = fromPaths(
      Object.keys(parameterShapes(config)).map((name): [string, Tensor] => [
        name,
        upload(byName.get(name)!),
      ]),
    ) as unknown as NgptParams;
    let optimizerState: unknown;
    if (metadata.optimizer !== undefined) {
      const record = Object.fromEntries(
        opt.map((t) => [t.name.slice(OPTIMIZER_PREFIX.length), upload(t)]),
      );
      optimizerState = decodeState(metadata.optimizer, record);
    }
    keep(created);
    return optimizerState === undefined
      ? { params, config, rescalers, metadata }
      : { params, config, rescalers, metadata, optimizerState };
  } catch (e) {
    for (const t of created) t.dispose();
    const message = (e as Error).message;
    throw new Error(message.startsWith(where) ? message : `${where}: ${message}`);
  }
}
