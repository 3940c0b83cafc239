/** Probed only. */
import { compose, nugpt, widthExponent } from "../../../param/mod.ts";

/** fit-probed: written by `deno task transfer fit`. */
export const probed = compose(
  "fit-probed",
  nugpt,
  widthExponent(["hidden"], -0.032),
  widthExponent(["output"], -0.1314),
);
