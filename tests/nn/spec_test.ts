/**
 * The parameter table (`nn/spec.ts`) against the spec's section 5 listing written out by hand,
 * and every view derived from it: names, shapes, roles, sphere axes, rescaler keys, settings,
 * checkpoint metadata and the tensors `init` and `save` produce.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { key, type Tensor, treeLeaves, treePaths } from "../../core/mod.ts";
import { compose, mup, ngpt, nugpt, nugptPaper, type Query } from "../../param/mod.ts";
import {
  axisTree,
  init,
  load,
  type ModelConfig,
  modelConfig,
  ngptModel,
  parameterNames,
  PARAMETERS,
  parameterShapes,
  parameterSpec,
  RESCALER_KEYS,
  rescalerFactors,
  rescalerMetadata,
  roleOf,
  roleTree,
  save,
  settingsFor,
  sphereAxisOf,
  UNIT_FACTORS,
} from "../../nn/mod.ts";
import { arbDims } from "../param/arbitraries.ts";

type Row = [name: string, shape: string, role: string, axis: -1 | 0 | null, rescaler?: string];

/** Spec section 5 and 4, by hand: name, shape in V d H k m, role, sphere axis, rescaler key. */
const SPEC: readonly Row[] = [
  ["embed", "V d", "input", -1],
  ["blocks.{l}.attn.q", "d d", "hidden", -1],
  ["blocks.{l}.attn.k", "d d", "hidden", -1],
  ["blocks.{l}.attn.v", "d d", "hidden", -1],
  ["blocks.{l}.attn.o", "d d", "hidden", 0],
  ["blocks.{l}.attn.sqk", "H k", "sqk", null, "sqk"],
  ["blocks.{l}.alphaA", "d", "alpha", null, "alphaA"],
  ["blocks.{l}.mlp.up", "m d", "hidden", -1],
  ["blocks.{l}.mlp.gate", "m d", "hidden", -1],
  ["blocks.{l}.mlp.down", "d m", "hidden", 0],
  ["blocks.{l}.mlp.su", "m", "su", null, "su"],
  ["blocks.{l}.mlp.sv", "m", "sv", null, "sv"],
  ["blocks.{l}.alphaM", "d", "alpha", null, "alphaM"],
  ["unembed", "V d", "output", -1],
  ["sz", "V", "sz", null, "sz"],
];

const arbConfig = () =>
  fc.record({
    vocab: fc.integer({ min: 1, max: 50 }),
    heads: fc.integer({ min: 1, max: 4 }),
    headHalf: fc.integer({ min: 1, max: 8 }),
    depth: fc.integer({ min: 0, max: 5 }),
    mlpWidth: fc.integer({ min: 1, max: 40 }),
  }).map(({ vocab, heads, headHalf, depth, mlpWidth }) =>
    Object.freeze({ vocab, width: heads * 2 * headHalf, heads, depth, mlpWidth, seqLen: 4 })
  );

function shapeOf(text: string, c: ModelConfig): number[] {
  const sizes: Record<string, number> = {
    V: c.vocab,
    d: c.width,
    H: c.heads,
    k: c.width / c.heads,
    m: c.mlpWidth,
  };
  return text.split(" ").map((s) => sizes[s]);
}

const expand = (depth: number) => {
  const head = SPEC.filter(([n]) => n === "embed");
  const blocks = SPEC.filter(([n]) => n.startsWith("blocks."));
  const tail = SPEC.filter(([n]) => n === "unembed" || n === "sz");
  const at = (l: number) => blocks.map(([n, ...rest]): Row => [n.replace("{l}", `${l}`), ...rest]);
  return [...head, ...Array.from({ length: depth }, (_, l) => at(l)).flat(), ...tail];
};

Deno.test("spec table: rows equal the spec's listing (names, roles, axes, rescalers)", () => {
  assertEquals(
    PARAMETERS.map((r) => [r.pattern, r.role, r.sphereAxis, r.rescaler]),
    SPEC.map(([n, , role, axis, rescaler]) => [n, role, axis, rescaler]),
  );
  assertEquals([...RESCALER_KEYS], SPEC.flatMap((r) => r[4] ?? []));
});

Deno.test("spec table: names, shapes, roles and axes derived for any config and layer", () => {
  fc.assert(
    fc.property(arbConfig(), fc.nat({ max: 10_000 }), (config, layer) => {
      const rows = expand(config.depth);
      assertEquals(parameterNames(config.depth), rows.map((r) => r[0]));
      assertEquals(
        parameterShapes(config),
        Object.fromEntries(rows.map(([n, s]) => [n, shapeOf(s, config)])),
      );
      for (const [name, , role, axis, rescaler] of SPEC) {
        const concrete = name.replace("{l}", String(layer));
        assertEquals([roleOf(concrete), sphereAxisOf(concrete)], [role, axis]);
        assertEquals(parameterSpec(concrete).rescaler, rescaler);
      }
    }),
  );
  assertThrows(() => parameterNames(-1), ["parameterNames", "-1"]);
});

