/**
 * SVG plots of a sweep, drawn with Vega-Lite (`npm:vega-lite@6.4.1`, compiled to a Vega spec)
 * and rendered headlessly by Vega (`npm:vega@6.2.0`, `renderer: "none"`, `view.toSVG()`): no
 * canvas or browser is needed; text widths are Vega's estimates.
 *
 * - `lossCurvesSpec`: for one parameterization, final loss (seed mean) against log2 base lr, one
 *   curve per size; diverged runs as crosses along the top edge; each fitted lr* as a diamond.
 * - `lrStarSpec`: log2 lr* against size (log scale), one line per parameterization; an edge
 *   minimum (only a bound) as a hollow point.
 * - `signatureSpec`: final loss against size at the fixed high learning rate.
 *
 * @example
 * ```ts
 * import { renderSvg, lrStarSpec } from "./plot.ts";
 * const svg = await renderSvg(lrStarSpec([]));
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
import type { RunResult } from "./types.ts";

/** A Vega-Lite specification (kept loose: it is data handed to the compiler). */
export type VegaLiteSpec = Record<string, unknown>;

const FONT = { config: { font: "Helvetica, Arial, sans-serif", view: { stroke: "#ddd" } } };

/**
 * Renders a Vega-Lite spec to an SVG string.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./plot.ts";
 * const svg = await renderSvg({ mark: "point", data: { values: [{ x: 1 }] },
 *   encoding: { x: { field: "x", type: "quantitative" } } });
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
 * const spec = lossCurvesSpec([], { parameterization: "ngpt", optima: [] });
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
      subtitle: "seed-mean loss; diamond: fitted lr*; cross at the top: diverged",
    },
    width: 460,
    height: 300,
    layer: [
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
 * const spec = lrStarSpec([]);
 * ```
 */
export function lrStarSpec(optima: Summary["optima"]): VegaLiteSpec {
  const values = optima.filter((o) => o.log2LrStar !== null).map((o) => ({
    size: o.size,
    lrStar: o.log2LrStar,
    parameterization: o.parameterization,
    fit: o.edge === null ? "fitted" : `edge (${o.edge}): a bound`,
  }));
  const axis = optima[0]?.axis ?? "size";
  const sizes = [...new Set(values.map((v) => v.size))].sort((a, b) => a - b);
  return {
    title: `Optimal base learning rate vs ${axis}`,
    width: 460,
    height: 300,
    data: { values },
    mark: { type: "line", point: { size: 70, filled: true } },
    encoding: {
      x: {
        field: "size",
        type: "quantitative",
        title: axis,
        scale: { type: "log", base: 2 },
        axis: { values: sizes },
      },
      y: { field: "lrStar", type: "quantitative", title: "log2 lr*", scale: { zero: false } },
      color: { field: "parameterization", type: "nominal", title: "parameterization" },
      shape: { field: "fit", type: "nominal", title: "lr* fit" },
    },
  };
}

/**
 * Final loss against size at the signature learning rate, one line per parameterization.
 *
 * @example
 * ```ts
 * import { signatureSpec } from "./plot.ts";
 * const spec = signatureSpec({ log2Lr: -5, rows: [], trends: [] });
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
