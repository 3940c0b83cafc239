/** Fitted on widths 16, 32, 64; see fit-report.md. */
import { compose, nugpt, widthExponent } from "../../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  widthExponent(["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"], -0.2263),
);
