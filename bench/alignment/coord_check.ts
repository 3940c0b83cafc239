/**
 * Coordinate check as a plot: the nGPT model under nGPT and νGPT at widths 32/64/128 (or
 * `--widths`), a few Adam steps at a constant learning rate on one fixed Brown-corpus batch,
 * through `testing.ts`'s `coordCheck` with `optim`'s `optimizerFor`. Reports how far the
 * embedding output, the last block's output and the logits moved, per width, with the fitted
 * exponent in width. Writes `OUT/coord_check.md` and `OUT/coord_check.svg`.
 *
 * ```sh
 * deno run -A bench/alignment/coord_check.ts                  # widths 32,64,128, out/alignment
 * deno run -A bench/alignment/coord_check.ts --widths 32,64,128,256 --steps 5
 * ```
 *
 * @example
 * ```ts ignore
 * import { runCoordCheck } from "./coord_check.ts";
 * const rows = await runCoordCheck(["--widths", "32,64", "--steps", "1", "--out", "out/cc"]);
 * ```
 *
 * @module
 */
import { fromData, keep, type Tensor } from "../../core/mod.ts";
import { axisTree, modelConfig, ngptModel, roleTree, splitBatch } from "../../nn/mod.ts";
import { constant, optimizerFor, type Params } from "../../optim/mod.ts";
import {
  coordCheck,
  type CoordCheckReport,
  type ModelContext,
  type ModelFactory,
} from "../../testing.ts";
import { loadBrownCorpus } from "../transfer/run/corpus.ts";
import { sampleBatch } from "../transfer/run/data.ts";
import { renderSvg } from "../transfer/analyse/plot.ts";
import { PARAMETERIZATIONS, parseCoordArgs } from "./args.ts";
import { coordMarkdown, type CoordRow, coordSpec } from "./coord_report.ts";

const HELP = `deno run -A bench/alignment/coord_check.ts [options]

  --widths a,b,c   widths (multiples of 32; default 32,64,128; the first is the base width)
  --steps N        Adam steps at each width (default 3)
  --lr X           constant base learning rate (default 2^-10)
  --depth L        blocks (default 2); --seq T (default 64); --batch B (default 16)
  --seeds S        initializations averaged (default 2)
  --params a,b     parameterizations (default ngpt,nugpt)
  --out DIR        output folder (default out/alignment)
`;

/**
 * The nGPT model at a width as `coordCheck` sees it (vocabulary 256, head size 32).
 *
 * @example
 * ```ts
 * import { key } from "../../core/mod.ts";
 * import { ngptFactory } from "./coord_check.ts";
 * const dims = { width: 32, depth: 1, steps: 1, baseWidth: 32, baseDepth: 1, baseSteps: 1 };
 * import { assertEquals } from "../../testing/assert.ts";
 * const model = ngptFactory({ depth: 1, seq: 8 })(32, { key: key(0), dims });
 * assertEquals(model.params.embed.shape, [256, 32]);
 * ```
 */
export function ngptFactory(shape: { depth: number; seq: number }): ModelFactory {
  return (width, { key, dims, parameterization }) => {
    const config = modelConfig({ vocab: 256, width, depth: shape.depth, seqLen: shape.seq });
    const model = ngptModel(config, { parameterization, dims });
    return {
      params: keep(model.init(key)),
      loss: (p, b) => model.loss(p, b),
      activations: (p, b) => {
        const { inputs } = splitBatch(b);
        const states = model.hiddenStates(p, inputs);
        return {
          embedded: states[0],
          lastBlock: states[states.length - 1],
          logits: model.apply(p, inputs),
        };
      },
    };
  };
}

/**
 * The rows the plot shows, from one parameterization's report.
 *
 * @example
 * ```ts
 * import { coordRows } from "./coord_check.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const s = { values: [1, 1], exponent: 0, verdict: "flat" as const };
 * const m = { coordinate: s, vector: s };
 * const report = { widths: [32, 64], params: {}, activations: { embedded: m, lastBlock: m, logits: m } };
 * assertEquals(coordRows("nugpt", report).length, 3);
 * ```
 */
