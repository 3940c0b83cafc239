/**
 * Corrupted or mismatched checkpoint files are refused with errors that name the file and say
 * what is wrong. Files are damaged byte by byte, or written by hand (independently of the
 * encoder) for header-level faults.
 */
import { assertRejects } from "../../testing/assert.ts";
import { key, type Tensor, treePaths } from "../../core/mod.ts";
import { ngpt } from "../../param/mod.ts";
import { rescalerMetadata } from "../../nn/spec.ts";
import { init } from "../../nn/init.ts";
import { load, save } from "../../nn/checkpoint.ts";
import { defaultDims } from "../../nn/rescalers.ts";

const CONFIG = { vocab: 8, width: 8, heads: 2, depth: 1, mlpWidth: 16, seqLen: 4 };
const dir = await Deno.makeTempDir({ prefix: "nugrad_corrupt_" });
const goodPath = `${dir}/good.safetensors`;
const params = init(key(9), CONFIG);
await save(goodPath, params, { config: CONFIG, parameterization: ngpt });
const good = await Deno.readFile(goodPath);
const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
const headerText = new TextDecoder().decode(good.subarray(8, 8 + headerLength));

let counter = 0;
async function writeBytes(bytes: Uint8Array): Promise<string> {
  const path = `${dir}/bad${counter++}.safetensors`;
  await Deno.writeFile(path, bytes);
  return path;
}

/** A file built by hand: header object (serialized here) and raw data bytes. */
function handMade(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The good file's header with `edit` applied, same data. */
function withHeader(edit: (header: Record<string, unknown>) => void): Uint8Array {
  const header = JSON.parse(headerText);
  edit(header);
  return handMade(header, good.subarray(8 + headerLength));
}

async function refused(bytes: Uint8Array, parts: string[]): Promise<void> {
  const path = await writeBytes(bytes);
  await assertRejects(() => load(path), [path, ...parts]);
}

Deno.test("load refuses a truncated file", async () => {
  await refused(good.subarray(0, 5), ["file too short", "5 bytes"]);
  await refused(good.subarray(0, 40), ["header length", "beyond the file"]);
  await refused(good.subarray(0, good.length - 4), ["out of range"]);
});

Deno.test("load refuses a flipped header length", async () => {
  const huge = good.slice();
  huge[7] ^= 0x80; // the most significant byte of the u64
  await refused(huge, ["header length", "beyond the file"]);
  const short = good.slice();
  new DataView(short.buffer).setBigUint64(0, BigInt(headerLength - 8), true);
  await refused(short, ["bad JSON header"]);
});

Deno.test("load refuses bad JSON, an unknown dtype, bad offsets, a size that does not match", async () => {
  const broken = good.slice();
  broken[8] = "x".charCodeAt(0);
  await refused(broken, ["bad JSON header"]);
  await refused(withHeader((h) => ((h.sz as { dtype: string }).dtype = "F16")), [
    "tensor sz",
    "unknown dtype",
    "F16",
  ]);
  await refused(
    withHeader((h) => {
      const sz = h.sz as { data_offsets: number[] };
      sz.data_offsets = [sz.data_offsets[0], sz.data_offsets[1] + 1000];
    }),
    ["tensor sz", "out of range"],
  );
  await refused(
    withHeader((h) => {
      const e = h.embed as { data_offsets: number[] };
      (h.unembed as { data_offsets: number[] }).data_offsets = [...e.data_offsets];
    }),
    ["overlap"],
  );
  await refused(withHeader((h) => ((h.sz as { shape: number[] }).shape = [9])), [
    "tensor sz",
    "32 bytes do not match shape [9]",
  ]);
  await refused(withHeader((h) => (h.__metadata__ = { config: 3 })), ["__metadata__.config"]);
});

Deno.test("load refuses a wrong shape, a missing tensor, an unexpected one, missing metadata", async () => {
  const dims = defaultDims(CONFIG);
  const meta = {
    config: JSON.stringify(CONFIG),
    rescalers: JSON.stringify(rescalerMetadata(ngpt, dims)),
  };
  // sz stored as [2, 4]: right byte size, wrong shape for the config
  const f32 = (n: number) => new Uint8Array(4 * n);
  type Entry = [string, number[]];
  const entries = treePaths<Tensor>(params).map(([name, t]): Entry => [name, [...t.shape]]);
  const build = (list: Entry[], metadata: Record<string, string>) => {
    const header: Record<string, unknown> = { __metadata__: metadata };
    let offset = 0;
    for (const [name, shape] of list) {
      const bytes = 4 * shape.reduce((a, b) => a * b, 1);
      header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
    }
    return handMade(header, f32(offset / 4));
  };
  await refused(
    build(entries.map(([n, s]): Entry => [n, n === "sz" ? [2, 4] : s]), meta),
    ["tensor sz has shape [2,4]", "config implies [8]"],
  );
  await refused(build(entries.filter(([n]) => n !== "blocks.0.mlp.su"), meta), [
    "missing tensor blocks.0.mlp.su",
  ]);
  await refused(build([...entries, ["extra", [1]]], meta), ["unexpected tensor extra"]);
  await refused(build(entries, { rescalers: meta.rescalers }), ["__metadata__ has no config"]);
  await refused(build(entries, { config: meta.config }), ["__metadata__ has no rescalers"]);
  await refused(
    build(entries, { ...meta, config: JSON.stringify({ ...CONFIG, heads: 3 }) }),
    ["width 8 is not divisible by heads 3"],
  );
  await refused(build(entries, { ...meta, rescalers: JSON.stringify({ sqk: {} }) }), [
    "rescalers.sqk.init",
  ]);
  // and the well-formed hand-made file itself loads
  await load(await writeBytes(build(entries, meta)));
});

Deno.test("load names the file it cannot read", async () => {
  await assertRejects(() => load(`${dir}/nope.safetensors`), ["nope.safetensors", "cannot read"]);
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});
