import { assertTrue } from "../../testing/assert.ts";
import { ngpt, nugpt } from "../../param/mod.ts";
import { coordCheck, log2Slope, type Movement } from "./coord_check.ts";

const widths = [32, 64, 128];
const show = (m: Movement[]) =>
  m.map((p) => `d=${p.width}: embed ${p.embed.toFixed(4)}, logits ${p.logits.toFixed(4)}`).join(
    "; ",
  );

Deno.test("coordinate check: the embedding output moves ~sqrt(d) under nGPT, flat under νGPT", () => {
  const options = { widths, lr: 0.005, steps: 3 };
  const n = coordCheck(ngpt, options);
  const v = coordCheck(nugpt(), options);
  const [ne, ve] = [log2Slope(n, "embed"), log2Slope(v, "embed")];
  // Adam moves each entry by about lr, so a row moves by about lr·sqrt(d) per step
  assertTrue(ne > 0.4 && ne < 0.6, `nGPT embedding slope ${ne}: ${show(n)}`);
  assertTrue(Math.abs(ve) < 0.1, `νGPT embedding slope ${ve}: ${show(v)}`);
  const expected = options.lr * Math.sqrt(widths[0]) * options.steps;
  assertTrue(Math.abs(n[0].embed / expected - 1) < 0.25, `base movement ${n[0].embed}`);
  // At the base width the two parameterizations are the same model.
  assertTrue(n[0].embed === v[0].embed && n[0].logits === v[0].logits);
  // Logits: νGPT grows much less with width than nGPT. (Not exactly flat this early: with full
  // alignment the unembedding's share scales as sz_init·lr_out·sqrt(d) ∝ mw^(1/2 − 3/4 + 1/2).)
  const [nl, vl] = [log2Slope(n, "logits"), log2Slope(v, "logits")];
  assertTrue(nl > vl + 0.05 && vl < 0.35, `logit slopes nGPT ${nl}, νGPT ${vl}`);
});
