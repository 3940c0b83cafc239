/** clipByGlobalNorm (norm bound, direction) and projectToSphere (unit vectors, state untouched). */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { clipByGlobalNorm, globalNorm, projectToSphere } from "../../optim/mod.ts";
import { f64, leafValues, values, vectorNorms } from "./helpers.ts";

const entry = fc.double({ min: -100, max: 100, noNaN: true });

Deno.test("clipByGlobalNorm: norm after <= maxNorm, direction preserved, small trees untouched", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(entry, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
      fc.double({ min: 1e-3, max: 1000, noNaN: true }),
      (leaves, maxNorm) => {
        const grads = leaves.map((l) => f64(l));
        const norm = Math.sqrt(leaves.flat().reduce((s, x) => s + x * x, 0));
        assertClose(values(globalNorm(grads))[0], norm, { rtol: 1e-12, atol: 1e-300 });
        const clip = clipByGlobalNorm(maxNorm);
        const [u, s] = clip.update(grads, clip.init(grads));
        assertEquals(s, {});
        const after = Math.sqrt(leafValues(u).flat().reduce((acc, x) => acc + x * x, 0));
        assertTrue(after <= maxNorm * (1 + 1e-12), `norm ${after} > ${maxNorm}`);
        const factor = norm > maxNorm ? maxNorm / norm : 1;
        leafValues(u).forEach((row, k) =>
          row.forEach((x, i) =>
            assertClose(x, leaves[k][i] * factor, { rtol: 1e-12, atol: 1e-300 })
          )
        );
      },
    ),
  );
  const zero = [f64([0, 0])];
  const clip = clipByGlobalNorm(1);
  assertEquals(leafValues(clip.update(zero, clip.init(zero))[0]), [[0, 0]]);
  assertThrows(() => clipByGlobalNorm(0), ["clipByGlobalNorm", "maxNorm", "0"]);
});

Deno.test("projectToSphere gives unit rows (-1) and columns (0), passes null leaves through", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: 25, maxLength: 25 }),
      fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
      (r, c, magnitudes, negative) => {
        const data = magnitudes.slice(0, r * c).map((m, i) => (negative[i] ? -m : m));
        const gain = f64([2, 3]);
        const params = { rows: f64(data, [r, c]), cols: f64(data, [r, c]), gain };
        const projected = projectToSphere({ rows: -1, cols: 0, gain: null })(params);
        for (const n of vectorNorms(projected.rows, -1)) assertClose(n, 1, { rtol: 1e-14 });
        for (const n of vectorNorms(projected.cols, 0)) assertClose(n, 1, { rtol: 1e-14 });
        assertTrue(projected.gain === gain);
        // direction kept: each projected row is a positive multiple of the original row
        const rows = values(projected.rows);
        for (let i = 0; i < r * c; i++) assertTrue(Math.sign(rows[i]) === Math.sign(data[i]));
      },
    ),
  );
  assertThrows(() => projectToSphere({ w: 1 }), ["projectToSphere", "axis", "1"]);
  assertThrows(() => projectToSphere({ w: -1 })({ w: f64([1, 2]) }), ["matrix", "[2]"]);
});