export function coordRows(name: string, report: CoordCheckReport): CoordRow[] {
  const pick = [
    ["embedding output", report.activations.embedded.vector, "vector"],
    ["last block output", report.activations.lastBlock.vector, "vector"],
    ["logits", report.activations.logits.coordinate, "coordinate"],
  ] as const;
  return pick.map(([quantity, s, metric]) => ({
    parameterization: name,
    quantity,
    metric,
    widths: report.widths,
    values: s.values,
    exponent: s.exponent,
    verdict: s.verdict,
  }));
}

/**
 * Run the coordinate check with command-line arguments; returns the rows written.
 *
 * @example
 * ```ts
 * import { runCoordCheck } from "./coord_check.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const out = await Deno.makeTempDir();
 * const rows = await runCoordCheck(["--widths", "32,64", "--steps", "1", "--seeds", "1", "--depth", "1", "--seq", "8", "--batch", "2", "--out", out]);
 * // nGPT's embedding output moves like sqrt(width) under Adam at a fixed learning rate
 * assertTrue(Math.abs(rows[0].exponent - 0.5) < 0.15, `exponent ${rows[0].exponent}`);
 * ```
 */
export async function runCoordCheck(argv: string[]): Promise<CoordRow[]> {
  const args = parseCoordArgs(argv);
  if (args.help) {
    console.log(HELP);
    return [];
  }
  const started = performance.now();
  const data = await loadBrownCorpus();
  const tokens = sampleBatch(data.train, {
    seed: 0,
    step: 0,
    batch: args.batch,
    seq: args.seq,
  });
  const batch: Tensor = keep(fromData(tokens, [args.batch, args.seq + 1], { dtype: "i32" }));
  const optimizer = (_w: number, ctx: ModelContext & { params: unknown }) => {
    const o = optimizerFor(ctx.parameterization!, ctx.dims, {
      params: ctx.params as Params,
      roles: roleTree(ctx.params),
      axes: axisTree(ctx.params),
      schedule: constant(args.lr),
    });
    return { init: o.init, step: o.step };
  };
  const rows: CoordRow[] = [];
  try {
    for (const name of args.params) {
      const t0 = performance.now();
      const report = await coordCheck(ngptFactory(args), {
        widths: args.widths,
        steps: args.steps,
        batch,
        parameterization: PARAMETERIZATIONS[name](),
        optimizer,
        depth: args.depth,
        seeds: Array.from({ length: args.seeds }, (_, i) => i),
      });
      rows.push(...coordRows(name, report));
      console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    batch.dispose();
  }
  const wall = (performance.now() - started) / 1000;
  const command = `deno run -A bench/alignment/coord_check.ts ${argv.join(" ")}`.trim();
  const notes = [
    `Model: vocabulary 256, head size 32, depth ${args.depth}, seq ${args.seq}, batch ` +
    `${args.batch} (one fixed Brown-corpus batch), ${args.steps} Adam steps at constant lr ` +
    `${args.lr}, mean over ${args.seeds} seed(s); flat = |exponent| <= 0.25.`,
    `Wall time: ${wall.toFixed(1)} s.`,
  ];
  await Deno.mkdir(args.out, { recursive: true });
  await Deno.writeTextFile(`${args.out}/coord_check.md`, coordMarkdown(rows, { command, notes }));
  await Deno.writeTextFile(`${args.out}/coord_check.svg`, await renderSvg(coordSpec(rows)));
  console.log(`wrote ${args.out}/coord_check.{md,svg} in ${wall.toFixed(1)} s`);
  return rows;
}

if (import.meta.main) {
  try {
    await runCoordCheck(Deno.args);
  } catch (e) {
    console.error(`coord_check: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
