/** Fitted on batch sizes 8, 16, 32; see fit-report.md. */
import { batchExponent, compose, nugpt } from "../../../../param/mod.ts";

/** fit-found: written by `deno task transfer fit`. */
export const found = compose(
  "fit-found",
  nugpt,
  batchExponent(0.1701, ["input", "hidden", "output", "alpha", "sqk", "su", "sv", "sz"]),
);
