/**
 * BLAS selection: the OpenBLAS kernel chosen from sample `/proc/cpuinfo`
 * texts, the candidate list, the load-time check refusing wrong libraries
 * (fakes) and moving to the next, and the real library on this machine.
 */
import { blasLibrary, type Requirement, requires } from "../requires.ts";
import {
  type Blas,
  blasCandidates,
  openBlas,
  openCandidate,
  selectBlas,
} from "../../kernels/cpu/blas.ts";
import { checkGemm, type GemmArgs, type GemmFn } from "../../kernels/cpu/blas_check.ts";
import { openblasCoretype, parseCpuinfo, readCpuFeatures } from "../../kernels/cpu/cpu_features.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

/** Trimmed `/proc/cpuinfo` texts of real machines (first processor only). */
const CPUINFO = {
  intelAvx512: `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 143
model name	: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags		: fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq ` +
    `avx512ifma avx512cd avx512bw avx512vl avx512_bf16 amx_tile
`,
  intelHaswell: `vendor_id	: GenuineIntel
cpu family	: 6
model		: 63
model name	: Intel(R) Xeon(R) CPU E5-2680 v3 @ 2.50GHz
flags		: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2
`,
  amdZen3: `vendor_id	: AuthenticAMD
cpu family	: 25
model		: 1
model name	: AMD EPYC 7B13 64-Core Processor
flags		: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 sha_ni vaes
`,
  amdZen5: `vendor_id	: AuthenticAMD
cpu family	: 26
model		: 2
model name	: AMD EPYC 9B45 128-Core Processor
flags		: fpu sse sse2 fma avx avx2 avx512f avx512dq avx512ifma avx512cd avx512bw ` +
    `avx512vl avx_vnni avx512_bf16 avx512vbmi avx512_vp2intersect
`,
  sandyBridge: `vendor_id	: GenuineIntel
cpu family	: 6
model		: 42
flags		: fpu sse sse2 ssse3 sse4_1 sse4_2 avx
`,
  noAvx: `vendor_id	: GenuineIntel
cpu family	: 6
model		: 6
model name	: QEMU Virtual CPU version 2.5+
flags		: fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2
`,
  arm: `processor	: 0
BogoMIPS	: 243.75
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid sve
CPU implementer	: 0x41
`,
};

Deno.test("cpu features: parsed from cpuinfo texts", () => {
  const zen5 = parseCpuinfo(CPUINFO.amdZen5);
  assertEquals([zen5.vendor, zen5.family, zen5.model], ["amd", 26, 2]);
  assertEquals(zen5.modelName, "AMD EPYC 9B45 128-Core Processor");
  assertTrue(zen5.flags.has("avx512bw") && !zen5.flags.has("sse4_1"));
  const arm = parseCpuinfo(CPUINFO.arm);
  assertEquals(arm.vendor, "other");
  assertTrue(arm.flags.has("asimd"));
});

Deno.test("cpu features: the OpenBLAS kernel for each CPU", () => {
  const kernel = (text: string) => openblasCoretype(parseCpuinfo(text));
  assertEquals(kernel(CPUINFO.intelAvx512), "SkylakeX");
  assertEquals(kernel(CPUINFO.amdZen5), "SkylakeX");
  assertEquals(kernel(CPUINFO.amdZen3), "Zen");
  assertEquals(kernel(CPUINFO.intelHaswell), "Haswell");
  assertEquals(kernel(CPUINFO.sandyBridge), "Sandybridge");
  assertEquals(kernel(CPUINFO.noAvx), undefined);
  assertEquals(kernel(CPUINFO.arm), undefined);
  // AVX-512 F alone (Knights Landing) lacks BW/DQ/VL: not SkylakeX.
  assertEquals(
    kernel("vendor_id : GenuineIntel\nflags : avx avx2 fma avx512f avx512cd avx512er\n"),
    "Haswell",
  );
});

Deno.test("candidates: the chosen kernel, the user's choice respected, libblas.so.3 on its own", () => {
  const paths = ["libopenblas.so.0", "libblis.so.4", "libblas.so.3"];
  const cpu = parseCpuinfo(CPUINFO.amdZen5);
  assertEquals(blasCandidates({ paths, cpu }), [
    { path: "libopenblas.so.0", coretype: "SkylakeX" },
    { path: "libblis.so.4", coretype: "SkylakeX" },
    { path: "libblas.so.3" },
  ]);
  const user = blasCandidates({ paths, cpu, userCoretype: "Haswell" });
  assertTrue(user.every((c) => c.coretype === undefined));
  assertTrue(blasCandidates({ paths, cpu: null }).every((c) => c.coretype === undefined));
  // A single path the user named gets the kernel, even libblas.so.3.
  assertEquals(blasCandidates({ paths: ["libblas.so.3"], cpu }), [
    { path: "libblas.so.3", coretype: "SkylakeX" },
  ]);
});

/** A correct GEMM in TypeScript, and wrong variants of it. */
function tsGemm(
  bug: "none" | "ignoreTransB" | "lowPrecision" | "throws" | "skipsLastRow" = "none",
): GemmFn {
  return <T extends Float32Array | Float64Array>(g: GemmArgs<T>) => {
    const { a, b, c, m, n, k, transA, transB } = g;
    if (bug === "throws") throw new Error("SIGILL-like failure");
    for (let i = 0; i < (bug === "skipsLastRow" && m > 4 ? m - 1 : m); i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const bv = b[transB && bug !== "ignoreTransB" ? j * k + p : p * n + j];
          s += a[transA ? p * m + i : i * k + p] * bv;
        }
        c[i * n + j] = bug === "lowPrecision" ? Math.round(s * 256) / 256 : s;
      }
    }
  };
}

