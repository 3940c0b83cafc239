/**
 * bench/alignment: the probed matrix inputs agree with nn's forward pass, the measurement
 * steps, the command lines, and both scripts end to end on a tiny model.
 */
import * as nu from "../mod.ts";
import { attention, mlp, modelConfig, ngptModel, ropeTables } from "../nn/mod.ts";
import { nugpt } from "../param/mod.ts";
import { fc } from "../testing/fc.ts";
import { assertEquals, assertThrows, assertTrue } from "../testing/assert.ts";
import { parseAlignmentArgs, parseCoordArgs } from "../bench/alignment/args.ts";
import { runAlignmentBench } from "../bench/alignment/main.ts";
import { runCoordCheck } from "../bench/alignment/coord_check.ts";
import { measurementSteps } from "../bench/alignment/measure.ts";
import { hiddenLayers, matrixInputs } from "../bench/alignment/probe.ts";
import type { AlignmentRecord } from "../bench/alignment/measure.ts";

const maxAbsDiff = (a: nu.Tensor, b: nu.Tensor) =>
  nu.tidy(() => nu.max(nu.abs(nu.sub(a, b))).dataSync()[0]);

Deno.test("matrixInputs: each matrix's input reproduces nn's attention, mlp and blocks", () => {
  const width = 64, depth = 2, T = 8;
  const dims = { width, depth, steps: 10, baseWidth: 32, baseDepth: depth, baseSteps: 10 };
  const model = ngptModel(modelConfig({ vocab: 32, width, depth, seqLen: T, headSize: 32 }), {
    parameterization: nugpt,
    dims,
  });
  nu.tidy(() => {
    const params = model.init(nu.key(3));
    const tokens = nu.randint(nu.key(4), [2, T], 0, 32);
    const acts = matrixInputs(model, params, tokens);
    const states = model.hiddenStates(params, tokens);
    const rope = ropeTables(T, 32);
    const rows = (x: nu.Tensor) => nu.reshape(x, [-1, x.shape[x.rank - 1]]);
    params.blocks.forEach((p, i) => {
      const h = acts[`blocks.${i}.attnIn`];
      assertTrue(maxAbsDiff(h, rows(states[i])) === 0, `block ${i} input`);
      const a = attention(p.attn, states[i], { heads: 2, sqkFactor: model.factors.sqk, rope });
      const viaO = nu.matmul(acts[`blocks.${i}.attnMerged`], p.attn.o, { transB: true });
      assertTrue(maxAbsDiff(viaO, rows(a)) < 1e-5, `block ${i} attention output`);
      const m = mlp(p.mlp, nu.reshape(acts[`blocks.${i}.mlpIn`], [2, T, width]), {
        suFactor: model.factors.su,
        svFactor: model.factors.sv,
      });
      const viaDown = nu.matmul(acts[`blocks.${i}.mlpHidden`], p.mlp.down, { transB: true });
      assertTrue(maxAbsDiff(viaDown, rows(m)) < 1e-5, `block ${i} mlp output`);
    });
    assertEquals(acts.logits.shape, [2 * T, 32]);
  });
  assertEquals(Object.keys(hiddenLayers(2)).length, 14);
});

Deno.test("measurementSteps: multiples of every, then the last step", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 60 }), (
    steps,
    every,
  ) => {
    const s = measurementSteps(steps, every);
    assertEquals(s[s.length - 1], steps);
    assertTrue(s.every((x, i) => x >= 1 && (i === 0 || x > s[i - 1])));
    assertEquals(s.filter((x) => x % every === 0).length, Math.floor(steps / every));
  }));
  assertThrows(() => measurementSteps(10, 0), ["every"]);
});

