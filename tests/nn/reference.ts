/**
 * A plain-JavaScript nGPT forward pass written straight from spec section 2, loop by loop, for
 * one sequence: the oracle the tensor implementation is compared with on tiny models.
 *
 * @module
 */
import type { Tensor } from "../../core/mod.ts";
import type { ModelConfig, NgptParams, RescalerFactors } from "../../nn/mod.ts";

type Vec = number[];
type Mat = number[][]; // [out][in]

function mat(t: Tensor): Mat {
  const [r, c] = t.shape;
  const d = t.dataSync();
  return Array.from({ length: r }, (_, i) => Array.from(d.subarray(i * c, (i + 1) * c)));
}
const vec = (t: Tensor, f: number): Vec => Array.from(t.dataSync(), (v) => v * f);
const mv = (w: Mat, x: Vec): Vec => w.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
const norm = (x: Vec): Vec => {
  const n = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  return x.map((v) => v / n);
};
const dot = (a: Vec, b: Vec) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Rotate-half RoPE of one head vector at position t. */
export function ropeReference(x: Vec, t: number, base = 10000): Vec {
  const k = x.length, half = k / 2;
  const out = [...x];
  for (let i = 0; i < half; i++) {
    const a = t * Math.pow(base, (-2 * i) / k);
    out[i] = x[i] * Math.cos(a) - x[i + half] * Math.sin(a);
    out[i + half] = x[i + half] * Math.cos(a) + x[i] * Math.sin(a);
  }
  return out;
}

/** Logits `[T][V]` for one token sequence, from the spec's formulas. */
export function referenceLogits(
  params: NgptParams,
  tokens: number[],
  config: ModelConfig,
  f: RescalerFactors,
): number[][] {
  const { width: d, heads: H } = config;
  const k = d / H;
  const embed = mat(params.embed);
  let hs: Vec[] = tokens.map((t) => [...embed[t]]);
  const lerp = (h: Vec, y: Vec, alpha: Vec) => {
    const n = norm(y);
    return norm(h.map((v, i) => v + Math.abs(alpha[i]) * (n[i] - v)));
  };
  for (const b of params.blocks) {
    const [Wq, Wk, Wv, Wo] = [b.attn.q, b.attn.k, b.attn.v, b.attn.o].map(mat);
    const sqk = vec(b.attn.sqk, f.sqk);
    const qs = hs.map((h) => mv(Wq, h)), ks = hs.map((h) => mv(Wk, h));
    const vs = hs.map((h) => mv(Wv, h));
    const attnOut = hs.map((_, t) => {
      const concat: number[] = [];
      for (let head = 0; head < H; head++) {
        const part = (x: Vec) => x.slice(head * k, (head + 1) * k);
        const s = sqk.slice(head * k, (head + 1) * k);
        const q = norm(ropeReference(part(qs[t]), t)).map((v, i) => v * s[i]);
        const scores: number[] = [];
        for (let j = 0; j <= t; j++) {
          const kj = norm(ropeReference(part(ks[j]), j)).map((v, i) => v * s[i]);
          scores.push(Math.sqrt(k) * dot(q, kj));
        }
        const m = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - m));
        const z = e.reduce((a, c) => a + c, 0);
        const out = new Array(k).fill(0);
        e.forEach((w, j) => part(vs[j]).forEach((v, i) => out[i] += (w / z) * v));
        concat.push(...out);
      }
      return mv(Wo, concat);
    });
    const alphaA = vec(b.alphaA, f.alphaA), alphaM = vec(b.alphaM, f.alphaM);
    hs = hs.map((h, t) => lerp(h, attnOut[t], alphaA));
    const [Wu, Wg, Wd] = [b.mlp.up, b.mlp.gate, b.mlp.down].map(mat);
    const su = vec(b.mlp.su, f.su), sv = vec(b.mlp.sv, f.sv);
    hs = hs.map((h) => {
      const u = mv(Wu, h).map((v, i) => v * su[i]);
      const g = mv(Wg, h).map((v, i) => v * sv[i] * Math.sqrt(d));
      const act = g.map((x, i) => (x / (1 + Math.exp(-x))) * u[i]);
      return lerp(h, mv(Wd, act), alphaM);
    });
  }
  const unembed = mat(params.unembed);
  const sz = vec(params.sz, f.sz);
  return hs.map((h) => mv(unembed, h).map((v, i) => v * sz[i]));
}
