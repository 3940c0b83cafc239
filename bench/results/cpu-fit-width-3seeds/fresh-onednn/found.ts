/** Fitted on widths 16, 32, 64; see fit-report.md. */
import { compose, nugpt, widthExponent } from "../../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  widthExponent(["input"], -0.0873),
  widthExponent(["hidden"], 0.1478),
  widthExponent(["output"], -0.8187),
  widthExponent(["alpha", "sqk", "su", "sv", "sz"], -0.4827),
  widthExponent(["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"], 0),
);
