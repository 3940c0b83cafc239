/**
 * The command line of `deno task transfer fit` (see `fit_command.ts`): the declared split
 * between what is fitted and what is validated, checked before anything trains.
 *
 * @example
 * ```ts
 * import { parseFitArgs } from "./fit_args.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const a = parseFitArgs(["--fit-sizes", "16,32", "--validate-sizes", "64", "--validate-config", "seq=64"]);
 * assertEquals([a.fitSizes, a.validateSizes, a.validateConfig], [[16, 32], [64], [["--seq", "64"]]]);
 * ```
 *
 * @module
 */
import { parseArgs } from "../../cli.ts";
import { parseCommand } from "../plan/args.ts";
import type { SweepConfig } from "../plan/config.ts";
import { BUILTIN_PARAMS } from "../plan/param_ref.ts";
import { AXES, type Axis } from "../plan/types.ts";

/** Parsed `transfer fit` flags. */
export interface FitArgs {
  /** The flags as given (for the report). */
  argv: string[];
  /** A built-in parameterization to start from. */
  baseParam: string;
  /**
   * The axis fitted and validated: `width` (role probe + calibration, width exponents) or
   * `depth`, `steps`, `batch` (one exponent over every role, the base's own slope on that axis).
   */
  axis: Axis;
  fitSizes: number[];
  validateSizes: number[];
  /** The other configuration, as sweep flags, e.g. [["--seq", "64"]]. */
  validateConfig: [string, string][];
  /** Role groups, each roles joined by `+`. */
  groups: string[];
  /** First probe range in octaves (±r alone, ±r/2 at the corners). */
  range: number;
  /** How many times a group's range may double while its optimum sits at an edge. */
  maxWiden: number;
  /**
   * When the calibration's slope is folded in: `significant` (the default) only when its 90 %
   * interval excludes 0, `always` whatever its interval.
   */
  fold: "significant" | "always";
  /**
   * Which probed exponents enter the parameterization: `always` (the default) every one, or
   * `significant` only those whose 90 % interval excludes 0 and that are not bounds (a group still
   * at the edge of its range after the last widening).
   */
  probeKeep: "significant" | "always";
  seeds: number;
  replicates: number;
  out: string;
  /** Sweep flags shared by every stage (model, data, backend, --synthetic, ...). */
  common: string[];
  /** The fitted configuration as the sweep parses it. */
  config: SweepConfig;
}

/** The role groups probed by default. */
export const DEFAULT_GROUPS = ["input", "hidden", "output", "alpha+sqk+su+sv+sz"];

const CONFIG_KEYS: Record<string, keyof SweepConfig> = {
  "seq": "seq",
  "head-size": "headSize",
  "steps": "steps",
  "batch": "batch",
  "depth": "depth",
};

/** Flags handed to every stage's sweep unchanged. */
const PASSED = [
  "preset",
  "width",
  "head-size",
  "seq",
  "steps",
  "depth",
  "batch",
  "data",
  "backend",
  "eval-every",
  "optimizer",
  "warmup",
  "lrs",
  "group",
];

/** `transfer fit --help`. */
export const FIT_HELP =
  `deno task transfer fit: find a parameterization on some widths, validate it on others

  --axis width               the axis fitted: width (a role probe and a calibration) or depth,
                             steps, batch (one exponent over every role: the base's own slope)
  --fit-sizes 16,32          sizes on the axis the fit trains on (two or more)
  --validate-sizes 64,128    held-out sizes (none fitted; the largest ≥ 2× the largest fitted)
  --validate-config K=V,...  a held-out configuration: seq, head-size, steps, batch or depth
  --base-param nugpt         the built-in to start from (ngpt, mup, nugpt, nugptPaper)
  --groups a,b+c,...         role groups scaled jointly (default ${DEFAULT_GROUPS.join(",")});
                             width axis only
  --range R                  first probe range, octaves (default 1); doubled per edge group
  --max-widen N              doublings allowed (default 2)
  --fold significant|always  fold the calibration's slope only when its interval excludes 0
                             (default significant), or always
  --probe-keep always|significant
                             keep every probed exponent (default), or only those whose interval
                             excludes 0 and that are not at the edge of their range
  --seeds N                  seeds per point (default 2)
  --replicates N             bootstrap replicates (default 1000)
  --out DIR                  output folder (default out/fit)
  --preset, --width, --head-size, --seq, --steps, --depth, --batch, --data, --backend, --eval-every,
  --optimizer, --warmup, --lrs, --group, --synthetic, --no-jit: as for a sweep, for every stage`;

/**
 * Parses and checks the flags; throws naming the flag and value (and the size, for a held-out
 * size that is also fitted).
 *
 * @example
 * ```ts
 * import { parseFitArgs } from "./fit_args.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * assertThrows(
 *   () => parseFitArgs(["--fit-sizes", "16,32", "--validate-sizes", "32,64", "--validate-config", "seq=64"]),
 *   "transfer fit: width 32 is both fitted and held out",
 * );
 * ```
 */
