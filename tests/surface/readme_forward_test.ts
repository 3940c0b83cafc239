/**
 * The README's forward-mode and everyday-ops blocks run as written (each
 * asserts its results), with their relative imports pointed at this checkout.
 */
import { modUrl, readmeTsBlock, runModule } from "./readme_blocks.ts";

function localImports(block: string): string {
  const at = (path: string) => JSON.stringify(new URL(path, modUrl).href);
  return block
    .replace('"./mod.ts"', at("mod.ts"))
    .replace('"./testing.ts"', at("testing.ts"))
    .replace('"./testing/assert.ts"', at("testing/assert.ts"));
}

for (const heading of ["Forward mode, Jacobians and the everyday ops", "The everyday ops"]) {
  Deno.test(`README: the "${heading}" block runs and its assertions hold`, async () => {
    await runModule(localImports(await readmeTsBlock(heading)));
  });
}
