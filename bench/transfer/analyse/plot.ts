/**
 * SVG plots of a sweep, drawn with Vega-Lite (`npm:vega-lite@6.4.1`, compiled to a Vega spec)
 * and rendered headlessly by Vega (`npm:vega@6.2.0`, `renderer: "none"`, `view.toSVG()`): no
 * canvas or browser is needed; text widths are Vega's estimates.
 *
 * - `lossCurvesSpec`: for one parameterization, final loss (seed mean) against log2 base lr, one
 *   curve per size with a shaded band (the bootstrap interval of each point's seed-mean loss);
 *   diverged runs as crosses along the top edge; each fitted lr* as a diamond.
 * - `lrStarSpec`: log2 lr* against size (log scale), one line per parameterization, each point
 *   with its bootstrap interval as an error bar (nudged sideways per parameterization so bars at
 *   a shared size do not hide each other); a one-sided interval runs off to a triangle at the
 *   open end; an edge minimum (only a bound) has its own point shape.
 * - `signatureSpec`: final loss against size at the fixed high learning rate.
 *
 * @example
 * ```ts
 * import { renderSvg, lrStarSpec } from "./plot.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const svg = await renderSvg(lrStarSpec([]));
 * assertTrue(svg.startsWith("<svg"));
 * ```
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- pinned here; deno.json has no import map for bench/
import * as vega from "npm:vega@6.2.0";
// deno-lint-ignore no-import-prefix -- pinned here; deno.json has no import map for bench/
import * as vegaLite from "npm:vega-lite@6.4.1";
import { seedMeanCurve } from "./fit.ts";
import { curves, type Summary } from "./summary.ts";
import type { RunResult } from "../plan/types.ts";

/** A Vega-Lite specification (kept loose: it is data handed to the compiler). */
export type VegaLiteSpec = Record<string, unknown>;

const FONT = { config: { font: "Helvetica, Arial, sans-serif", view: { stroke: "#ddd" } } };

/**
 * Renders a Vega-Lite spec to an SVG string.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./plot.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const svg = await renderSvg({ mark: "point", data: { values: [{ x: 1 }] },
 *   encoding: { x: { field: "x", type: "quantitative" } } });
 * assertTrue(svg.includes("</svg>"));
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // deno-lint-ignore no-explicit-any
  const compiled = vegaLite.compile({ ...FONT, ...spec } as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Final loss against log2 base lr for one parameterization (see the module doc).
 *
 * @example
 * ```ts
 * import { lossCurvesSpec } from "./plot.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const spec = lossCurvesSpec([], { parameterization: "ngpt", optima: [] });
 * assertEquals((spec.layer as unknown[]).length, 4); // band, curves, lr* diamonds, divergence
 * ```
 */
export function lossCurvesSpec(
  results: readonly RunResult[],
  options: { parameterization: string; optima: Summary["optima"]; yDomain?: [number, number] },
): VegaLiteSpec {
  const points: { lr: number; loss: number; size: string }[] = [];
  const diverged: { lr: number; size: string }[] = [];
  const mine = curves(results).filter((c) => c.parameterization === options.parameterization);
  for (const c of mine) {
    for (const p of seedMeanCurve(c.runs)) {
      if (Number.isFinite(p.loss)) {
        points.push({ lr: p.log2Lr, loss: p.loss, size: String(c.size) });
      } else diverged.push({ lr: p.log2Lr, size: String(c.size) });
    }
  }
  const finite = points.map((p) => p.loss);
  const yDomain = options.yDomain ??
    (finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1]);
  const pad = (yDomain[1] - yDomain[0]) * 0.05 || 0.05;
  const top = yDomain[1] + pad;
  const bands = options.optima.filter((o) => o.parameterization === options.parameterization)
    .flatMap((o) =>
      (o.band ?? []).filter((b) => b.lo !== null && b.hi !== null).map((b) => ({
        lr: b.log2Lr,
        lo: b.lo,
        hi: b.hi,
        size: String(o.size),
      }))
    );
  const stars = options.optima.filter((o) =>
    o.parameterization === options.parameterization && o.log2LrStar !== null
  ).map((o) => ({ lr: o.log2LrStar, loss: o.minLoss, size: String(o.size) }));
  const sizeOrder = mine.map((c) => String(c.size));
  const color = {
    field: "size",
    type: "ordinal",
    title: mine[0]?.axis ?? "size",
    sort: sizeOrder,
    scale: { scheme: "viridis" },
  };
  const lrs = [...points.map((p) => p.lr), ...diverged.map((d) => d.lr)];
  const xDomain = lrs.length ? [Math.min(...lrs) - 0.25, Math.max(...lrs) + 0.25] : [-1, 1];
  const x = {
    field: "lr",
    type: "quantitative",
    title: "log2 base learning rate",
    scale: { domain: xDomain, nice: false },
  };
  return {
    title: {
      text: `${options.parameterization}: final validation loss vs base learning rate`,
      subtitle: "seed-mean loss with its bootstrap band; diamond: fitted lr*; cross at the top: " +
        "diverged",
    },
    width: 460,
    height: 300,
    layer: [
      {
        data: { values: bands },
        mark: { type: "area", opacity: 0.18, clip: true },
        encoding: {
          x,
          y: { field: "lo", type: "quantitative", scale: { domain: [yDomain[0] - pad, top] } },
          y2: { field: "hi" },
          color,
        },
      },
      {
        data: { values: points },
        mark: { type: "line", point: true, clip: true },
        encoding: {
          x,
          y: {
            field: "loss",
            type: "quantitative",
            title: "final validation loss",
            scale: { domain: [yDomain[0] - pad, top], zero: false },
          },
          color,
        },
      },
      {
        data: { values: stars },
        mark: { type: "point", shape: "diamond", size: 120, filled: true, opacity: 0.6 },
        encoding: { x, y: { field: "loss", type: "quantitative" }, color },
      },
      {
        data: { values: diverged.map((d) => ({ ...d, loss: top })) },
        mark: { type: "point", shape: "cross", size: 90, filled: true },
        encoding: {
          x,
          y: { field: "loss", type: "quantitative" },
          color,
          tooltip: { value: "diverged" },
        },
      },
    ],
  };
}

