/**
 * "This test requires X": the one way a nugrad test may be skipped.
 *
 * A requirement is something outside the repository that some tests need (a WebGPU adapter, a
 * BLAS library). Where it is present, {@linkcode requires} registers the test as usual. Where it
 * is missing:
 *
 * - outside CI the test is registered as ignored, and a line
 *   `nugrad-skip: <test name> -- needs <what>: <why missing>` goes to stderr, so a run's ignored
 *   count and the names behind it can be read from its output (`.ci/run` lists them);
 * - under CI (`CI` set to anything but `false`/`0`/empty) the dependent tests are ignored just the
 *   same, and ONE extra test named `requires <what>` fails, naming what is missing and how to
 *   install it, so a CI run without the adapter or the library goes red instead of shrinking.
 *
 * Every `ignore:` in the suite goes through here (`tests/surface/skips_test.ts` checks that).
 *
 * @module
 */
import { probeAdapter } from "../kernels/webgpu/backend.ts";
import { createCpuBackend } from "../kernels/cpu/backend.ts";
import { DEFAULT_ONEDNN_CANDIDATES, openOneDnn } from "../kernels/cpu/onednn.ts";

/** Something outside the repository that some tests need. */
export interface Requirement {
  /** What is needed, in words (`a WebGPU adapter`). */
  what: string;
  /** Why it is missing (null when it is present). */
  missing: string | null;
  /** How to install it. */
  install: string;
}

/** True when the `CI` environment variable says this is a CI run. */
export function inCI(): boolean {
  const v = Deno.env.get("CI");
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** The WebGPU adapter (Mesa's lavapipe on a machine without a GPU). */
export async function webgpuAdapter(): Promise<Requirement> {
  const found = await probeAdapter();
  return {
    what: "a WebGPU adapter",
    missing: found === null
      ? `navigator.gpu found no adapter (DENO_WEBGPU_BACKEND=${
        Deno.env.get("DENO_WEBGPU_BACKEND") ?? "(unset)"
      })`
      : null,
    install: "apt-get install mesa-vulkan-drivers, and set DENO_WEBGPU_BACKEND=vulkan",
  };
}

/** A BLAS library the CPU backend can open (OpenBLAS, or the one `NUGRAD_BLAS` names). */
export function blasLibrary(): Requirement {
  const lib = createCpuBackend().blasLibrary;
  return {
    what: "a BLAS library",
    missing: lib === null
      ? `the CPU backend opened none (NUGRAD_BLAS=${Deno.env.get("NUGRAD_BLAS") ?? "(unset)"})`
      : null,
    install: "apt-get install libopenblas0-pthread, or set NUGRAD_BLAS=/path/to/libblas.so",
  };
}

/** oneDNN, for the CPU's f32 products (`kernels/cpu/onednn.ts`). */
export function oneDnnLibrary(): Requirement {
  const found = DEFAULT_ONEDNN_CANDIDATES.find((path) => openOneDnn(path) !== null);
  return {
    what: "oneDNN",
    missing: found === undefined
      ? `none of ${DEFAULT_ONEDNN_CANDIDATES.join(", ")} opened (needs --allow-ffi)`
      : null,
    install: "apt-get install libdnnl2",
  };
}

const reported = new Set<string>();

/**
 * Register `test` if `requirement` is met; otherwise ignore it (named on stderr), and under CI
 * register one failing test naming the missing requirement (once per requirement per file).
 */
export function requires(requirement: Requirement, test: Deno.TestDefinition): void {
  if (requirement.missing === null) {
    Deno.test(test);
    return;
  }
  console.error(
    `nugrad-skip: ${test.name} -- needs ${requirement.what}: ${requirement.missing}`,
  );
  Deno.test({ ...test, ignore: true });
  if (inCI() && !reported.has(requirement.what)) {
    reported.add(requirement.what);
    Deno.test(`requires ${requirement.what}`, () => {
      throw new Error(
        `CI is set and ${requirement.what} is missing: ${requirement.missing}. ` +
          `Install it (${requirement.install}); under CI the tests that need it fail ` +
          `instead of being skipped.`,
      );
    });
  }
}
