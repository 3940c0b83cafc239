/**
 * `param`: parameterizations (nGPT, μP-style, νGPT) as composable pure functions of a
 * parameter's role and the model's dimensions. No tensors here: plain arithmetic.
 *
 * @example
 * ```ts
 * import { assertTrue } from "../testing/assert.ts";
 * import { compose, depthMup, describe, formatDescription, nugpt } from "./mod.ts";
 * const dims = { width: 256, depth: 8, steps: 2000, baseWidth: 64, baseDepth: 4, baseSteps: 1000 };
 * const p = compose("nugpt+depthMup", nugpt, depthMup);
 * assertTrue(p({ role: "hidden", dims }).lr > 0);
 * assertTrue(formatDescription(describe(p, dims)).split("\n").length === 9);
 * ```
 *
 * @module
 */
export {
  isRescaler,
  isRole,
  RESCALER_ROLES,
  type RescalerRole,
  type Role,
  ROLES,
} from "./roles.ts";
export {
  baseDims,
  type Dims,
  type Multipliers,
  multipliers,
  scaled,
  validateDims,
} from "./dims.ts";
export {
  checkSettings,
  compose,
  identityRule,
  type Parameterization,
  parameterization,
  plain,
  type Query,
  type Settings,
  type SettingsRule,
} from "./parameterization.ts";
export {
  batchExponent,
  chainRules,
  depthExponent,
  depthMup,
  horizonExponent,
  lrMultiplier,
  widthExponent,
} from "./rules.ts";
export type { DimsValue, Roles } from "./rule_args.ts";
export {
  initDepthExponent,
  initWidthExponent,
  rescalerInit,
  rescalerScale,
} from "./rescaler_rules.ts";
export { override, setSettings, type SettingsOverride } from "./override.ts";
export { mup, ngpt, nugpt, type NugptOptions, nugptPaper, nugptWith } from "./presets.ts";
export { describe, type DescriptionRow, formatDescription } from "./describe.ts";
export { completeP, type CompletePOptions, ngptCompleteP } from "./complete_p.ts";
