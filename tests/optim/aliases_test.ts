/**
 * `adam`, `adamw`, `sgd`: each step against the optimizer written out on the host (f64 on the
 * CPU), with Optax's defaults; the state types are precise (checked by `deno check`).
 */
import { assertClose, assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  adam,
  type AdamState,
  adamw,
  applyUpdates,
  type GradientTransformation,
  type ScheduleState,
  sgd,
} from "../../optim/mod.ts";
import { f64, values } from "./helpers.ts";

/** Runs `opt` for the given gradients from `start`; returns the parameter after each step. */
function run<S>(opt: GradientTransformation<S>, start: number[], grads: number[][]): number[][] {
  let params = { w: f64(start) };
  let state = opt.init(params);
  return grads.map((g) => {
    const [updates, next] = opt.update({ w: f64(g) }, state, params);
    params = applyUpdates(params, updates);
    state = next;
    return values(params.w);
  });
}

/** Optax's Adam(W) on the host: decoupled decay `wd · p` added to the direction. */
function hostAdam(lr: number, start: number[], grads: number[][], wd = 0): number[][] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const p = [...start], m = p.map(() => 0), v = p.map(() => 0);
  return grads.map((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const direction = (m[i] / (1 - b1 ** t)) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      p[i] -= lr * (direction + wd * p[i]);
    }
    return [...p];
  });
}

/** SGD with (Nesterov) momentum on the host, as Optax's trace. */
function hostSgd(lr: number, start: number[], grads: number[][], momentum = 0, nesterov = false) {
  const p = [...start], vel = p.map(() => 0);
  return grads.map((g) => {
    for (let i = 0; i < p.length; i++) {
      vel[i] = g[i] + momentum * vel[i];
      p[i] -= lr * (nesterov ? g[i] + momentum * vel[i] : vel[i]);
    }
    return [...p];
  });
}

const arbRun = () =>
  fc.integer({ min: 1, max: 3 }).chain((n) =>
    fc.tuple(
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n }),
      fc.array(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n }),
        { minLength: 1, maxLength: 4 },
      ),
    )
  );

function close(got: number[][], want: number[][]): void {
  got.flat().forEach((x, i) => assertClose(x, want.flat()[i], { rtol: 1e-10, atol: 1e-12 }));
}

Deno.test("adam(lr): Optax's Adam (0.9, 0.999, 1e-8) step by step", () => {
  fc.assert(
    fc.property(
      arbRun(),
      ([start, grads]) => close(run(adam(0.1), start, grads), hostAdam(0.1, start, grads)),
    ),
    { numRuns: 30 },
  );
});

Deno.test("adamw(lr): decoupled weight decay (default 1e-4, and given)", () => {
  fc.assert(
    fc.property(arbRun(), ([start, grads]) => {
      close(run(adamw(0.1), start, grads), hostAdam(0.1, start, grads, 1e-4));
      close(
        run(adamw(0.05, { weightDecay: 0.3 }), start, grads),
        hostAdam(0.05, start, grads, 0.3),
      );
    }),
    { numRuns: 30 },
  );
  const opt = adamw(0.1);
  const g = { w: f64([1]) };
  assertThrows(() => opt.update(g, opt.init(g)), ["addDecayedWeights", "parameters"]);
  assertThrows(() => adamw(0.1, { weightDecay: -1 }), ["addDecayedWeights", "weightDecay", "-1"]);
});

Deno.test("sgd(lr): plain, with momentum, with Nesterov momentum", () => {
  fc.assert(
    fc.property(arbRun(), fc.double({ min: 0, max: 0.99, noNaN: true }), ([start, grads], mu) => {
      close(run(sgd(0.2), start, grads), hostSgd(0.2, start, grads));
      close(run(sgd(0.2, { momentum: mu }), start, grads), hostSgd(0.2, start, grads, mu));
      close(
        run(sgd(0.2, { momentum: mu, nesterov: true }), start, grads),
        hostSgd(0.2, start, grads, mu, true),
      );
    }),
    { numRuns: 30 },
  );
  assertThrows(() => sgd(0.1, { momentum: NaN }), ["trace", "momentum", "NaN"]);
});

Deno.test("adam: the state is typed (a tuple of Adam's and the schedule's states)", () => {
  const opt = adam(1e-3);
  const params = { w: f64([1, 2]) };
  const [adamState, lrState]: [AdamState, ScheduleState] = opt.init(params);
  assertEquals(
    [adamState.count.dataSync()[0], lrState.count.dataSync()[0], values(adamState.mu.w)],
    [0, 0, [0, 0]],
  );
});