export function parseFitArgs(argv: readonly string[]): FitArgs {
  const parsedFlags = parseArgs({
    args: [...argv],
    options: {
      "axis": { type: "string" },
      "fit-sizes": { type: "string" },
      "validate-sizes": { type: "string" },
      "validate-config": { type: "string" },
      "base-param": { type: "string" },
      "groups": { type: "string" },
      "range": { type: "string" },
      "max-widen": { type: "string" },
      "fold": { type: "string" },
      "probe-keep": { type: "string" },
      "seeds": { type: "string" },
      "replicates": { type: "string" },
      "out": { type: "string" },
      "synthetic": { type: "boolean" },
      "no-jit": { type: "boolean" },
      ...Object.fromEntries(PASSED.map((f) => [f, { type: "string" as const }])),
    },
  });
  const values = parsedFlags.values as Record<string, string | boolean | undefined>;
  const need = (flag: string) => {
    const v = values[flag];
    if (typeof v !== "string") {
      throw new Error(`transfer fit: --${flag} is required\n\n${FIT_HELP}`);
    }
    return v;
  };
  const sizes = (flag: string) =>
    need(flag).split(",").map((s) => {
      const n = Number(s);
      if (!(Number.isInteger(n) && n > 0)) {
        throw new Error(`transfer fit: --${flag} must list positive integers, got '${s}'`);
      }
      return n;
    });
  const axisText = typeof values.axis === "string" ? values.axis : "width";
  if (!(AXES as readonly string[]).includes(axisText)) {
    throw new Error(`transfer fit: --axis must be one of ${AXES.join(", ")}, got '${axisText}'`);
  }
  const axis = axisText as Axis;
  if (axis !== "width" && typeof values.groups === "string") {
    throw new Error(
      `transfer fit: --groups ${values.groups} with --axis ${axis}: the role probe fits width ` +
        `exponents; on the ${axis} axis the fit folds one exponent into every role's rate`,
    );
  }
  const fitSizes = sizes("fit-sizes");
  const validateSizes = sizes("validate-sizes");
  if (fitSizes.length < 2) {
    throw new Error(`transfer fit: --fit-sizes needs two or more widths, got ${fitSizes}`);
  }
  for (const s of validateSizes) {
    if (fitSizes.includes(s)) {
      throw new Error(
        `transfer fit: ${axis} ${s} is both fitted and held out; a size used in the fit cannot ` +
          `be validated on`,
      );
    }
  }
  const maxFit = Math.max(...fitSizes);
  if (Math.max(...validateSizes) < 2 * maxFit) {
    throw new Error(
      `transfer fit: --validate-sizes needs one ${axis} ≥ 2 × the largest fitted (${
        2 * maxFit
      }), ` +
        `got ${validateSizes}`,
    );
  }
  const number = (flag: string, fallback: number, ok: (n: number) => boolean) => {
    const v = values[flag];
    const n = typeof v === "string" ? Number(v) : fallback;
    if (!ok(n)) throw new Error(`transfer fit: bad --${flag} '${v}'`);
    return n;
  };
  const common: string[] = [];
  for (const f of PASSED) if (typeof values[f] === "string") common.push(`--${f}=${values[f]}`);
  if (axis !== "width") common.push(`--axis=${axis}`);
  if (values.synthetic) common.push("--synthetic");
  if (values["no-jit"]) common.push("--no-jit");
  const parsed = parseCommand([...common, "--sizes", fitSizes.join(",")]);
  if (parsed.kind !== "sweep") throw new Error("transfer fit: could not read the sweep flags");
  const config = parsed.config;
  const validateConfig = need("validate-config").split(",").map((kv): [string, string] => {
    const [key, value] = kv.split("=");
    const field = CONFIG_KEYS[key];
    if (field === undefined || value === undefined) {
      throw new Error(
        `transfer fit: --validate-config takes K=V with K one of ` +
          `${Object.keys(CONFIG_KEYS).join(", ")}, got '${kv}'`,
      );
    }
    if (key === axis) {
      throw new Error(
        `transfer fit: --validate-config ${kv} sets the fitted axis (${axis}); the held-out ` +
          `${axis} sizes are --validate-sizes`,
      );
    }
    if (String(config[field]) === value) {
      throw new Error(
        `transfer fit: --validate-config ${kv} is the fitted configuration (${key} ${value}); ` +
          `a configuration used in the fit cannot be validated on`,
      );
    }
    return [`--${key}`, value];
  });
  const groups = typeof values.groups === "string" ? values.groups.split(",") : DEFAULT_GROUPS;
  const baseParam = typeof values["base-param"] === "string" ? values["base-param"] : "nugpt";
  if (!(BUILTIN_PARAMS as readonly string[]).includes(baseParam)) {
    throw new Error(
      `transfer fit: --base-param must be a built-in (${BUILTIN_PARAMS.join(", ")}), got ` +
        `'${baseParam}'`,
    );
  }
  const fold = typeof values.fold === "string" ? values.fold : "significant";
  if (fold !== "significant" && fold !== "always") {
    throw new Error(`transfer fit: --fold must be significant or always, got '${fold}'`);
  }
  const probeKeep = typeof values["probe-keep"] === "string" ? values["probe-keep"] : "always";
  if (probeKeep !== "significant" && probeKeep !== "always") {
    throw new Error(
      `transfer fit: --probe-keep must be always or significant, got '${probeKeep}'`,
    );
  }
  return {
    argv: [...argv],
    baseParam,
    fold,
    probeKeep,
    axis,
    fitSizes,
    validateSizes,
    validateConfig,
    groups,
    range: number("range", 1, (n) => n > 0),
    maxWiden: number("max-widen", 2, (n) => Number.isInteger(n) && n >= 0),
    seeds: number("seeds", 2, (n) => Number.isInteger(n) && n > 0),
    replicates: number("replicates", 1000, (n) => Number.isInteger(n) && n > 0),
    out: typeof values.out === "string" ? values.out : "out/fit",
    common,
    config,
  };
}
