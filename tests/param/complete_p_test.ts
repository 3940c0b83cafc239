/** CompleteP's depth rule: its exponents, what it leaves alone, and its argument checks. */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { completeP, ngptCompleteP } from "../../param/complete_p.ts";
import { compose, plain } from "../../param/parameterization.ts";
import { ngpt, nugpt } from "../../param/presets.ts";
import { scaled } from "../../param/dims.ts";
import { isRescaler } from "../../param/roles.ts";
import { arbDims, arbRole, closeRel } from "./arbitraries.ts";

const BASES = [plain, ngpt];
const arbAlpha = () => fc.double({ min: 0.5, max: 1, noNaN: true });
const effectiveLr = (s: { lr: number; init?: number; scale?: number }) =>
  s.scale === undefined ? s.lr : s.lr * s.init! / s.scale;

Deno.test("completeP: doubling depth multiplies α (init and effective lr) by 2^-α and hidden lr by 2^(α-1)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...BASES),
      arbDims(),
      arbRole(),
      arbAlpha(),
      (base, dims, role, alpha) => {
        const p = compose("p", base, completeP({ alpha }));
        const deeper = scaled(dims, { depth: 2 * dims.depth });
        const now = p({ role, dims });
        const then = p({ role, dims: deeper });
        // The base parameterizations have no depth factor, so the ratio is the rule's alone.
        assertEquals(base({ role, dims }), base({ role, dims: deeper }));
        const lrExponent = role === "hidden" ? alpha - 1 : 0;
        assertTrue(closeRel(then.lr, now.lr * 2 ** lrExponent, 1e-9), `${role} lr`);
        if (isRescaler(role)) {
          const initExponent = role === "alpha" ? -alpha : 0;
          assertTrue(closeRel(then.init!, now.init! * 2 ** initExponent, 1e-9), `${role} init`);
          assertEquals(then.scale, now.scale);
          assertTrue(
            closeRel(effectiveLr(then), effectiveLr(now) * 2 ** initExponent, 1e-9),
            `${role} effective lr`,
          );
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("completeP: the identity at the base depth; νGPT already has its α exponent", () => {
  fc.assert(
    fc.property(arbDims(), arbRole(), (dims, role) => {
      const atBase = scaled(dims, { depth: dims.baseDepth });
      assertEquals(ngptCompleteP({ role, dims: atBase }), ngpt({ role, dims: atBase }));
      // On the depth axis νGPT's α follows the same mL^-1 as nGPT + CompleteP.
      if (role === "alpha") {
        const ratio = (p: typeof ngpt) => p({ role, dims }).init! / p({ role, dims: atBase }).init!;
        assertTrue(closeRel(ratio(nugpt), ratio(ngptCompleteP), 1e-9));
      }
    }),
    { numRuns: 100 },
  );
  assertEquals(ngptCompleteP.name, "ngpt+completeP");
});

Deno.test("completeP: bad options are named", () => {
  assertThrows(
    () => completeP({ alpha: 2 }),
    "completeP: alpha must be a number in [0.5, 1], got 2",
  );
  assertThrows(
    () => completeP({ beta: 1 } as unknown as { alpha: number }),
    'completeP: unknown option "beta"; known: alpha',
  );
  assertThrows(() => completeP(null as unknown as object), "completeP: options must be an object");
});
