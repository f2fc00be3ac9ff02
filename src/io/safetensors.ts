/**
 * The safetensors file format at the host-array level (no Tensor dependency).
 *
 * Layout: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON header
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`),
 * then the data section; offsets are relative to the start of the data section.
 *
 * The reader treats its input as untrusted: every size is checked against the bytes actually
 * present before anything is allocated, so a hostile file costs at most a few times its own size.
 */
import { ArgumentError, FormatError, ShapeError, fmtShape } from '../errors.js';
import type { DType, HostArray, TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/dtype.js';

const LOAD = 'loadSafetensors';
const SAVE = 'saveSafetensors';

/** Largest header accepted or written, in bytes (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Tensors and string metadata held by one safetensors file. */
export interface SafetensorsContents {
  /** Host arrays by tensor name. */
  tensors: Record<string, HostArray>;
  /** The header's `__metadata__` strings (empty when absent). */
  metadata: Record<string, string>;
}

interface FileDType {
  itemsize: number;
  dtype: DType;
}

// A Map, not an object literal, so names like "constructor" never hit Object.prototype.
const FILE_DTYPES = new Map<string, FileDType>([
  ['F32', { itemsize: 4, dtype: 'float32' }],
  ['F64', { itemsize: 8, dtype: 'float64' }],
  ['F16', { itemsize: 2, dtype: 'float32' }],
  ['BF16', { itemsize: 2, dtype: 'float32' }],
  ['I32', { itemsize: 4, dtype: 'int32' }],
  ['I64', { itemsize: 8, dtype: 'int32' }],
  ['U8', { itemsize: 1, dtype: 'int32' }],
]);

const WRITE_CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const ENTRY_KEYS = new Set(['dtype', 'shape', 'data_offsets']);
// Element counts above this could lose precision when multiplied by an itemsize.
const MAX_ELEMENTS = Math.floor(Number.MAX_SAFE_INTEGER / 8);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Entry {
  name: string;
  code: string;
  type: FileDType;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

/** Parses safetensors bytes into host arrays; throws FormatError on any malformed input. */
export function parseSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(LOAD, `expected the file contents as a Uint8Array, got ${kind(bytes)}`);
  }
  if (bytes.length < 8) {
    throw bad(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) {
    const n = view.getBigUint64(0, true);
    throw bad(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  if (lo > bytes.length - 8) {
    throw bad(`header length ${lo} exceeds the ${bytes.length - 8} bytes after the prefix (truncated file?)`);
  }
  const header = decodeHeader(bytes.subarray(8, 8 + lo));
  const dataStart = 8 + lo;
  const dataLen = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const name of Object.keys(header)) {
    if (name === '__metadata__') metadata = readMetadata(header[name]);
    else entries.push(readEntry(name, header[name], dataLen));
  }
  checkNoOverlap(entries);

  // Only now, with every size proven to fit inside the file, is any tensor memory allocated.
  const tensors: Record<string, HostArray> = {};
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    setOwn(tensors, e.name, { dtype: e.type.dtype, shape: e.shape, data: decode(e, raw) });
  }
  return { tensors, metadata };
}

/** Serializes host arrays (and optional string metadata) to safetensors bytes. */
export function serializeSafetensors(
  tensors: Record<string, HostArray>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (!isObject(tensors)) throw new ArgumentError(SAVE, `tensors must be an object, got ${kind(tensors)}`);
  // Build the JSON by hand: object key order would put integer-like names first.
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (!isObject(metadata)) throw new ArgumentError(SAVE, `metadata must be an object, got ${kind(metadata)}`);
    const keys = Object.keys(metadata).sort();
    for (const k of keys) {
      if (typeof metadata[k] !== 'string') {
        throw new ArgumentError(SAVE, `metadata "${k}" must be a string, got ${kind(metadata[k])}`);
      }
    }
    if (keys.length > 0) {
      const fields = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
      parts.push(`"__metadata__":{${fields.join(',')}}`);
    }
  }
  const names = Object.keys(tensors).sort();
  const checked = names.map((name) => checkHostArray(name, tensors[name]));
  let offset = 0;
  for (const [i, name] of names.entries()) {
    const t = checked[i] as HostArray;
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${WRITE_CODES[t.dtype]}","shape":[${t.shape.join(',')}],` +
        `"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const headerLen = Math.ceil(json.length / 8) * 8;
  if (headerLen > MAX_HEADER_BYTES) {
    throw new ArgumentError(SAVE, `header would be ${headerLen} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const { data } of checked) {
    writeLE(data, out, view, pos);
    pos += data.byteLength;
  }
  return out;
}

function bad(message: string): FormatError {
  return new FormatError(LOAD, message);
}

function decodeHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw bad('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw bad(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(header)) throw bad(`header must be a JSON object, got ${kind(header)}`);
  return header;
}

function readMetadata(value: unknown): Record<string, string> {
  if (!isObject(value)) throw bad(`__metadata__ must be an object of strings, got ${kind(value)}`);
  const out: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v !== 'string') throw bad(`__metadata__ "${clip(key)}" must be a string, got ${kind(v)}`);
    setOwn(out, key, v);
  }
  return out;
}

