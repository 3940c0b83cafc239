/**
 * Checkpoint helpers: writing a file atomically, and checking the rescaler metadata.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { writeAtomic } from "./checkpoint_io.ts";
 * const dir = await Deno.makeTempDir();
 * await writeAtomic(`${dir}/a.bin`, new Uint8Array([1, 2, 3]));
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["a.bin"]); // no temporary left
 * assertEquals(await Deno.readFile(`${dir}/a.bin`), new Uint8Array([1, 2, 3]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { RESCALER_KEYS, type RescalerMetadata } from "./spec.ts";

function splitPath(path: string): [string, string] {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut < 0 ? [".", path] : [path.slice(0, cut) || "/", path.slice(cut + 1)];
}

/**
 * Write `bytes` to `path` atomically: into a new temporary file in the same directory (so the
 * rename stays on one file system), synced to disk, then renamed over `path`. On failure the
 * temporary file is removed and `path` is left as it was.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { writeAtomic } from "./checkpoint_io.ts";
 * const path = await Deno.makeTempFile();
 * await writeAtomic(path, new TextEncoder().encode("new"));
 * assertEquals(await Deno.readTextFile(path), "new");
 * await Deno.remove(path);
 * ```
 */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const [dir, base] = splitPath(path);
  const suffix = `${Deno.pid}.${crypto.randomUUID().slice(0, 8)}`;
  const temp = `${dir}/.${base}.${suffix}.tmp`;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    const reason = (e as Error).message.replaceAll(temp, path);
    throw new Error(`save: ${path}: cannot write (${(e as Error).name}): ${reason}`);
  }
}

/**
 * Throws unless `value` holds, for each of alphaA, alphaM, sqk, su, sv, sz, a finite `init`
 * and a positive finite `scale`; `where` starts the message. Returns the constants.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { checkRescalers } from "./checkpoint_io.ts";
 * const one = { init: 1, scale: 1 };
 * const r = checkRescalers(
 *   { alphaA: one, alphaM: one, sqk: one, su: one, sv: one, sz: one },
 *   "load: m.safetensors",
 * );
 * assertEquals(r.sz.scale, 1);
 * ```
 */
export function checkRescalers(value: unknown, where: string): RescalerMetadata {
  if (typeof value !== "object" || value === null) {
    throw new Error(`${where}: __metadata__.rescalers must be a JSON object`);
  }
  const record = value as Record<string, { init?: unknown; scale?: unknown }>;
  const out: Record<string, { init: number; scale: number }> = {};
  for (const k of RESCALER_KEYS) {
    const entry = record[k];
    const init = entry?.init;
    const scale = entry?.scale;
    if (typeof init !== "number" || !Number.isFinite(init)) {
      throw new Error(`${where}: rescalers.${k}.init must be a finite number, got ${init}`);
    }
    if (typeof scale !== "number" || !(scale > 0) || !Number.isFinite(scale)) {
      throw new Error(`${where}: rescalers.${k}.scale must be a positive number, got ${scale}`);
    }
    out[k] = { init, scale };
  }
  return out as unknown as RescalerMetadata;
}