/**
 * log2 lr* against size, all parameterizations on one chart (see the module doc).
 *
 * @example
 * ```ts
 * import { lrStarSpec } from "./plot.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const spec = lrStarSpec([]);
 * assertEquals((spec.layer as unknown[]).length, 3); // lines and points, error bars, open ends
 * ```
 */
export function lrStarSpec(optima: Summary["optima"]): VegaLiteSpec {
  const params = [...new Set(optima.map((o) => o.parameterization))];
  const fitted = optima.filter((o) => o.log2LrStar !== null);
  const ends = fitted.flatMap((o) => [o.log2LrStar!, o.interval?.lo ?? NaN, o.interval?.hi ?? NaN])
    .filter(Number.isFinite);
  const yMin = ends.length ? Math.min(...ends) - 0.5 : -1;
  const yMax = ends.length ? Math.max(...ends) + 0.5 : 1;
  const values = fitted.map((o) => {
    const i = params.indexOf(o.parameterization);
    const nudge = 2 ** ((i - (params.length - 1) / 2) * 0.04);
    return {
      size: o.size,
      x: o.size * nudge,
      lrStar: o.log2LrStar,
      lo: o.interval === null ? o.log2LrStar : o.interval.lo ?? yMin,
      hi: o.interval === null ? o.log2LrStar : o.interval.hi ?? yMax,
      openLo: o.interval !== null && o.interval.lo === null,
      openHi: o.interval !== null && o.interval.hi === null,
      parameterization: o.parameterization,
      fit: o.edge === null ? "fitted" : `edge (${o.edge}): a bound`,
    };
  });
  const axis = optima[0]?.axis ?? "size";
  const sizes = [...new Set(values.map((v) => v.size))].sort((a, b) => a - b);
  const level = optima.find((o) => o.interval !== null)?.interval?.level ?? 0.9;
  const x = {
    field: "x",
    type: "quantitative",
    title: axis,
    scale: { type: "log", base: 2 },
    axis: { values: sizes },
  };
  const color = { field: "parameterization", type: "nominal", title: "parameterization" };
  const y = { type: "quantitative", title: "log2 lr*", scale: { zero: false } };
  const openEnd = (flag: string, field: string, shape: string) => ({
    transform: [{ filter: `datum.${flag}` }],
    mark: { type: "point", shape, filled: true, size: 60 },
    encoding: { x, y: { field, ...y }, color },
  });
  return {
    title: {
      text: `Optimal base learning rate vs ${axis}`,
      subtitle: `bars: ${Math.round(level * 100)} % bootstrap intervals; a triangle marks an ` +
        "open (one-sided) end",
    },
    width: 460,
    height: 300,
    data: { values },
    layer: [
      {
        mark: { type: "line", point: { size: 70, filled: true } },
        encoding: {
          x,
          y: { field: "lrStar", ...y },
          color,
          shape: { field: "fit", type: "nominal", title: "lr* fit" },
        },
      },
      {
        mark: { type: "rule", strokeWidth: 1.5, opacity: 0.7 },
        encoding: { x, y: { field: "lo", ...y }, y2: { field: "hi" }, color },
      },
      {
        layer: [
          openEnd("openLo", "lo", "triangle-down"),
          openEnd("openHi", "hi", "triangle-up"),
        ],
      },
    ],
  };
}

/**
 * Final loss against size at the signature learning rate, one line per parameterization.
 *
 * @example
 * ```ts
 * import { signatureSpec } from "./plot.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const spec = signatureSpec({ log2Lr: -5, rows: [], trends: [] });
 * assertEquals(spec.mark, { type: "line", point: true });
 * ```
 */
export function signatureSpec(signature: NonNullable<Summary["signature"]>): VegaLiteSpec {
  const values = signature.rows.filter((r) => r.loss !== null);
  const axis = signature.rows[0]?.axis ?? "size";
  const sizes = [...new Set(values.map((v) => v.size))].sort((a, b) => a - b);
  return {
    title: `Final loss vs ${axis} at a high learning rate (2^${signature.log2Lr})`,
    width: 460,
    height: 260,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "size",
        type: "quantitative",
        title: axis,
        scale: { type: "log", base: 2 },
        axis: { values: sizes },
      },
      y: {
        field: "loss",
        type: "quantitative",
        title: "final validation loss",
        scale: { zero: false },
      },
      color: { field: "parameterization", type: "nominal" },
    },
  };
}
