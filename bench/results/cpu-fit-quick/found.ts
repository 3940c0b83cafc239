/** Fitted on widths 16, 32; see fit-report.md. */
import { compose, nugpt, widthExponent } from "../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  widthExponent(["hidden"], -0.032),
  widthExponent(["output"], -0.1314),
  widthExponent(["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"], -0.5129),
);
