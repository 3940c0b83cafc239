/**
 * The whole nGPT forward pass (spec section 2): embedding, blocks, logits `z = sz ⊙ (E_out h)`,
 * and the mean next-token cross-entropy. Pure functions of the parameters, the tokens and the
 * model's description (config and rescaler factors).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { ngpt } from "../param/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { apply } from "./model.ts";
 * import { defaultDims, rescalerFactors } from "./rescalers.ts";
 * const config = modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
 * const params = init(key(0), config);
 * const factors = rescalerFactors(ngpt, defaultDims(config));
 * const logits = apply(params, randint(key(1), [2, 8], 0, 16), { config, factors });
 * assertEquals(logits.shape, [2, 8, 16]);
 * ```
 *
 * @module
 */
import {
  cast,
  crossEntropy,
  fmtShape,
  gather,
  matmul,
  mul,
  sliceAxis,
  Tensor,
  tidy,
} from "../core/mod.ts";
import { checkTokenTensor } from "./tokens.ts";
import { causalMask } from "./attention.ts";
import { block } from "./block.ts";
import type { ModelConfig } from "./config.ts";
import type { NgptParams } from "./params.ts";
import { type PrecisionPolicy, toCompute } from "./precision.ts";
import type { RescalerFactors } from "./rescalers.ts";
import { type RopeTables, ropeTables } from "./rope.ts";

/** What the forward pass needs besides parameters and tokens. */
export interface ApplyOptions {
  /** The model's shape. */
  readonly config: ModelConfig;
  /** The rescalers' `init / scale` factors (see `rescalerFactors`). */
  readonly factors: RescalerFactors;
  /** RoPE tables for the head size (built for the tokens' length when absent). */
  readonly rope?: RopeTables;
  /**
   * Mixed precision (see `precision.ts`): with `compute: "f16"` the parameters
   * are cast to f16 at the start of the forward pass and the loss is taken on
   * logits widened to f32. Absent: the parameters' own dtype throughout.
   */
  readonly precision?: PrecisionPolicy;
}

/** The parameters in the dtype the forward pass computes in. */
function computeParams(params: NgptParams, options: ApplyOptions): NgptParams {
  return options.precision ? toCompute(params, options.precision) : params;
}

/** A batch: `{inputs, targets}` (i32 `[B, T]` each), or tokens i32 `[B, T+1]`. */
export type Batch = Tensor | { readonly inputs: Tensor; readonly targets: Tensor };

function checkTokens(tokens: Tensor, config: ModelConfig, op: string): void {
  if (tokens.dtype !== "i32" || tokens.rank !== 2) {
    throw new Error(
      `${op}: tokens must be i32 [B, T], got ${tokens.dtype} ${fmtShape(tokens.shape)}`,
    );
  }
  if (tokens.shape[1] > config.seqLen) {
    throw new Error(`${op}: ${tokens.shape[1]} positions exceed config.seqLen ${config.seqLen}`);
  }
  checkTokenTensor(tokens, config.vocab, op);
}

/**
 * The hidden states `[B, T, d]` after the embedding and after each block (`depth + 1` tensors,
 * every row of unit norm).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { hiddenStates } from "./model.ts";
 * import { UNIT_FACTORS } from "./rescalers.ts";
 * const config = modelConfig({ vocab: 16, width: 32, depth: 2, seqLen: 8 });
 * const states = hiddenStates(init(key(0), config), randint(key(1), [1, 8], 0, 16), {
 *   config,
 *   factors: UNIT_FACTORS,
 * });
 * assertEquals(states.length, 3);
 * ```
 */
export function hiddenStates(params: NgptParams, tokens: Tensor, options: ApplyOptions): Tensor[] {
  return tidy(() => forward(computeParams(params, options), tokens, options, "hiddenStates"));
}

/**
 * The hidden states, from parameters already in the compute dtype; `op` (the
 * public function called) starts every error message.
 */