function fakeBlas(name: string, gemm: GemmFn): Blas {
  return { library: `/fake/${name}.so`, name, kernel: "Fake", description: `${name} Fake`, gemm };
}

Deno.test("check: a correct GEMM passes; each kind of wrong one is named", () => {
  assertEquals(checkGemm(tsGemm()), null);
  const ignore = checkGemm(tsGemm("ignoreTransB"))!;
  assertTrue(ignore.startsWith("sgemm 3x5x7 transA=false transB=true: element"), ignore);
  const low = checkGemm(tsGemm("lowPrecision"))!;
  assertTrue(low.startsWith("sgemm "), low);
  assertTrue(checkGemm(tsGemm("throws"))!.includes("threw SIGILL-like failure"));
  // C left as it was (12345) in a row: found at that row.
  const skipped = checkGemm(tsGemm("skipsLastRow"))!;
  assertTrue(skipped.includes("element [16,0] is 12345"), skipped);
});

Deno.test("check: any single wrong element of any product is caught", () => {
  // 24 products (2 dtypes x 3 shapes x 4 transposes); an error of 0.01 or more is above the
  // check's f32 tolerance (4e-5 of the sum of |a b|, at most ~3e-3 here).
  fc.assert(fc.property(fc.nat(23), fc.nat(10_000), fc.double({ min: 0.01, max: 10 }), (
    call,
    at,
    delta,
  ) => {
    let calls = 0;
    const good = tsGemm();
    const gemm: GemmFn = (g) => {
      good(g);
      if (calls++ === call) g.c[at % g.c.length] += delta;
    };
    assertTrue(checkGemm(gemm) !== null);
  }));
});

Deno.test("select: a wrong library is refused and the next candidate is used", () => {
  const libs: Record<string, Blas> = {
    broken: fakeBlas("broken", tsGemm("ignoreTransB")),
    crashy: fakeBlas("crashy", tsGemm("throws")),
    right: fakeBlas("right", tsGemm()),
  };
  const opened: string[] = [];
  const open = (c: { path: string; coretype?: string }) => {
    opened.push(`${c.path}:${c.coretype ?? "-"}`);
    return libs[c.path] ?? null;
  };
  const { blas, refused, missing } = selectBlas(
    [{ path: "broken", coretype: "SkylakeX" }, { path: "absent" }, { path: "crashy" }, {
      path: "right",
    }, { path: "never" }],
    { open },
  );
  assertEquals(blas?.name, "right");
  assertEquals(opened, ["broken:SkylakeX", "absent:-", "crashy:-", "right:-"]);
  assertEquals(missing, ["absent"]);
  assertEquals(refused.length, 2);
  assertTrue(refused[0].startsWith("broken Fake (broken): sgemm 3x5x7"), refused[0]);
  assertTrue(refused[1].includes("threw"), refused[1]);
  const none = selectBlas([{ path: "broken" }], { open });
  assertEquals([none.blas, none.refused.length], [null, 1]);
});

Deno.test("openCandidate: a path that does not open gives null", () => {
  assertEquals(openCandidate({ path: "/nonexistent/libnothing.so", coretype: "Haswell" }), null);
});

const real = openBlas();
const realBlas = blasLibrary();
const openblas: Requirement = {
  what: "OpenBLAS (not another BLAS, not NUGRAD_BLAS)",
  missing: real === null
    ? "no BLAS library opened"
    : !/OpenBLAS/.test(real.name)
    ? `the library opened is ${real.name}`
    : Deno.env.get("NUGRAD_BLAS") !== undefined
    ? "NUGRAD_BLAS is set"
    : null,
  install: "apt-get install libopenblas0-pthread, and unset NUGRAD_BLAS",
};

requires(realBlas, {
  name: "real BLAS: passes the check and runs the kernel chosen (or the user's)",
  fn() {
    assertEquals(checkGemm(real!.gemm), null);
    if (!/OpenBLAS/.test(real!.name) || real!.library === "libblas.so.3") return;
    const user = Deno.env.get("OPENBLAS_CORETYPE");
    const cpu = readCpuFeatures();
    const want = user ?? (cpu ? openblasCoretype(cpu) : undefined);
    if (want !== undefined) assertEquals(real!.kernel?.toLowerCase(), want.toLowerCase());
  },
});

async function kernelIn(env: Record<string, string | undefined>): Promise<string> {
  const url = new URL("../../kernels/cpu/blas.ts", import.meta.url).href;
  const code = `import { openBlas } from ${JSON.stringify(url)};
console.log(openBlas()?.kernel ?? "none");`;
  const clear = Object.entries(env).filter(([, v]) => v === undefined).map(([k]) => k);
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    env: set,
    stdout: "piped",
    stderr: "piped",
  });
  // Deno.Command cannot unset one variable; run through `env -u` instead where needed.
  const out = clear.length === 0 ? await cmd.output() : await new Deno.Command("env", {
    args: [...clear.flatMap((k) => ["-u", k]), Deno.execPath(), "eval", "--no-check", code],
    env: set,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertTrue(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

requires(openblas, {
  name: "real OpenBLAS: the kernel follows the CPU, and a preset OPENBLAS_CORETYPE wins",
  async fn() {
    const cpu = readCpuFeatures();
    const chosen = cpu ? openblasCoretype(cpu) : undefined;
    const auto = await kernelIn({ OPENBLAS_CORETYPE: undefined });
    if (chosen !== undefined) assertTrue(auto.toLowerCase().endsWith(chosen.toLowerCase()), auto);
    const user = await kernelIn({ OPENBLAS_CORETYPE: "Prescott" });
    assertTrue(user.endsWith("Prescott"), user);
  },
});