Deno.test("spec table: unknown names are refused with the name and every known pattern", () => {
  const bad = ["", "embedding", "blocks.x.attn.q", "blocks.01.attn.q", "blocks.0.attn.qk"];
  for (
    const name of [...bad, "blocks.0.attn", "blocks.0.mlp.sz", "Unembed", "sz ", "blocks.-1.alphaA"]
  ) {
    const error = assertThrows(() => roleOf(name), ["roleOf", JSON.stringify(name)]);
    for (const [pattern] of SPEC) assertTrue(error.message.includes(pattern));
  }
  assertThrows(() => sphereAxisOf("w"), 'sphereAxisOf: unknown parameter name "w"');
  fc.assert(
    fc.property(fc.string(), (tail) => {
      assertThrows(() => roleOf(`x${tail}`), "unknown parameter name");
    }),
  );
});

Deno.test("spec table: init's tree, roleTree and axisTree follow the table", () => {
  const config = modelConfig({ vocab: 8, width: 32, depth: 2, seqLen: 4, headSize: 16 });
  const params = init(key(0), config);
  const paths = treePaths<Tensor>(params);
  assertEquals(paths.map(([p]) => p), parameterNames(2));
  const shapes = parameterShapes(config);
  for (const [path, t] of paths) assertEquals(t.shape, shapes[path]);
  assertEquals(
    treePaths(roleTree(params)).map(([p, r]) => [p, r]),
    paths.map(([p]) => [p, roleOf(p)]),
  );
  assertEquals(
    treePaths(axisTree(params)).map(([p, a]) => [p, a]),
    paths.map(([p]) => [p, sphereAxisOf(p)]),
  );
  treeLeaves<Tensor>(params).forEach((t) => t.dispose());
});

Deno.test("spec table: settingsFor a name equals the answer for its role, with path and shape", () => {
  const presets = fc.constantFrom(ngpt, mup, nugpt, nugptPaper);
  fc.assert(
    fc.property(presets, arbDims(), fc.nat({ max: 4 }), (p, dims, depth) => {
      for (const name of parameterNames(depth)) {
        assertEquals(settingsFor(p, name, dims), p({ role: roleOf(name), dims }));
      }
    }),
  );
  const seen: Query[] = [];
  const spy = compose("spy", ngpt, (s, q) => {
    seen.push(q);
    return q.shape ? { ...s, lr: 1 / q.shape[1] } : s;
  });
  const dims = { width: 64, depth: 2, steps: 10, baseWidth: 32, baseDepth: 2, baseSteps: 10 };
  assertEquals(settingsFor(spy, "blocks.1.mlp.down", dims, [64, 256]).lr, 1 / 256);
  assertEquals(seen.map((q) => [q.path, q.role, q.shape]), [["blocks.1.mlp.down", "hidden", [
    64,
    256,
  ]]]);
  assertThrows(() => settingsFor(ngpt, "blocks.0.attn.w", dims), ["settingsFor", "attn.w"]);
});

Deno.test("spec table: rescaler metadata and factors have one entry per rescaler row", () => {
  const presets = fc.constantFrom(ngpt, mup, nugpt, nugptPaper);
  fc.assert(
    fc.property(presets, arbDims(), (p, dims) => {
      const meta = rescalerMetadata(p, dims);
      assertEquals(JSON.parse(JSON.stringify(meta)), meta);
      const rows = PARAMETERS.filter((r) => r.rescaler !== undefined);
      assertEquals(
        meta,
        Object.fromEntries(rows.map((r) => {
          const { init, scale } = p({ role: r.role, dims });
          return [r.rescaler, { init, scale }];
        })),
      );
      const factors = rescalerFactors(p, dims);
      assertEquals(Object.keys(factors).sort(), [...RESCALER_KEYS].sort());
      for (const k of RESCALER_KEYS) assertEquals(factors[k], meta[k].init / meta[k].scale);
    }),
  );
  assertEquals(Object.values(UNIT_FACTORS), RESCALER_KEYS.map(() => 1));
});

Deno.test("spec table: a checkpoint holds exactly the table's tensors and rescaler keys", async () => {
  const config = modelConfig({ vocab: 8, width: 32, depth: 1, seqLen: 4 });
  const model = ngptModel(config, { parameterization: nugpt });
  const params = model.init(key(1));
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  try {
    await save(path, params, { config, parameterization: nugpt });
    const loaded = await load(path);
    assertEquals(treePaths(loaded.params).map(([p]) => p), parameterNames(1));
    assertEquals(Object.keys(loaded.rescalers).sort(), [...RESCALER_KEYS].sort());
    treeLeaves(loaded.params).forEach((t) => (t as { dispose(): void }).dispose());
  } finally {
    await Deno.remove(path);
    treeLeaves<Tensor>(params).forEach((t) => t.dispose());
  }
});
