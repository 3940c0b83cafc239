/** Probed only. */
import { compose, nugpt, widthExponent } from "../../../../param/mod.ts";

/** fit-probed: written by `deno task transfer fit`. */
export const probed = compose(
  "fit-probed",
  nugpt,
  widthExponent(["input"], -0.0873),
  widthExponent(["hidden"], 0.1478),
  widthExponent(["output"], -0.8187),
  widthExponent(["alpha", "sqk", "su", "sv", "sz"], -0.4827),
);