function forward(params: NgptParams, tokens: Tensor, options: ApplyOptions, op: string): Tensor[] {
  const { config, factors } = options;
  checkTokens(tokens, config, op);
  if (params.blocks.length !== config.depth) {
    throw new Error(
      `${op}: params have ${params.blocks.length} blocks, config.depth is ${config.depth}`,
    );
  }
  const headSize = config.width / config.heads;
  return tidy(() => {
    const rope = options.rope ?? ropeTables(tokens.shape[1], headSize, {
      dtype: params.embed.dtype as "f32" | "f64" | "f16",
      backend: params.embed.backend,
    });
    const states = [gather(params.embed, tokens, { axis: 0 })];
    const mask = causalMask(tokens.shape[1], params.embed);
    for (const p of params.blocks) {
      states.push(
        block(p, states[states.length - 1], { heads: config.heads, factors, rope, mask }),
      );
    }
    return states;
  });
}

/**
 * Logits `[B, T, V]` for tokens i32 `[B, T]`: `z = sz_eff ⊙ (E_out h)` on the last hidden state.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { key, tensor } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { apply } from "./model.ts";
 * import { UNIT_FACTORS } from "./rescalers.ts";
 * const config = modelConfig({ vocab: 4, width: 32, depth: 1, seqLen: 3 });
 * const tokens = tensor([[0, 1, 2]], { dtype: "i32" });
 * assertEquals(apply(init(key(0), config), tokens, { config, factors: UNIT_FACTORS }).shape, [1, 3, 4]);
 * ```
 */
export function apply(params: NgptParams, tokens: Tensor, options: ApplyOptions): Tensor {
  return logits(params, tokens, options, "apply");
}

/** The logits, in the compute dtype (f16 under mixed precision). */
function logits(params: NgptParams, tokens: Tensor, options: ApplyOptions, op: string): Tensor {
  return tidy(() => {
    const p = computeParams(params, options);
    const states = forward(p, tokens, options, op);
    const h = states[states.length - 1];
    const sz = mul(p.sz, options.factors.sz);
    return mul(matmul(h, p.unembed, { transB: true }), sz);
  });
}

/**
 * `{inputs, targets}` of a batch (tokens `[B, T+1]` are split into inputs and shifted targets).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { tensor } from "../core/mod.ts";
 * import { splitBatch } from "./model.ts";
 * const { inputs, targets } = splitBatch(tensor([[1, 2, 3]], { dtype: "i32" }));
 * assertEquals([await inputs.toArray(), await targets.toArray()], [[[1, 2]], [[2, 3]]]);
 * ```
 */
export function splitBatch(batch: Batch, op = "splitBatch"): { inputs: Tensor; targets: Tensor } {
  if ("inputs" in batch && "targets" in batch) return batch;
  const tokens = batch as Tensor;
  if (tokens.dtype !== "i32" || tokens.rank !== 2 || tokens.shape[1] < 2) {
    throw new Error(
      `${op}: tokens must be i32 [B, T+1] with T >= 1, got ${tokens.dtype} ${
        fmtShape(tokens.shape)
      }`,
    );
  }
  const n = tokens.shape[1];
  return { inputs: sliceAxis(tokens, 1, 0, n - 1), targets: sliceAxis(tokens, 1, 1, n) };
}

/**
 * Mean next-token cross-entropy over every position of the batch (a scalar).
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig } from "./config.ts";
 * import { init } from "./init.ts";
 * import { loss } from "./model.ts";
 * import { UNIT_FACTORS } from "./rescalers.ts";
 * const config = modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
 * const value = loss(init(key(0), config), randint(key(1), [2, 9], 0, 16), {
 *   config,
 *   factors: UNIT_FACTORS,
 * });
 * assertTrue(Number.isFinite(await value.item()));
 * ```
 */
export function loss(params: NgptParams, batch: Batch, options: ApplyOptions): Tensor {
  return tidy(() => {
    if (batch instanceof Tensor) checkTokenTensor(batch, options.config.vocab, "loss");
    else checkTokenTensor(batch.targets, options.config.vocab, "loss");
    const { inputs, targets } = splitBatch(batch, "loss");
    const z = logits(params, inputs, options, "loss");
    // Under mixed precision the loss (log-softmax over the vocabulary) is taken in f32.
    return crossEntropy(z.dtype === "f16" ? cast(z, "f32") : z, targets);
  });
}
