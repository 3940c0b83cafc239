/** Fitted on depth sizes 1, 2; see fit-report.md. */
import { compose, depthExponent, nugpt } from "../../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  depthExponent(["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"], 0),
);