function readEntry(name: string, value: unknown, dataLen: number): Entry {
  const where = `tensor "${clip(name)}"`;
  if (!isObject(value)) throw bad(`${where}: entry must be an object, got ${kind(value)}`);
  for (const key of Object.keys(value)) {
    if (!ENTRY_KEYS.has(key)) throw bad(`${where}: unknown key "${clip(key)}"`);
  }
  const { dtype: code, shape, data_offsets: offsets } = value;
  if (typeof code !== 'string') throw bad(`${where}: dtype must be a string, got ${kind(code)}`);
  const type = FILE_DTYPES.get(code);
  if (type === undefined) {
    throw bad(`${where}: unsupported dtype "${clip(code)}" (supported: ${[...FILE_DTYPES.keys()].join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad(`${where}: shape must be an array of non-negative integers, got ${showList(shape)}`);
  }
  // Cap the product of the non-zero dims, so [2^40, 2^40, 0] is refused like [2^40, 2^40].
  let product = 1;
  for (const d of shape as number[]) {
    if (d !== 0) product *= d;
    if (product > MAX_ELEMENTS) throw bad(`${where}: shape ${showList(shape)} has too many elements`);
  }
  const numel = shape.includes(0) ? 0 : product;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o))
  ) {
    throw bad(`${where}: data_offsets must be two integers [begin, end], got ${showList(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin < 0 || begin > end || end > dataLen) {
    throw bad(`${where}: data_offsets [${begin}, ${end}] do not fit the ${dataLen}-byte data section`);
  }
  if (end - begin !== numel * type.itemsize) {
    throw bad(
      `${where}: data_offsets span ${end - begin} bytes but ${code} shape ${showList(shape)} ` +
        `needs ${numel * type.itemsize}`,
    );
  }
  // `+ 0` turns a JSON -0 into 0.
  return { name, code, type, shape: shape.map((d: number) => d + 0), numel, begin, end };
}

function checkNoOverlap(entries: Entry[]): void {
  // Empty tensors occupy no bytes, so they can sit anywhere.
  const used = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < used.length; i++) {
    const prev = used[i - 1] as Entry;
    const cur = used[i] as Entry;
    if (cur.begin < prev.end) {
      throw bad(
        `tensors "${clip(prev.name)}" [${prev.begin}, ${prev.end}) and "${clip(cur.name)}" ` +
          `[${cur.begin}, ${cur.end}) overlap`,
      );
    }
  }
}

/** Copies and converts one tensor's little-endian bytes; never aliases the input buffer. */
function decode(e: Entry, raw: Uint8Array): TypedArray {
  const n = e.numel;
  // new Uint8Array(raw) copies into a fresh, aligned buffer: the fast path for native-layout
  // dtypes. (Not raw.slice(): on a Node Buffer that is a view into the shared pool.)
  if (LITTLE_ENDIAN && e.code === 'F32') return new Float32Array(new Uint8Array(raw).buffer, 0, n);
  if (LITTLE_ENDIAN && e.code === 'F64') return new Float64Array(new Uint8Array(raw).buffer, 0, n);
  if (LITTLE_ENDIAN && e.code === 'I32') return new Int32Array(new Uint8Array(raw).buffer, 0, n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (e.code) {
    case 'F32': return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
    case 'F64': return Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
    case 'I32': return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      // bf16 is the top half of a float32, so placing the bits there is an exact conversion.
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = view.getUint32(8 * i, true);
        const hi = view.getInt32(8 * i + 4, true);
        if (hi === 0 && lo <= 0x7fffffff) out[i] = lo;
        else if (hi === -1 && lo >= 0x80000000) out[i] = lo - 0x100000000;
        else {
          const v = view.getBigInt64(8 * i, true);
          throw bad(`tensor "${clip(e.name)}": I64 value ${v} at index ${i} does not fit in int32`);
        }
      }
      return out;
    }
    default: // U8
      return Int32Array.from(raw);
  }
}

/** Exact IEEE binary16 to number: every half value is representable in float32. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

function checkHostArray(name: string, t: unknown): HostArray {
  const where = `tensor "${clip(name)}"`;
  if (name === '') throw new ArgumentError(SAVE, 'tensor names must be non-empty');
  if (name === '__metadata__') throw new ArgumentError(SAVE, '"__metadata__" is reserved and cannot name a tensor');
  if (!isObject(t)) throw new ArgumentError(SAVE, `${where}: expected a host array, got ${kind(t)}`);
  const { dtype, shape, data } = t;
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new ArgumentError(SAVE, `${where}: dtype must be float32, float64 or int32, got ${kind(dtype)}`);
  }
  const ctor = dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : Int32Array;
  if (!(data instanceof ctor)) {
    throw new ArgumentError(SAVE, `${where}: data must be a ${ctor.name} for dtype ${dtype}, got ${kind(data)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(SAVE, `${where}: shape must be an array of non-negative integers, got ${showList(shape)}`);
  }
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(SAVE, `${where}: data has ${data.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
  }
  return t as unknown as HostArray;
}

function writeLE(data: TypedArray, out: Uint8Array, view: DataView, pos: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (data instanceof Float32Array) view.setFloat32(pos + 4 * i, v, true);
    else if (data instanceof Float64Array) view.setFloat64(pos + 8 * i, v, true);
    else view.setInt32(pos + 4 * i, v, true);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Defines an own property, so a tensor named "__proto__" cannot replace the prototype.
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// Describes a value by kind only: stringifying hostile JSON could be huge or deeply nested.
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `the string "${clip(v)}"`;
  if (typeof v === 'object') return Object.prototype.toString.call(v).slice(8, -1);
  return typeof v;
}

function showList(list: unknown): string {
  if (!Array.isArray(list)) return kind(list);
  const shown = list.slice(0, 8).map((d) => (typeof d === 'number' ? String(d) : kind(d)));
  return `[${shown.join(', ')}${list.length > 8 ? `, ... (${list.length} items)` : ''}]`;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}
