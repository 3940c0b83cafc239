import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { defaultMlpWidth, type ModelConfig, modelConfig, validateConfig } from "../../nn/mod.ts";

const good: ModelConfig = { vocab: 16, width: 32, heads: 2, depth: 2, mlpWidth: 128, seqLen: 8 };

Deno.test("validateConfig accepts a good config and returns a frozen copy", () => {
  const c = validateConfig({ ...good, extra: 1 } as ModelConfig);
  assertEquals(c, good);
  assertEquals(Object.isFrozen(c), true);
});

Deno.test("validateConfig refuses bad fields, naming the field and the value", () => {
  const cases: [Partial<Record<keyof ModelConfig, unknown>>, string[]][] = [
    [{ width: 30, heads: 4 }, ["width 30", "heads 4"]],
    [{ width: 36, heads: 12 }, ["head size 3", "even"]],
    [{ depth: 0 }, ["depth", "0"]],
    [{ depth: -2 }, ["depth", "-2"]],
    [{ depth: 1.5 }, ["depth", "1.5"]],
    [{ vocab: 0 }, ["vocab", "0"]],
    [{ heads: 0 }, ["heads", "0"]],
    [{ mlpWidth: NaN }, ["mlpWidth", "NaN"]],
    [{ seqLen: "8" }, ["seqLen", '"8"']],
    [{ width: undefined }, ["width", "undefined"]],
  ];
  for (const [change, words] of cases) {
    assertThrows(() => validateConfig({ ...good, ...change } as ModelConfig), words);
  }
});

Deno.test("defaultMlpWidth is 4d rounded up to a multiple of 8 (property)", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), (d) => {
    const m = defaultMlpWidth(d);
    return m % 8 === 0 && m >= 4 * d && m - 4 * d < 8;
  }));
  assertThrows(() => defaultMlpWidth(0), ["width", "0"]);
});

Deno.test("modelConfig: the default head size is 16, so width 16 works", () => {
  assertEquals(modelConfig({ vocab: 8, width: 16, depth: 1, seqLen: 4 }).heads, 1);
});

Deno.test("modelConfig derives heads from the head size and refuses a width it cannot split", () => {
  assertEquals(modelConfig({ vocab: 256, width: 128, depth: 4, seqLen: 64 }), {
    vocab: 256,
    width: 128,
    heads: 8,
    depth: 4,
    mlpWidth: 512,
    seqLen: 64,
  });
  assertEquals(modelConfig({ vocab: 8, width: 24, headSize: 8, depth: 1, seqLen: 4 }).heads, 3);
  assertThrows(
    () => modelConfig({ vocab: 8, width: 40, depth: 1, seqLen: 4 }),
    ["width 40", "headSize 16"],
  );
  assertThrows(
    () => modelConfig({ vocab: 8, width: 32, depth: 0, seqLen: 4 }),
    ["depth", "0"],
  );
  assertThrows(
    () => modelConfig({ vocab: 8, width: 30, headSize: 3, depth: 1, seqLen: 4 }),
    ["head size 3"],
  );
});
