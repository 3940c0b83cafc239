/**
 * Bad-input rows for the transfer CLI (`deno task transfer`), run through its entry point as
 * the command line runs it: each must exit non-zero with its message.
 *
 * @module
 */
import { main } from "../../../bench/transfer/main.ts";
import type { BadInput } from "./helpers.ts";

/** Run the CLI on `argv` into a fresh folder; throw its printed lines when it refuses. */
async function cli(argv: string[]): Promise<number> {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  try {
    const code = await main([...argv, "--out", `${out}/sweep`], { print: (l) => lines.push(l) });
    if (code !== 0) throw new Error(lines.join("\n"));
    return code;
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

const row = (name: string, argv: string[], message: string): BadInput => ({
  area: "cli",
  name,
  call: () => cli(argv),
  message,
});

/** The rows. */
export const CLI: readonly BadInput[] = [
  row("steps below 1", ["--steps", "-3"], "--steps '-3': expected an integer >= 1"),
  row("an unknown flag", ["--widths", "32"], "unknown flag --widths"),
  row("a group size of 0", ["--group", "0"], "--group '0': expected auto or an integer >= 1"),
  row("a falling lr range", ["--lrs=-5:-8:1"], "--lrs '-5:-8:1': the end is below the start"),
  row(
    "an unknown preset",
    ["--preset", "huge"],
    "--preset 'huge': expected quick, reference or full",
  ),
  row("an unknown parameterization", ["--param", "nosuch"], "unknown parameterization 'nosuch'"),
  row(
    "a size that is not a number",
    ["--sizes", "32,abc"],
    "--sizes 'abc': expected an integer >= 1",
  ),
];
