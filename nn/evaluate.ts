/**
 * Token windows and the mean loss of a model over them: what training reads its batches and its
 * held-out losses through (`train`, `trainGroup`).
 *
 * @module
 */
import {
  add,
  type Backend,
  fromData,
  getBackend,
  mul,
  scope,
  sliceAxis,
  Tensor,
  tidy,
} from "../core/mod.ts";
import type { NgptModel } from "./ngpt.ts";
import type { NgptParams } from "./params.ts";
import { checkTokenIds, checkTokenTensor } from "./tokens.ts";

/** Token windows: a tensor `[N, T+1]` (i32), or the same as host data. */
export type Windows = Tensor | { data: Int32Array; count: number };

/**
 * `w` as an i32 tensor on `backend`: host windows checked (shape, token ids in `[0, vocab)`,
 * errors named `op`) and uploaded; a tensor's ids checked where they can be read now
 * (named `deviceOp`, default `op`).
 *
 * @example
 * ```ts
 * import { windowsTensor } from "./evaluate.ts";
 * import { getBackend } from "../core/mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const { t } = windowsTensor({ data: new Int32Array([0, 1, 2, 3]), count: 2 }, getBackend(), 4, "demo");
 * assertEquals(t.shape, [2, 2]);
 * ```
 */
export function windowsTensor(
  w: Windows,
  backend: Backend,
  vocab: number,
  op: string,
  deviceOp?: string,
): { t: Tensor } {
  if (!(w instanceof Tensor)) {
    if (!(w?.data instanceof Int32Array) || !Number.isInteger(w.count) || w.count < 1) {
      throw new Error(
        `${op}: host windows must be { data: Int32Array, count: positive integer }, got count ${w?.count} and ${
          w?.data?.constructor?.name ?? typeof w?.data
        } data`,
      );
    }
    if (w.data.length % w.count !== 0) {
      throw new Error(
        `${op}: ${w.data.length} token ids do not split into ${w.count} windows of equal length`,
      );
    }
    const shape = [w.count, w.data.length / w.count];
    checkTokenIds(w.data, shape, vocab, op);
    return { t: fromData(w.data, shape, { dtype: "i32", backend }) };
  }
  checkTokenTensor(w, vocab, deviceOp ?? op);
  return { t: w as Tensor };
}

/**
 * Mean loss of `model` over all rows of `windows`, in chunks of `chunk` rows,
 * read back once.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { key, randint } from "../core/mod.ts";
 * import { modelConfig, ngptModel } from "./mod.ts";
 * import { evaluate } from "./evaluate.ts";
 * const model = ngptModel(modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
 * const params = model.init(key(0));
 * const loss = await evaluate(model, params, randint(key(1), [4, 9], 0, 16));
 * // An untrained model on uniform random tokens: close to ln 16 = 2.77.
 * assertTrue(Math.abs(loss - Math.log(16)) < 0.5, `loss ${loss}`);
 * ```
 */
export async function evaluate(
  model: NgptModel,
  params: NgptParams,
  windows: Windows,
  opts: { chunk?: number; backend?: Backend } = {},
): Promise<number> {
  using _scope = scope();
  const { t } = windowsTensor(
    windows,
    opts.backend ?? getBackend(),
    model.config.vocab,
    "evaluate",
  );
  const rows = t.shape[0];
  const chunk = opts.chunk ?? 64;
  let total: Tensor | null = null;
  for (let r = 0; r < rows; r += chunk) {
    const n = Math.min(chunk, rows - r);
    const part = tidy(() => {
      const rowsPart = n === rows ? t : sliceAxis(t, 0, r, r + n);
      return mul(model.loss(params, rowsPart), n);
    });
    total = total === null ? part : add(total, part);
  }
  return total === null ? NaN : (await total.item()) / rows;
}
