/** Probed only. */
import { compose, nugpt, widthExponent } from "../../../../param/mod.ts";

/** fit-probed: written by `deno task transfer fit`. */
export const probed = compose(
  "fit-probed",
  nugpt,
  widthExponent(["input"], 1),
  widthExponent(["hidden"], 0.75),
  widthExponent(["output"], 0.25),
  widthExponent(["alpha", "sqk", "su", "sv", "sz"], -0.75),
);
