/**
 * `einsum`, lowered to nugrad's primitives: repeated subscripts in one operand
 * (diagonals) become a multiply by an identity mask and a sum; subscripts no
 * later operand or the output needs are summed early; each pair of operands
 * is contracted by one batched `matmul` after transposes and reshapes
 * (`[batch, free₁, contracted] × [batch, contracted, free₂]`); the result is
 * transposed to the output's order. So it differentiates, compiles under
 * `jit` and runs on every backend without a kernel of its own.
 *
 * @module
 */
import { fmtShape, Tensor, tidy } from "../tensor.ts";
import { isFloat, mul } from "./elementwise.ts";
import { matmul } from "./matmul.ts";
import { sum } from "./reduce.ts";
import { reshape, transpose } from "./shape.ts";
import { eye } from "./ranges.ts";

/** An operand with one letter per axis. */
interface Term {
  t: Tensor;
  ix: string[];
}

interface Parsed {
  inputs: string[][];
  output: string[];
}

function parse(subscripts: string, n: number): Parsed {
  if (typeof subscripts !== "string") {
    throw new Error(`einsum: subscripts must be a string, got ${typeof subscripts}`);
  }
  const s = subscripts.replace(/\s+/g, "");
  const parts = s.split("->");
  if (parts.length > 2) throw new Error(`einsum: more than one "->" in "${subscripts}"`);
  const inputs = parts[0].split(",").map((p) => [...p]);
  if (inputs.length !== n) {
    throw new Error(
      `einsum: "${subscripts}" names ${inputs.length} operand(s), but ${n} were given`,
    );
  }
  const all = inputs.flat();
  const bad = [...(parts[1] ?? ""), ...all].find((c) => !/[a-zA-Z]/.test(c));
  if (bad !== undefined) {
    throw new Error(
      `einsum: bad subscript "${bad}" in "${subscripts}" (letters only; no ellipsis)`,
    );
  }
  let output: string[];
  if (parts.length === 2) {
    output = [...parts[1]];
    const seen = new Set<string>();
    for (const c of output) {
      if (seen.has(c)) {
        throw new Error(`einsum: output subscript "${c}" repeats in "${subscripts}"`);
      }
      if (!all.includes(c)) {
        throw new Error(`einsum: output subscript "${c}" is in no input of "${subscripts}"`);
      }
      seen.add(c);
    }
  } else {
    // Implicit output: the letters that appear exactly once, in alphabetical order.
    output = [...new Set(all)].filter((c) => all.indexOf(c) === all.lastIndexOf(c)).sort();
  }
  return { inputs, output };
}

/** Sum out `letters` of `term`. */
function sumOut(term: Term, letters: readonly string[]): Term {
  const axes = term.ix.flatMap((c, i) => (letters.includes(c) ? [i] : []));
  if (axes.length === 0) return term;
  return { t: sum(term.t, { axis: axes }), ix: term.ix.filter((c) => !letters.includes(c)) };
}

/** Take the diagonal of every letter repeated within `term`. */
function diagonals(term: Term): Term {
  let { t, ix } = term;
  for (;;) {
    const j = ix.findIndex((c, k) => ix.indexOf(c) !== k);
    if (j < 0) return { t, ix };
    const i = ix.indexOf(ix[j]);
    const n = t.shape[i];
    const shape = t.shape.map((_, k) => (k === i || k === j ? n : 1));
    const mask = reshape(eye(n, { dtype: t.dtype, backend: t.backend }), shape);
    t = sum(mul(t, mask), { axis: j });
    ix = ix.filter((_, k) => k !== j);
  }
}