Deno.test("command lines: defaults of the brief, errors name the flag", () => {
  const a = parseAlignmentArgs([]);
  assertEquals([a.width, a.depth, a.headSize, a.seq, a.batch], [64, 2, 32, 64, 16]);
  assertEquals([a.steps, a.every, a.lr, a.baseWidth, a.out], [
    300,
    25,
    2 ** -6,
    32,
    "out/alignment",
  ]);
  assertEquals(a.params, ["ngpt", "nugpt"]);
  assertEquals(parseAlignmentArgs(["--lr", "0.01"]).lr, 0.01);
  assertThrows(() => parseAlignmentArgs(["--lr", "-1"]), ["--lr"]);
  assertThrows(() => parseAlignmentArgs(["--params", "ngpt,foo"]), ["--params", "foo"]);
  assertThrows(() => parseAlignmentArgs(["--width", "48"]), ["--width 48", "--head-size 32"]);
  assertEquals(parseCoordArgs([]).widths, [32, 64, 128]);
  assertThrows(() => parseCoordArgs(["--widths", "32"]), ["--widths"]);
});

async function tinyText(dir: string): Promise<string> {
  const words = ["the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far", "away"];
  let text = "";
  for (let i = 0; text.length < 6000; i++) text += words[(i * 7 + (i >> 3)) % words.length] + " ";
  const path = `${dir}/tiny.txt`;
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test("alignment bench end to end: finite exponents, jsonl, table and plots", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await tinyText(dir);
    const out = `${dir}/out`;
    const before = nu.memory().tensors;
    const records = await runAlignmentBench([
      ...["--width", "64", "--depth", "1", "--seq", "8", "--batch", "4", "--probe", "4"],
      ...["--steps", "6", "--every", "3", "--data", data, "--out", out],
    ]);
    assertEquals(nu.memory().tensors, before);
    assertEquals(records.map((r) => [r.parameterization, r.step]), [
      ["ngpt", 3],
      ["ngpt", 6],
      ["nugpt", 3],
      ["nugpt", 6],
    ]);
    for (const r of records) {
      assertEquals(Object.keys(r.matrices).length, 7);
      for (const m of Object.values(r.matrices)) {
        // Cauchy–Schwarz bounds every exponent by 1; ω compares a random W0 with Δh.
        for (const v of [m.alpha, m.omega, m.nu]) {
          assertTrue(Number.isFinite(v) && v <= 1 + 1e-12, `exponent ${v}`);
        }
        // A random W0 is unaligned with Δh: ω near 1/2 (measured 0.49-0.55). Adam's update is
        // a sum of outer products δ hᵀ: aligned with h, α above 1/2 (measured 0.69-0.77).
        assertTrue(Math.abs(m.omega - 0.5) < 0.1, `ω ${m.omega}`);
        assertTrue(m.alpha > 0.6, `α ${m.alpha}`);
      }
    }
    // νGPT's learning rates differ from nGPT's at width 64 over base 32: the runs differ
    assertTrue(
      records[1].matrices["blocks.0.attn.q"].alpha !== records[3].matrices["blocks.0.attn.q"].alpha,
    );
    const lines = (await Deno.readTextFile(`${out}/alignment.jsonl`)).trim().split("\n");
    assertEquals((JSON.parse(lines[3]) as AlignmentRecord).step, 6);
    const md = await Deno.readTextFile(`${out}/alignment.md`);
    assertTrue(md.includes("| ngpt | early | 3 |") && md.includes("| nugpt | late | 6 |"), md);
    for (const f of ["alpha", "omega", "nu", "loss"]) {
      assertTrue((await Deno.readTextFile(`${out}/${f}.svg`)).startsWith("<svg"), f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("coordinate-check plot: nGPT's embedding output grows like sqrt(width), νGPT's is flat", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = await runCoordCheck([
      ...["--widths", "32,64", "--steps", "1", "--seeds", "1", "--depth", "1"],
      ...["--seq", "8", "--batch", "2", "--out", dir],
    ]);
    const embed = (p: string) =>
      rows.find((r) => r.parameterization === p && r.quantity === "embedding output")!;
    assertTrue(Math.abs(embed("ngpt").exponent - 0.5) < 0.1, `ngpt ${embed("ngpt").exponent}`);
    assertTrue(Math.abs(embed("nugpt").exponent) < 0.1, `nugpt ${embed("nugpt").exponent}`);
    assertTrue((await Deno.readTextFile(`${dir}/coord_check.md`)).includes("| nugpt | logits |"));
    assertTrue((await Deno.readTextFile(`${dir}/coord_check.svg`)).startsWith("<svg"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
