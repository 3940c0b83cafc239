/** Probed only. */
import { compose, nugpt } from "../../../../param/mod.ts";

/** fit-probed: written by `deno task transfer fit`. */
export const probed = compose(
  "fit-probed",
  nugpt,

);
