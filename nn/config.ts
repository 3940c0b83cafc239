/**
 * The nGPT model's shape: vocabulary, width, heads, depth, MLP width and context length (the
 * same keys the checkpoint metadata uses), and the checks that refuse a shape that cannot work.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * const config = modelConfig({ vocab: 256, width: 64, depth: 2, seqLen: 64 });
 * assertEquals(config.heads, 4);
 * assertEquals(config.mlpWidth, 256);
 * ```
 *
 * @module
 */

/** The shape of an nGPT model (spec section 2). */
export interface ModelConfig {
  /** Vocabulary size `V`. */
  readonly vocab: number;
  /** Model width `d`. */
  readonly width: number;
  /** Number of attention heads `H`; the head size is `width / heads` and must be even (RoPE). */
  readonly heads: number;
  /** Number of blocks `L`. */
  readonly depth: number;
  /** MLP hidden width `m`. */
  readonly mlpWidth: number;
  /** Longest sequence the model is applied to (RoPE tables are built for it). */
  readonly seqLen: number;
}

const FIELDS = ["vocab", "width", "heads", "depth", "mlpWidth", "seqLen"] as const;

/**
 * The head size {@linkcode modelConfig} uses when none is given (also the transfer CLI's).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { DEFAULT_HEAD_SIZE, modelConfig } from "./config.ts";
 * const config = modelConfig({ vocab: 8, width: 16, depth: 1, seqLen: 4 });
 * assertEquals([DEFAULT_HEAD_SIZE, config.heads], [16, 1]);
 * ```
 */
export const DEFAULT_HEAD_SIZE = 16;

/**
 * Throws unless `config` describes a model that can run: every field a positive integer, the
 * width divisible by the number of heads, and an even head size (rotate-half RoPE pairs
 * dimension `i` with `i + k/2`). The message starts with `op` (the public function called)
 * and names the field and its value. Returns a frozen copy holding only the known fields.
 *
 * @example
 * ```ts
 * import { assertThrows } from "../testing/assert.ts";
 * import { validateConfig } from "./config.ts";
 * assertThrows(
 *   () => validateConfig({ vocab: 16, width: 30, heads: 4, depth: 1, mlpWidth: 8, seqLen: 8 }),
 *   "width 30 is not divisible by heads 4",
 * );
 * ```
 */
export function validateConfig(config: ModelConfig, op = "validateConfig"): ModelConfig {
  if (typeof config !== "object" || config === null) {
    throw new Error(`${op}: config must be an object { ${FIELDS.join(", ")} }`);
  }
  for (const field of FIELDS) {
    const value = (config as unknown as Record<string, unknown>)[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new Error(
        `${op}: ${field} must be a positive integer, got ${
          typeof value === "string" ? JSON.stringify(value) : String(value)
        }`,
      );
    }
  }
  const { vocab, width, heads, depth, mlpWidth, seqLen } = config;
  if (width % heads !== 0) {
    throw new Error(`${op}: width ${width} is not divisible by heads ${heads}`);
  }
  const headSize = width / heads;
  if (headSize % 2 !== 0) {
    throw new Error(
      `${op}: head size ${headSize} (width ${width} / heads ${heads}) must be even ` +
        `for rotate-half RoPE`,
    );
  }
  return Object.freeze({ vocab, width, heads, depth, mlpWidth, seqLen });
}

/**
 * The spec's MLP width for model width `d`: `4·d`, rounded up to a multiple of 8.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { defaultMlpWidth } from "./config.ts";
 * assertEquals(defaultMlpWidth(64), 256);
 * assertEquals(defaultMlpWidth(33), 136);
 * ```
 */
export function defaultMlpWidth(width: number): number {
  if (!Number.isInteger(width) || width <= 0) {
    throw new Error(`defaultMlpWidth: width must be a positive integer, got ${width}`);
  }
  return Math.ceil((4 * width) / 8) * 8;
}

/** What {@linkcode modelConfig} needs: heads come from the head size, the MLP width from d. */
export interface ModelConfigInput {
  /** Vocabulary size. */
  readonly vocab: number;
  /** Model width `d`. */
  readonly width: number;
  /** Number of blocks. */
  readonly depth: number;
  /** Context length. */
  readonly seqLen: number;
  /**
   * Head size `k` (default 16, the transfer CLI's: every width that is a multiple of 16 works,
   * small CPU-sized widths included; the paper's runs use 32). `heads = width / k`.
   */
  readonly headSize?: number;
  /** MLP width (default {@linkcode defaultMlpWidth}). */
  readonly mlpWidth?: number;
}

/**
 * A validated {@linkcode ModelConfig} from the width and a head size (default 16): width grows
 * by adding heads at a fixed head size (spec section 7).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { modelConfig } from "./config.ts";
 * const c = modelConfig({ vocab: 100, width: 32, headSize: 8, depth: 1, seqLen: 16 });
 * assertEquals([c.heads, c.mlpWidth], [4, 128]);
 * ```
 */
export function modelConfig(input: ModelConfigInput): ModelConfig {
  const headSize = input.headSize ?? DEFAULT_HEAD_SIZE;
  if (!Number.isInteger(headSize) || headSize <= 0) {
    throw new Error(`modelConfig: headSize must be a positive integer, got ${headSize}`);
  }
  if (Number.isInteger(input.width) && input.width % headSize !== 0) {
    throw new Error(
      `modelConfig: width ${input.width} is not divisible by headSize ${headSize}`,
    );
  }
  return validateConfig({
    vocab: input.vocab,
    width: input.width,
    heads: input.width / headSize,
    depth: input.depth,
    mlpWidth: input.mlpWidth ??
      (Number.isInteger(input.width) && input.width > 0
        ? defaultMlpWidth(input.width)
        : input.width),
    seqLen: input.seqLen,
  }, "modelConfig");
}
