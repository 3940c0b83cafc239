/** Fitted on steps sizes 100, 200, 400; see fit-report.md. */
import { compose, nugpt, horizonExponent } from "../../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  horizonExponent(0, ["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"]),
);
