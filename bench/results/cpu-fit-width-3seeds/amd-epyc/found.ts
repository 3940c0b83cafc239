/** Fitted on widths 16, 32, 64; see fit-report.md. */
import { compose, nugpt, widthExponent } from "../../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  widthExponent(["input"], 1),
  widthExponent(["hidden"], 0.75),
  widthExponent(["output"], 0.25),
  widthExponent(["alpha", "sqk", "su", "sv", "sz"], -0.75),
  widthExponent(["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"], 0),
);
