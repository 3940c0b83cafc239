/**
 * Every row of the bad-input table fails with its message, on each backend it names; none
 * returns a value. WebGPU rows run with `checks({ indices: true })`, so that an out-of-range
 * index is reported at the readback as on the CPU. A last test scans all the messages for
 * nugrad's internal function names: a message names the function the user called.
 */
import * as nu from "../../mod.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { gpuTest } from "../kernels/webgpu_helpers.ts";
import { BAD_INPUTS, type BadInput } from "./bad_inputs.ts";

/** Names of internal functions and primitives that no user-facing message should show. */
const INTERNAL_NAMES = [
  "fromData",
  "binary",
  "unary",
  "compare",
  "constant",
  "reduceSum",
  "reduceMax",
  "crossEntropyGrad",
  "normalizeAxis",
  "scaleByLearningRate",
  "uploadAs",
  "runFused",
  "bind",
  "alloc",
  "readSync",
  "allocHost",
];

/** Run one row; its error (or a failure when it returned a value). */
async function failureOf(row: BadInput, backend: nu.Backend): Promise<Error> {
  let value: unknown;
  try {
    value = row.call(backend);
    if (value instanceof Promise) value = await value;
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`${row.area}: ${row.name}: threw a non-Error ${String(e)}`);
  }
  if (value instanceof nu.Tensor) value = `${value}`;
  return new Error(`(no error: the call returned ${String(value)})`);
}

function check(row: BadInput, error: Error, where: string): string[] {
  const problems: string[] = [];
  if (!error.message.includes(row.message)) {
    problems.push(
      `${where} ${row.area}: ${row.name}\n  want: ${row.message}\n  got:  ${error.message}`,
    );
  }
  const words: string[] = error.message.match(/[A-Za-z_]+/g) ?? [];
  for (const name of INTERNAL_NAMES) {
    if (words.includes(name) && !(row.allows ?? []).includes(name)) {
      problems.push(
        `${where} ${row.area}: ${row.name}: names the internal ${name}: ${error.message}`,
      );
    }
  }
  return problems;
}

Deno.test("bad inputs: the table covers every layer with at least 60 rows", () => {
  assertTrue(BAD_INPUTS.length >= 60, `${BAD_INPUTS.length} rows`);
  const areas = new Set(BAD_INPUTS.map((r) => r.area));
  for (
    const area of ["ops", "memory", "transforms", "nn", "optim", "param", "checkpoints", "cli"]
  ) {
    assertTrue(areas.has(area), `no row for ${area}`);
  }
  const names = BAD_INPUTS.map((r) => `${r.area}: ${r.name}`);
  assertEquals(new Set(names).size, names.length, "row names repeat");
});

Deno.test("bad inputs (CPU): each row fails with its message and no internal name", async () => {
  const problems: string[] = [];
  const before = nu.memory().tensors;
  for (const row of BAD_INPUTS.filter((r) => (r.on ?? ["cpu"]).includes("cpu"))) {
    using _ = nu.scope();
    problems.push(...check(row, await failureOf(row, nu.cpuBackend()), "cpu"));
  }
  assertEquals(problems, []);
  assertTrue(nu.memory().tensors - before < 64, "rows leak tensors");
});

gpuTest("bad inputs (WebGPU, index checks on): each row fails with its message", async (gpu) => {
  const problems: string[] = [];
  const before = nu.checks({ indices: true });
  try {
    for (const row of BAD_INPUTS.filter((r) => (r.on ?? []).includes("webgpu"))) {
      using _ = nu.scope();
      problems.push(...check(row, await failureOf(row, gpu), "webgpu"));
      await gpu.flush();
    }
  } finally {
    nu.checks(before);
  }
  assertEquals(problems, []);
});
