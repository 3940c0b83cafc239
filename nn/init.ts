/**
 * Initial nGPT parameters (spec sections 3–5): matrices drawn from N(0, 1/d) and projected to
 * the unit sphere, rescalers stored with every entry equal to their `scale`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, treePaths } from "../core/mod.ts";
 * import { nugpt } from "../param/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * const config = modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
 * const params = init(key(0), config, { parameterization: nugpt });
 * assertEquals(treePaths(params)[1][0], "blocks.0.attn.q");
 * ```
 *
 * @module
 */
import {
  type Backend,
  fromPaths,
  full,
  keep,
  type Key,
  l2Normalize,
  normal,
  split,
  type Tensor,
  tidy,
} from "../core/mod.ts";
import { type Dims, ngpt, type Parameterization } from "../param/mod.ts";
import { type ModelConfig, validateConfig } from "./config.ts";
import type { NgptParams } from "./params.ts";
import { defaultDims } from "./rescalers.ts";
import { parameterShapes, settingsFor, sphereAxisOf } from "./spec.ts";

/** Options of {@linkcode init}. */
export interface InitOptions {
  /** Gives each rescaler's `scale` (its stored starting value). Default `ngpt`. */
  readonly parameterization?: Parameterization;
  /** The parameterization's dimensions. Default: the model is its own base, 1 step. */
  readonly dims?: Dims;
  /** Element type: `"f32"` (default) or `"f64"` (CPU only; for gradient checks). */
  readonly dtype?: "f32" | "f64";
  /** Backend to create the parameters on (default: the current one). */
  readonly backend?: Backend;
}

/**
 * The initial parameter tree for `config`. Every tensor is kept (owned by no scope): dispose
 * the tree yourself when done (e.g. `treeLeaves(params).forEach((t) => t.dispose())`).
 * The same key gives the same parameters on every backend.
 *
 * @example
 * ```ts
 * import { assertClose } from "../testing/assert.ts";
 * import { key } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * const params = init(key(1), modelConfig({ vocab: 16, width: 64, depth: 1, seqLen: 8 }));
 * assertClose(params.blocks[0].alphaA.dataSync()[0], 1 / 8); // nGPT: scale 1/sqrt(d)
 * ```
 */
export function init(k: Key, config: ModelConfig, options: InitOptions = {}): NgptParams {
  const cfg = validateConfig(config, "init");
  const parameterization = options.parameterization ?? ngpt;
  const dims = options.dims ?? defaultDims(cfg);
  const dtype = options.dtype ?? "f32";
  if (dtype !== "f32" && dtype !== "f64") {
    throw new Error(`init: dtype must be "f32" or "f64", got ${JSON.stringify(dtype)}`);
  }
  const create = { dtype, backend: options.backend };
  const shapes = Object.entries(parameterShapes(cfg));
  const keys = split(k, shapes.length);
  const entries = tidy(() =>
    shapes.map(([path, shape], i): [string, Tensor] => {
      const axis = sphereAxisOf(path);
      if (axis === null) {
        const { scale } = settingsFor(parameterization, path, dims, shape);
        return [path, full(shape, scale as number, create)];
      }
      const w = normal(keys[i], shape, { ...create, std: 1 / Math.sqrt(cfg.width) });
      return [path, l2Normalize(w, { axis })];
    })
  );
  return keep(fromPaths(entries)) as unknown as NgptParams;
}
