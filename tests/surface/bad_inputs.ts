/**
 * The bad-input table: calls a user could make by mistake, each with the message fragment it
 * must fail with, one file per group under `bad_inputs/`. `bad_inputs_test.ts` runs every row
 * (on the CPU, and on WebGPU where the row says so) and checks that none returns a value.
 *
 * @module
 */
import type { BadInput } from "./bad_inputs/helpers.ts";
import { LAYERS } from "./bad_inputs/layers.ts";
import { MEMORY_AND_TRANSFORMS } from "./bad_inputs/memory_transforms.ts";
import { OPS } from "./bad_inputs/ops.ts";
import { CLI } from "./bad_inputs/cli.ts";

export type { BadInput } from "./bad_inputs/helpers.ts";

/** Every row. */
export const BAD_INPUTS: readonly BadInput[] = [
  ...OPS,
  ...MEMORY_AND_TRANSFORMS,
  ...LAYERS,
  ...CLI,
];
