/**
 * The user-facing types: `valueAndGrad` and `grad` infer the gradients' type from the
 * function's parameters (and the value's from its return), optimizer states are typed, and
 * `nu.version` is `deno.json`'s version. The type checks are compile-time: `deno check` (run
 * by `deno test`) fails if an inferred type is wrong.
 */
import { assertEquals } from "../../testing/assert.ts";
import * as nu from "../../mod.ts";
import type { Tensor } from "../../mod.ts";

/** `true` only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const same = <A, B>(_a: A, _b: B, ok: Equal<A, B>) => ok;

Deno.test("types: valueAndGrad and grad infer gradients from the function's parameters", () => {
  interface Params {
    w: Tensor;
    layers: { b: Tensor }[];
  }
  const params: Params = { w: nu.tensor([1, 2]), layers: [{ b: nu.tensor([3]) }] };
  const loss = (p: Params, scale: Tensor) => nu.mul(nu.sum(nu.mul(p.w, p.w)), scale);
  const [value, grads] = nu.valueAndGrad(loss)(params, nu.tensor(2));
  assertEquals(same(value, {} as Tensor, true), true);
  assertEquals(same(grads, {} as Params, true), true);
  const gScale = nu.grad(loss, { argnums: 1 })(params, nu.tensor(2));
  assertEquals(same(gScale, {} as Tensor, true), true);
  const both = nu.grad(loss, { argnums: [0, 1] })(params, nu.tensor(2));
  assertEquals(same(both, {} as [Params, Tensor], true), true);
  const withAux = (p: Params) => [nu.sum(p.w), { note: "hi" }] as [Tensor, { note: string }];
  const [[, aux], g] = nu.valueAndGrad(withAux, { hasAux: true })(params);
  const [g2, aux2] = nu.grad(withAux, { hasAux: true })(params);
  assertEquals([aux.note, aux2.note], ["hi", "hi"]);
  assertEquals(same(g, g2, true) && same(g, {} as Params, true), true);
});

Deno.test("types: optimizer states are typed tuples", () => {
  const params = { w: nu.tensor([1, 2]) };
  const [adamState, lrState] = nu.optim.adam(1e-3).init(params);
  assertEquals(same(adamState, {} as nu.optim.AdamState, true), true);
  assertEquals(same(lrState, {} as nu.optim.ScheduleState, true), true);
  assertEquals([adamState.count.dataSync()[0], lrState.count.dataSync()[0]], [0, 0]);
});

Deno.test("nu.version is deno.json's version", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(nu.version, config.version);
});
