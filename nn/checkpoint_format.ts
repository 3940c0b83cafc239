/**
 * The safetensors byte format, read and written on plain typed arrays (no files, no tensors).
 *
 * Layout: an 8-byte little-endian unsigned header length `N`; `N` bytes of UTF-8 JSON mapping
 * each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the
 * start of the data), plus an optional `__metadata__` object of string to string; then the raw
 * little-endian data. The JSON is padded with spaces so that the data starts at a multiple of
 * 8 bytes. Tensors are stored back to back in the order given, with no holes.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./checkpoint_format.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const bytes = encodeSafetensors(
 *   [{ name: "w", dtype: "f32", shape: [2], data: new Float32Array([1, 2]) }],
 *   { note: "hello" },
 * );
 * const { tensors, metadata } = decodeSafetensors(bytes, "memory");
 * assertEquals([tensors[0].name, tensors[0].data, metadata.note], [
 *   "w",
 *   new Float32Array([1, 2]),
 *   "hello",
 * ]);
 * ```
 *
 * @module
 */
import type { DataArray, DType } from "../core/mod.ts";

/** One tensor as stored: its name, element type, shape and row-major data. */
export interface StoredTensor {
  /** The tensor's name (canonical dotted path). */
  readonly name: string;
  /** Element type. */
  readonly dtype: DType;
  /** Shape. */
  readonly shape: readonly number[];
  /** Row-major elements (bool as 0/1 bytes). */
  readonly data: DataArray;
}

/** What {@linkcode decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Tensors in the order of their data offsets. */
  readonly tensors: StoredTensor[];
  /** The `__metadata__` strings (empty when absent). */
  readonly metadata: Record<string, string>;
}

// f16 tensors are not stored (master parameters and optimizer state stay f32).
const TO_FORMAT: Partial<Record<DType, string>> = {
  f32: "F32",
  f64: "F64",
  i32: "I32",
  bool: "BOOL",
};
const FROM_FORMAT: Record<string, DType> = { F32: "f32", F64: "f64", I32: "i32", BOOL: "bool" };
const BYTES: Record<DType, number> = { f32: 4, f64: 8, i32: 4, bool: 1, f16: 2 };
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The safetensors name of a dtype (`f32` → `F32`). */
function formatDtype(dtype: DType): string {
  const name = TO_FORMAT[dtype];
  if (name === undefined) throw new Error(`checkpoint: cannot store dtype ${dtype}`);
  return name;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The raw little-endian bytes of `data`. */
function toBytes(data: DataArray, dtype: DType): Uint8Array {
  if (LITTLE_ENDIAN || BYTES[dtype] === 1) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const out = new Uint8Array(data.length * BYTES[dtype]);
  const view = new DataView(out.buffer);
  data.forEach((x, i) => {
    if (dtype === "f32") view.setFloat32(i * 4, x, true);
    else if (dtype === "f64") view.setFloat64(i * 8, x, true);
    else view.setInt32(i * 4, x, true);
  });
  return out;
}

/** A fresh typed array of `dtype` from little-endian bytes (copied: no alignment needed). */
function fromBytes(bytes: Uint8Array, dtype: DType): DataArray {
  const n = bytes.length / BYTES[dtype];
  const copy = bytes.slice();
  if (dtype === "bool") return copy;
  if (LITTLE_ENDIAN) {
    if (dtype === "f32") return new Float32Array(copy.buffer, 0, n);
    if (dtype === "f64") return new Float64Array(copy.buffer, 0, n);
    return new Int32Array(copy.buffer, 0, n);
  }
  const view = new DataView(copy.buffer);
  if (dtype === "f32") {
    return Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
  }
  if (dtype === "f64") {
    return Float64Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, true));
  }
  return Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true));
}

/**
 * The bytes of a safetensors file holding `tensors` (in order) and `metadata`. Throws on a
 * duplicate or reserved name, a non-string metadata value, or data that does not fill its shape.
 *
 * @example
 * ```ts
 * import { encodeSafetensors } from "./checkpoint_format.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const bytes = encodeSafetensors([{ name: "b", dtype: "bool", shape: [3], data: new Uint8Array([1, 0, 1]) }]);
 * assertEquals(bytes.length % 8, 3); // the data, 3 bytes, starts 8-aligned
 * assertEquals([...bytes.subarray(bytes.length - 3)], [1, 0, 1]);
 * ```
 */