/** Contract two terms over their shared letters not in `keep`. */
function contract(a: Term, b: Term, keep: ReadonlySet<string>): Term {
  const shared = a.ix.filter((c) => b.ix.includes(c));
  const batch = shared.filter((c) => keep.has(c));
  const inner = shared.filter((c) => !keep.has(c));
  const freeA = a.ix.filter((c) => !b.ix.includes(c));
  const freeB = b.ix.filter((c) => !a.ix.includes(c));
  const size = (term: Term, c: string) => term.t.shape[term.ix.indexOf(c)];
  const prod = (term: Term, cs: string[]) => cs.reduce((n, c) => n * size(term, c), 1);
  const arrange = (term: Term, order: string[], dims: number[]) =>
    reshape(transpose(term.t, order.map((c) => term.ix.indexOf(c))), dims);
  const nb = prod(a, batch), m = prod(a, freeA), k = prod(a, inner), n = prod(b, freeB);
  const left = arrange(a, [...batch, ...freeA, ...inner], [nb, m, k]);
  const right = arrange(b, [...batch, ...inner, ...freeB], [nb, k, n]);
  const out = matmul(left, right);
  const dims = [...batch.map((c) => size(a, c)), ...freeA.map((c) => size(a, c))];
  return {
    t: reshape(out, [...dims, ...freeB.map((c) => size(b, c))]),
    ix: [...batch, ...freeA, ...freeB],
  };
}

/**
 * Einstein summation over `operands` (float tensors) following `subscripts`
 * (`"ij,jk->ik"`: one letter per axis, `->` then the output's letters;
 * without `->`, the letters used once, alphabetically). Letters repeated in
 * one operand take its diagonal; letters missing from the output are summed.
 * Lowered to transposes, reshapes, sums and batched matmuls (see the module
 * doc), so it is differentiable.
 *
 * @example
 * ```ts
 * import { einsum, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6], [7, 8]]);
 * assertEquals(await einsum("ij,jk->ik", a, b).toArray(), [[19, 22], [43, 50]]);
 * assertEquals(await einsum("ii", a).item(), 5); // the trace
 * assertEquals(await einsum("ij->ji", a).toArray(), [[1, 3], [2, 4]]);
 * assertEquals(await einsum("i,j->ij", tensor([1, 2]), tensor([3, 4])).toArray(), [[3, 4], [6, 8]]);
 * ```
 */
export function einsum(subscripts: string, ...operands: Tensor[]): Tensor {
  const { inputs, output } = parse(subscripts, operands.length);
  const sizes = new Map<string, number>();
  operands.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`einsum: operand ${i} is not a Tensor`);
    t.assertLive("einsum");
    if (!isFloat(t.dtype)) {
      throw new Error(`einsum: operand ${i} must be float, got ${t.dtype} ${fmtShape(t.shape)}`);
    }
    if (t.dtype !== operands[0].dtype) {
      throw new Error(`einsum: dtypes differ: ${operands[0].dtype} and ${t.dtype} (operand ${i})`);
    }
    if (inputs[i].length !== t.rank) {
      throw new Error(
        `einsum: operand ${i} has shape ${fmtShape(t.shape)} but subscripts "${
          inputs[i].join("")
        }" (${inputs[i].length} axes)`,
      );
    }
    inputs[i].forEach((c, k) => {
      const d = sizes.get(c);
      if (d !== undefined && d !== t.shape[k]) {
        throw new Error(
          `einsum: subscript "${c}" has size ${d} and ${
            t.shape[k]
          } (operand ${i}, axis ${k}) in "${subscripts}"`,
        );
      }
      sizes.set(c, t.shape[k]);
    });
  });
  return tidy(() => {
    const terms: Term[] = operands.map((t, i) => diagonals({ t, ix: inputs[i] }));
    const needed = (from: number) =>
      new Set([...output, ...terms.slice(from).flatMap((x) => x.ix)]);
    // Letters only the first term has and nothing later needs are summed now.
    let acc = sumOut(terms[0], terms[0].ix.filter((c) => !needed(1).has(c)));
    for (let i = 1; i < terms.length; i++) {
      const keepAfter = needed(i + 1);
      const b = sumOut(
        terms[i],
        terms[i].ix.filter((c) => !keepAfter.has(c) && !acc.ix.includes(c)),
      );
      acc = sumOut(acc, acc.ix.filter((c) => !keepAfter.has(c) && !b.ix.includes(c)));
      acc = contract(acc, b, keepAfter);
    }
    acc = sumOut(acc, acc.ix.filter((c) => !output.includes(c)));
    const perm = output.map((c) => acc.ix.indexOf(c));
    return perm.every((p, i) => p === i) ? acc.t : transpose(acc.t, perm);
  });
}
