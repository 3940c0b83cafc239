import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { cpuBackend, key, memory, mul, type Tensor, treePaths } from "../../core/mod.ts";
import { ngpt, nugpt } from "../../param/mod.ts";
import { projectToSphere } from "../../optim/mod.ts";
import {
  axisTree,
  init,
  modelConfig,
  parameterNames,
  parameterShapes,
  settingsFor,
  sphereAxisOf,
} from "../../nn/mod.ts";
import { disposeTree, worstUnitNormError } from "./helpers.ts";

const config = modelConfig({ vocab: 24, width: 32, headSize: 8, depth: 2, seqLen: 8 });

Deno.test("init: treePaths give the canonical names of spec section 5, with their shapes", () => {
  const params = init(key(0), config);
  const paths = treePaths<Tensor>(params);
  assertEquals(paths.map(([p]) => p), parameterNames(2));
  assertEquals(paths.map(([p]) => p), [
    "embed",
    ...[0, 1].flatMap((l) =>
      ["attn.q", "attn.k", "attn.v", "attn.o", "attn.sqk", "alphaA", "mlp.up", "mlp.gate"]
        .concat(["mlp.down", "mlp.su", "mlp.sv", "alphaM"])
        .map((n) => `blocks.${l}.${n}`)
    ),
    "unembed",
    "sz",
  ]);
  const shapes = parameterShapes(config);
  for (const [path, t] of paths) assertEquals([...t.shape], shapes[path], path);
  assertEquals([...params.blocks[1].attn.sqk.shape], [4, 8]);
  assertEquals([...params.blocks[0].mlp.down.shape], [32, 128]);
  disposeTree(params);
});

Deno.test("init: every matrix has unit-norm vectors along d; rescalers are not normalized", () => {
  const params = init(key(1), config);
  let matrices = 0;
  for (const [path, t] of treePaths<Tensor>(params)) {
    const axis = sphereAxisOf(path);
    if (axis === null) continue;
    matrices++;
    assertTrue(worstUnitNormError(t, axis) < 1e-5, `${path} is off the sphere`);
    // the other axis is not normalized (the vectors are not also unit along the wrong axis)
    assertTrue(worstUnitNormError(t, axis === -1 ? 0 : -1) > 1e-3, `${path}: wrong axis?`);
  }
  assertEquals(matrices, 2 + 2 * 7);
  disposeTree(params);
});

Deno.test("init: rescalers store `scale` in every entry (nGPT and νGPT at a wider model)", () => {
  const dims = { width: 32, depth: 2, steps: 100, baseWidth: 16, baseDepth: 1, baseSteps: 50 };
  // spec section 7: scale of αA, αM, sqk, sz is 1/sqrt(d) under nGPT, s0 = 1/sqrt(d0) under
  // νGPT (defaults); su, sv have scale 1 under both.
  for (const [parameterization, s] of [[undefined, 1 / Math.sqrt(32)], [nugpt, 0.25]] as const) {
    const params = init(key(2), config, { parameterization, dims });
    for (const [path, t] of treePaths<Tensor>(params)) {
      if (sphereAxisOf(path) !== null) continue;
      const want = /\.s[uv]$/.test(path) ? 1 : s;
      const oracle = settingsFor(parameterization ?? ngpt, path, dims).scale;
      assertClose(oracle as number, want, { message: path });
      for (const v of t.dataSync()) assertClose(v, want, { rtol: 1e-6, message: path });
    }
    disposeTree(params);
  }
});

Deno.test("init: same key same parameters; other key differs; f64 on the CPU; params are kept", () => {
  const before = memory().tensors;
  const a = init(key(3), config);
  const b = init(key(3), config, { dtype: "f64", backend: cpuBackend() });
  const c = init(key(4), config);
  assertEquals(b.embed.dtype, "f64");
  const [ea, eb, ec] = [a, b, c].map((p) => Array.from(p.blocks[1].mlp.gate.dataSync()));
  ea.forEach((v, i) => assertClose(v, eb[i], { rtol: 1e-5, atol: 1e-7 }));
  assertTrue(ea.some((v, i) => v !== ec[i]));
  assertEquals(memory().tensors - before, 3 * treePaths(a).length);
  for (const p of [a, b, c]) disposeTree(p);
  assertEquals(memory().tensors, before);
  assertThrows(() => init(key(0), config, { dtype: "i32" as "f32" }), ["dtype", "i32"]);
  assertThrows(() => init(key(0), { ...config, heads: 5 }), ["width 32", "heads 5"]);
});

Deno.test("projectToSphere(axisTree(params)): brings moved matrices back to the sphere, leaves rescalers alone", () => {
  const params = init(key(5), config);
  const moved = {
    ...params,
    embed: mul(params.embed, 3),
    blocks: params.blocks.map((b) => ({ ...b, mlp: { ...b.mlp, down: mul(b.mlp.down, 0.5) } })),
  };
  const back: typeof moved = projectToSphere(axisTree(params))(moved);
  assertTrue(worstUnitNormError(back.embed, -1) < 1e-5);
  assertTrue(worstUnitNormError(back.blocks[0].mlp.down, 0) < 1e-5);
  assertTrue(back.sz === params.sz && back.blocks[1].alphaM === params.blocks[1].alphaM);
  const e0 = params.embed.dataSync(), e1 = back.embed.dataSync();
  e0.forEach((v, i) => assertClose(e1[i], v, { rtol: 1e-5, atol: 1e-7 }));
  disposeTree([params, moved.embed, back.embed, back.blocks.map((b) => b.mlp.down)]);
  moved.blocks.forEach((b) => b.mlp.down.dispose());
});
