/**
 * What the CPU can do, read from Linux's `/proc/cpuinfo`, and the OpenBLAS
 * kernel that suits it. OpenBLAS picks its kernel from a table of CPU models
 * it knows; on a CPU newer than the library (an old Debian OpenBLAS on a new
 * Xeon, say) it falls back to a generic kernel several times slower. Choosing
 * by instruction-set flags instead never needs the model to be known.
 *
 * @example
 * ```ts
 * import { openblasCoretype, parseCpuinfo } from "./cpu_features.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cpu = parseCpuinfo("vendor_id : GenuineIntel\ncpu family : 6\nflags : fma avx avx2\n");
 * assertEquals(openblasCoretype(cpu), "Haswell");
 * ```
 *
 * @module
 */

/** A CPU's vendor, family and instruction-set flags. */
export interface CpuFeatures {
  /** `intel`, `amd` or `other`. */
  vendor: "intel" | "amd" | "other";
  /** The `cpu family` number (e.g. 6 for Intel Core, 25 for AMD Zen 3/4, 26 for Zen 5). */
  family: number;
  /** The `model` number. */
  model: number;
  /** The `model name` line. */
  modelName: string;
  /** The `flags` (x86) or `Features` (Arm) words. */
  flags: ReadonlySet<string>;
}

function field(text: string, name: string): string | undefined {
  const m = text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"));
  return m ? m[1].trim() : undefined;
}

/**
 * The features of the first processor listed in a `/proc/cpuinfo` text.
 *
 * @example
 * ```ts
 * import { parseCpuinfo } from "./cpu_features.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cpu = parseCpuinfo("vendor_id\t: AuthenticAMD\ncpu family\t: 26\nflags\t\t: avx2 fma\n");
 * assertEquals([cpu.vendor, cpu.family, cpu.flags.has("avx2")], ["amd", 26, true]);
 * ```
 */
export function parseCpuinfo(text: string): CpuFeatures {
  const vendorId = field(text, "vendor_id") ?? "";
  const vendor = vendorId === "GenuineIntel"
    ? "intel"
    : vendorId === "AuthenticAMD"
    ? "amd"
    : "other";
  const flags = (field(text, "flags") ?? field(text, "Features") ?? "").split(/\s+/).filter((f) =>
    f.length > 0
  );
  return {
    vendor,
    family: Number(field(text, "cpu family") ?? NaN),
    model: Number(field(text, "model") ?? NaN),
    modelName: field(text, "model name") ?? "",
    flags: new Set(flags),
  };
}

/**
 * This machine's features, or `null` off Linux or without read permission
 * for `/proc/cpuinfo` (never prompts).
 *
 * @example
 * ```ts
 * import { readCpuFeatures } from "./cpu_features.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cpu = readCpuFeatures();
 * assertEquals(cpu === null || cpu.flags instanceof Set, true);
 * ```
 */
export function readCpuFeatures(): CpuFeatures | null {
  if (Deno.build.os !== "linux") return null;
  try {
    const state = Deno.permissions.querySync({ name: "read", path: "/proc/cpuinfo" }).state;
    if (state !== "granted") return null;
    return parseCpuinfo(Deno.readTextFileSync("/proc/cpuinfo"));
  } catch {
    return null;
  }
}

const AVX512_SKYLAKE = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"];

/**
 * The OpenBLAS kernel (`OPENBLAS_CORETYPE` value) best for these features,
 * or `undefined` to leave the choice to OpenBLAS (not x86, or no AVX):
 * `SkylakeX` with AVX-512 (F, CD, BW, DQ, VL), else `Zen` (AMD) or `Haswell`
 * with AVX2 and FMA, else `Sandybridge` with AVX.
 *
 * @example
 * ```ts
 * import { openblasCoretype, parseCpuinfo } from "./cpu_features.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const flags = "avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl";
 * assertEquals(openblasCoretype(parseCpuinfo(`vendor_id : AuthenticAMD\nflags : ${flags}`)), "SkylakeX");
 * ```
 */
export function openblasCoretype(cpu: CpuFeatures): string | undefined {
  const has = (f: string) => cpu.flags.has(f);
  if (AVX512_SKYLAKE.every(has)) return "SkylakeX";
  if (has("avx2") && has("fma")) return cpu.vendor === "amd" ? "Zen" : "Haswell";
  if (has("avx")) return "Sandybridge";
  return undefined;
}