export function encodeSafetensors(
  tensors: readonly StoredTensor[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new Error(
        `checkpoint: metadata ${JSON.stringify(k)} must be a string, got ${typeof v}`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const t of tensors) {
    if (t.name === "__metadata__" || t.name in header) {
      throw new Error(`checkpoint: duplicate or reserved tensor name ${JSON.stringify(t.name)}`);
    }
    const count = elementCount(t.shape);
    if (t.data.length !== count) {
      throw new Error(
        `checkpoint: tensor ${t.name} has ${t.data.length} values for shape [${t.shape.join(",")}]`,
      );
    }
    const bytes = toBytes(t.data, t.dtype);
    header[t.name] = {
      dtype: formatDtype(t.dtype),
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Parse and validate safetensors bytes; every error names `source` (the file) and what was
 * wrong: too short, header length beyond the file, bad JSON, unknown dtype, a bad shape,
 * offsets out of range, overlapping or leaving a hole, a byte size that does not match the shape.
 *
 * @example
 * ```ts
 * import { decodeSafetensors } from "./checkpoint_format.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * assertThrows(
 *   () => decodeSafetensors(new Uint8Array(4), "x.safetensors"),
 *   "x.safetensors: file too short (4 bytes)",
 * );
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (bytes.length < 8) fail(`file too short (${bytes.length} bytes) for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length ${headerLength} is beyond the file (${bytes.length} bytes)`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)),
    );
  } catch (e) {
    fail(`bad JSON header: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail("the header must be a JSON object");
  }
  const entries = Object.entries(header as Record<string, unknown>);
  const metadata = readMetadata(entries.find(([k]) => k === "__metadata__")?.[1], fail);
  const dataLength = bytes.length - dataStart;
  const tensors: (StoredTensor & { begin: number; end: number })[] = [];
  for (const [name, info] of entries) {
    if (name === "__metadata__") continue;
    const { dtype, shape, begin, end } = readEntry(name, info, dataLength, fail);
    const data = fromBytes(bytes.subarray(dataStart + begin, dataStart + end), dtype);
    tensors.push({ name, dtype, shape, data, begin, end });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const t of tensors) {
    if (t.begin < covered) fail(`tensor ${t.name}: data_offsets overlap another tensor's`);
    if (t.begin > covered) fail(`tensor ${t.name}: data_offsets leave a hole at byte ${covered}`);
    covered = t.end;
  }
  if (covered !== dataLength) {
    fail(`the data section has ${dataLength} bytes but the tensors cover ${covered}`);
  }
  return {
    tensors: tensors.map(({ name, dtype, shape, data }) => ({ name, dtype, shape, data })),
    metadata,
  };
}

function readMetadata(value: unknown, fail: (what: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("__metadata__ must be an object of strings");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string") fail(`__metadata__.${k} must be a string, got ${typeof v}`);
    out[k] = v as string;
  }
  return out;
}

function readEntry(
  name: string,
  info: unknown,
  dataLength: number,
  fail: (what: string) => never,
): { dtype: DType; shape: number[]; begin: number; end: number } {
  const where = `tensor ${name}`;
  if (typeof info !== "object" || info === null) fail(`${where}: entry must be an object`);
  const { dtype: format, shape, data_offsets: offsets } = info as Record<string, unknown>;
  const dtype = FROM_FORMAT[format as string];
  if (dtype === undefined) {
    fail(`${where}: unknown dtype ${JSON.stringify(format)} (known: F32, F64, I32, BOOL)`);
  }
  const isCount = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(
      `${where}: data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataLength) {
    fail(`${where}: data_offsets [${begin}, ${end}] out of range (data has ${dataLength} bytes)`);
  }
  const expected = elementCount(shape as number[]) * BYTES[dtype];
  if (end - begin !== expected) {
    fail(
      `${where}: ${end - begin} bytes do not match shape [${(shape as number[]).join(",")}] ` +
        `of ${format} (${expected} bytes)`,
    );
  }
  return { dtype, shape: shape as number[], begin, end };
}
