/** Schedules: values at the start, middle and end; monotone after warmup; argument checks. */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { constant, cosineDecay, warmupCosine } from "../../optim/mod.ts";

Deno.test("constant gives the same rate at every step", () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.nat(1e6), (lr, step) => {
      assertEquals(constant(lr)(step), lr);
    }),
  );
  assertThrows(() => constant(-1), ["constant", "lr", "-1"]);
  assertThrows(() => constant(1)(-1), ["constant", "step", "-1"]);
});

Deno.test("cosineDecay: peak at step 0, the midpoint halfway, finalFraction·peak at the last step", () => {
  const lr = cosineDecay({ peak: 2, steps: 11 });
  assertEquals(lr(0), 2);
  assertClose(lr(5), (2 + 0.2) / 2, { rtol: 1e-15 });
  assertClose(lr(10), 0.2, { rtol: 1e-15 });
  assertClose(lr(1000), 0.2, { rtol: 1e-15 });
  assertClose(cosineDecay({ peak: 1, steps: 3, finalFraction: 0 })(2), 0, { atol: 1e-16 });
  assertEquals(cosineDecay({ peak: 3, steps: 1 })(0), 3);
});

Deno.test("cosineDecay: non-increasing after warmup, ends at finalFraction·peak (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-6, max: 10, noNaN: true }),
      fc.integer({ min: 2, max: 400 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      (peak, steps, finalFraction, warmupShare) => {
        const warmup = Math.floor(warmupShare * (steps - 1));
        const lr = cosineDecay({ peak, steps, finalFraction, warmup });
        for (let t = 0; t < warmup; t++) {
          assertClose(lr(t), (peak * (t + 1)) / warmup, { rtol: 1e-15 });
          if (t > 0) assertTrue(lr(t) > lr(t - 1), `warmup rises at ${t}`);
        }
        assertClose(lr(warmup), peak, { rtol: 1e-15 });
        for (let t = warmup + 1; t < steps; t++) {
          assertTrue(lr(t) <= lr(t - 1), `step ${t}: ${lr(t)} > ${lr(t - 1)}`);
          assertTrue(lr(t) >= finalFraction * peak * (1 - 1e-15));
        }
        assertClose(lr(steps - 1), finalFraction * peak, { rtol: 1e-12, atol: 1e-300 });
      },
    ),
  );
});

Deno.test("warmupCosine ramps up linearly, then decays", () => {
  const lr = warmupCosine({ peak: 1, steps: 20, warmup: 4 });
  assertEquals([lr(0), lr(1), lr(2), lr(3), lr(4)], [0.25, 0.5, 0.75, 1, 1]);
  assertClose(lr(19), 0.1, { rtol: 1e-15 });
  assertThrows(() => warmupCosine({ peak: 1, steps: 20, warmup: 0 }), ["warmupCosine", "0"]);
});

Deno.test("cosineDecay refuses bad arguments, naming them", () => {
  assertThrows(() => cosineDecay({ peak: 1, steps: 0 }), ["cosineDecay", "steps", "0"]);
  assertThrows(() => cosineDecay({ peak: -1, steps: 5 }), ["peak", "-1"]);
  assertThrows(() => cosineDecay({ peak: 1, steps: 5, finalFraction: 2 }), ["finalFraction", "2"]);
  assertThrows(() => cosineDecay({ peak: 1, steps: 5, warmup: 5 }), ["warmup", "5"]);
  assertThrows(() => cosineDecay({ peak: 1, steps: 5 })(NaN), ["step", "NaN"]);
});
