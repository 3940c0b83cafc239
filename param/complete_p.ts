/**
 * CompleteP's depth scaling (Dey et al., 2025) as a rule to compose: a residual branch scaled
 * by `L^-α` relative to the base depth (`mL^-α`, α = 1 is CompleteP, α = 1/2 Depth-μP), and
 * Adam's hidden learning rates times `mL^(α-1)` (1 for CompleteP, `mL^-1/2` for Depth-μP, which
 * is then {@linkcode depthMup} on the hidden rates).
 *
 * In nGPT a block's output enters the residual stream as `h ← Norm(h + α (h_B − h))`: the eigen
 * learning rate α *is* the branch multiplier, so the branch is scaled by scaling α. α is a
 * rescaler (a stored value `s`, effective `α = s · init / scale`, stored start `scale`), so the
 * rule multiplies its `init` by `mL^-α` and leaves `scale` alone. That scales α's starting value
 * and, with the same factor, its effective learning rate (`lr · init / scale`): α's updates
 * shrink with it, so a step changes α by the same share of itself at every depth, which is what a
 * fixed `L^-α` multiplier on a branch whose own parameters learn at depth-free rates does in
 * CompleteP. Scaling α's `lr` as well would shrink its relative updates by `mL^-α` again;
 * scaling `scale` instead would change the effective rate but not the branch.
 *
 * νGPT already multiplies α's init by `mL^-1` with a depth-free scale (spec section 7): on the
 * depth axis it *is* CompleteP. The rule is for bases without it — nGPT, `plain` — and composing
 * it onto νGPT applies the factor twice. `ngptCompleteP` is nGPT with it.
 *
 *   deno task transfer --axis depth --sizes 1,2,4,8 \
 *     --param ngpt,nugpt,./param/complete_p.ts#ngptCompleteP
 *
 * @example
 * ```ts
 * import { ngptCompleteP } from "./complete_p.ts";
 * import { ngpt } from "./presets.ts";
 * import { assertClose } from "../testing/assert.ts";
 * const dims = { width: 64, depth: 8, steps: 10, baseWidth: 64, baseDepth: 2, baseSteps: 10 };
 * const ratio = ngptCompleteP({ role: "alpha", dims }).init! / ngpt({ role: "alpha", dims }).init!;
 * assertClose(ratio, 1 / 4); // four times deeper: the branch and its updates a quarter
 * ```
 *
 * @module
 */
import { multipliers } from "./dims.ts";
import { compose, type Parameterization, type SettingsRule } from "./parameterization.ts";
import { ngpt } from "./presets.ts";

/** Options of {@linkcode completeP}. */
export interface CompletePOptions {
  /** The depth exponent α in [1/2, 1]: branch `mL^-α`, hidden lr `mL^(α-1)`. Default 1. */
  readonly alpha?: number;
}

/**
 * The rule: α (the eigen learning rates) init times `mL^-alpha`, hidden learning rates times
 * `mL^(alpha-1)`; nothing else changes.
 *
 * @example
 * ```ts
 * import { completeP } from "./complete_p.ts";
 * import { compose, plain } from "./parameterization.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const p = compose("plain+depthMuP", plain, completeP({ alpha: 0.5 }));
 * const dims = { width: 64, depth: 16, steps: 10, baseWidth: 64, baseDepth: 4, baseSteps: 10 };
 * assertEquals(p({ role: "alpha", dims }).init, 0.5);
 * assertEquals(p({ role: "hidden", dims }).lr, 0.5);
 * assertEquals(p({ role: "output", dims }).lr, 1);
 * ```
 */
export function completeP(options: CompletePOptions = {}): SettingsRule {
  if (typeof options !== "object" || options === null) {
    throw new Error(`completeP: options must be an object { alpha? }, got ${options}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "alpha") {
      throw new Error(`completeP: unknown option ${JSON.stringify(key)}; known: alpha`);
    }
  }
  const alpha = options.alpha ?? 1;
  if (!(typeof alpha === "number" && alpha >= 0.5 && alpha <= 1)) {
    throw new Error(`completeP: alpha must be a number in [0.5, 1], got ${alpha}`);
  }
  return (settings, query) => {
    const { mL } = multipliers(query.dims);
    if (query.role === "alpha") {
      return { ...settings, init: (settings.init as number) * Math.pow(mL, -alpha) };
    }
    if (query.role === "hidden") return { ...settings, lr: settings.lr * Math.pow(mL, alpha - 1) };
    return settings;
  };
}

/**
 * nGPT with CompleteP's depth scaling (α = 1): α's init, and so its effective rate, `mL^-1`.
 *
 * @example
 * ```ts
 * import { ngptCompleteP } from "./complete_p.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(ngptCompleteP.name, "ngpt+completeP");
 * ```
 */
export const ngptCompleteP: Parameterization = compose("ngpt+completeP", ngpt, completeP());
