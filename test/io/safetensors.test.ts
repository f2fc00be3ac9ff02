import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ArgumentError, FormatError, ShapeError } from '../../src/errors.js';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/io/atomic.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import type { HostArray } from '../../src/tensor/dtype.js';

// ---------- helpers ----------

const enc = new TextEncoder();

/** Builds a file from a header (object or raw text/bytes) and a data section, no padding. */
function file(header: unknown, data: Uint8Array | number = 0): Uint8Array {
  const h =
    header instanceof Uint8Array ? header : enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

function u16le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(out.buffer).setUint16(2 * i, v, true));
  return out;
}

function i64le(values: bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(out.buffer).setBigInt64(8 * i, v, true));
  return out;
}

/** Tiny seeded PRNG (mulberry32) so corruption cases are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parses and returns 'ok', or 'format' for a FormatError; any other throw fails the test. */
function outcome(bytes: Uint8Array, label: string): 'ok' | 'format' {
  let parsed;
  try {
    parsed = parseSafetensors(bytes);
  } catch (e) {
    assert.ok(e instanceof FormatError, `${label}: expected FormatError, got ${String(e)}`);
    assert.equal(e.op, 'loadSafetensors');
    return 'format';
  }
  for (const [name, t] of Object.entries(parsed.tensors)) {
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), `${label}: ${name} size`);
  }
  return 'ok';
}

function assertFormatError(bytes: Uint8Array, label: string, message?: RegExp): void {
  assert.throws(
    () => parseSafetensors(bytes),
    (e: unknown) => {
      assert.ok(e instanceof FormatError, `${label}: expected FormatError, got ${String(e)}`);
      if (message) assert.match(e.message, message, label);
      return true;
    },
    label,
  );
}

function sampleTensors(): Record<string, HostArray> {
  return {
    w: { dtype: 'float32', shape: [2, 3], data: new Float32Array([1.5, -2, 0, -0, Infinity, NaN]) },
    b64: { dtype: 'float64', shape: [3], data: new Float64Array([0.1, -1e300, 5e-324]) },
    idx: { dtype: 'int32', shape: [4], data: new Int32Array([0, -1, 2147483647, -2147483648]) },
    scalar: { dtype: 'float64', shape: [], data: new Float64Array([3.25]) },
    empty: { dtype: 'float32', shape: [0], data: new Float32Array(0) },
    empty2d: { dtype: 'int32', shape: [3, 0], data: new Int32Array(0) },
  };
}

function assertSameTensors(actual: Record<string, HostArray>, expected: Record<string, HostArray>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name] as HostArray;
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.equal(a.data.constructor, e.data.constructor, name);
    // Compare bit patterns so -0 and NaN are checked exactly.
    assert.deepEqual(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
      new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), name);
  }
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-io-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// ---------- round trips ----------

describe('serializeSafetensors / parseSafetensors round trip', () => {
  test('every dtype, scalars, empty tensors and metadata', () => {
    const tensors = sampleTensors();
    const metadata = { format: 'pt', note: 'ünïcødé ✓', '': 'empty key' };
    const back = parseSafetensors(serializeSafetensors(tensors, metadata));
    assertSameTensors(back.tensors, tensors);
    assert.deepEqual(back.metadata, metadata);
  });

  test('no metadata gives an empty map and no __metadata__ entry', () => {
    const bytes = serializeSafetensors(sampleTensors());
    assert.deepEqual(parseSafetensors(bytes).metadata, {});
    assert.ok(!new TextDecoder().decode(bytes).includes('__metadata__'));
    assert.deepEqual(parseSafetensors(serializeSafetensors({})).tensors, {});
  });

  test('layout: 8-byte aligned header padded with spaces, sorted keys, tensors in order', () => {
    const bytes = serializeSafetensors({
      '10': { dtype: 'int32', shape: [1], data: new Int32Array([10]) },
      '2': { dtype: 'int32', shape: [1], data: new Int32Array([2]) },
      a: { dtype: 'int32', shape: [1], data: new Int32Array([97]) },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.match(header, /^\{"10":.*"2":.*"a":.*\} *$/);
    assert.deepEqual([...new Int32Array(bytes.slice(8 + n).buffer)], [10, 2, 97]);
  });

  test('odd names survive, including __proto__ and lone surrogates', () => {
    const names = ['__proto__', 'constructor', 'a.b/c d', '\ud800', 'é'];
    const tensors = Object.fromEntries(
      names.map((n, i) => [n, { dtype: 'int32', shape: [1], data: new Int32Array([i]) } as HostArray]),
    );
    Object.defineProperty(tensors, '__proto__', {
      value: { dtype: 'int32', shape: [1], data: new Int32Array([0]) },
      enumerable: true,
    });
    const back = parseSafetensors(serializeSafetensors(tensors)).tensors;
    assert.deepEqual(Object.keys(back).sort(), [...names].sort());
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual([...(back['\ud800'] as HostArray).data], [3]);
  });

  test('seeded random tensor sets round trip', () => {
    const rand = prng(1234);
    const dtypes = ['float32', 'float64', 'int32'] as const;
    for (let iter = 0; iter < 50; iter++) {
      const tensors: Record<string, HostArray> = {};
      const count = Math.floor(rand() * 5);
      for (let k = 0; k < count; k++) {
        const dtype = dtypes[Math.floor(rand() * 3)] as (typeof dtypes)[number];
        const shape = Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * 4));
        const size = shape.reduce((a, b) => a * b, 1);
        const data =
          dtype === 'float32' ? new Float32Array(size) : dtype === 'float64' ? new Float64Array(size) : new Int32Array(size);
        for (let i = 0; i < size; i++) data[i] = dtype === 'int32' ? (rand() * 2 ** 32) | 0 : (rand() - 0.5) * 1e6;
        tensors[`t${k}.${Math.floor(rand() * 100)}`] = { dtype, shape, data };
      }
      assertSameTensors(parseSafetensors(serializeSafetensors(tensors)).tensors, tensors);
    }
  });

  test('parsed data is a copy, also from an unaligned view of a larger buffer', () => {
    const bytes = serializeSafetensors(sampleTensors());
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const view = big.subarray(3);
    const parsed = parseSafetensors(view);
    assertSameTensors(parsed.tensors, sampleTensors());
    for (const t of Object.values(parsed.tensors)) assert.notEqual(t.data.buffer, big.buffer);
    big.fill(0xff, 3 + bytes.length - 40); // scribble over the data section
    assertSameTensors(parsed.tensors, sampleTensors());
  });

  test('a pooled Node Buffer (non-zero byteOffset, shared memory) parses and is copied', () => {
    const bytes = serializeSafetensors(sampleTensors());
    const buf = Buffer.from(bytes); // small Buffers live at an offset inside a shared pool
    const parsed = parseSafetensors(buf);
    assertSameTensors(parsed.tensors, sampleTensors());
    buf.fill(0);
    assertSameTensors(parsed.tensors, sampleTensors());
    const fromDisk = join(tempDir(), 'b.safetensors');
    writeFileSync(fromDisk, bytes);
    assertSameTensors(parseSafetensors(readFileSync(fromDisk)).tensors, sampleTensors());
  });

  test('unaligned tensors inside the data section', () => {
    const data = new Uint8Array(1 + 8 + 4);
    new DataView(data.buffer).setFloat64(1, Math.PI, true);
    new DataView(data.buffer).setInt32(9, -7, true);
    const t = parseSafetensors(
      file({ u8: entry('U8', [1], [0, 1]), f: entry('F64', [1], [1, 9]), i: entry('I32', [], [9, 13]) }, data),
    ).tensors;
    assert.deepEqual([...(t.f as HostArray).data], [Math.PI]);
    assert.deepEqual([...(t.i as HostArray).data], [-7]);
    assert.deepEqual((t.i as HostArray).shape, []);
  });
});

describe('serializeSafetensors validation', () => {
  const f = (shape: number[], n: number): HostArray => ({ dtype: 'float32', shape, data: new Float32Array(n) });
  const cases: [string, () => unknown, typeof ArgumentError | typeof ShapeError, RegExp][] = [
    ['empty name', () => serializeSafetensors({ '': f([1], 1) }), ArgumentError, /non-empty/],
    ['reserved name', () => serializeSafetensors({ __metadata__: f([1], 1) }), ArgumentError, /reserved/],
    ['size mismatch', () => serializeSafetensors({ w: f([2, 2], 3) }), ShapeError, /"w".*3 elements.*\[2, 2\]/],
    ['negative dim', () => serializeSafetensors({ w: f([-1], 0) }), ShapeError, /"w"/],
    ['fractional dim', () => serializeSafetensors({ w: f([1.5], 1) }), ShapeError, /"w"/],
    [
      'wrong typed array',
      () => serializeSafetensors({ w: { dtype: 'float32', shape: [1], data: new Float64Array(1) } }),
      ArgumentError,
      /Float32Array/,
    ],
    [
      'unknown dtype',
      () => serializeSafetensors({ w: { dtype: 'bool', shape: [1], data: new Int32Array(1) } as unknown as HostArray }),
      ArgumentError,
      /dtype/,
    ],
    [
      'non-string metadata',
      () => serializeSafetensors({}, { a: 1 } as unknown as Record<string, string>),
      ArgumentError,
      /metadata "a"/,
    ],
  ];
  for (const [label, fn, cls, msg] of cases) {
    test(label, () => {
      assert.throws(fn, (e: unknown) => e instanceof cls && e.op === 'saveSafetensors' && msg.test(e.message));
    });
  }
});

// ---------- hand-built fixtures for converted dtypes ----------

describe('dtype conversion fixtures', () => {
  test('F16 decodes exactly: normals, max, subnormals, zeros, inf, nan', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x0000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
    const want = [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, 0, Infinity, -Infinity, NaN, 0.333251953125];
    const t = parseSafetensors(file({ h: entry('F16', [12], [0, 24]) }, u16le(bits))).tensors.h as HostArray;
    assert.equal(t.dtype, 'float32');
    assert.ok(t.data instanceof Float32Array);
    want.forEach((w, i) => assert.ok(Object.is(t.data[i], w), `bits 0x${bits[i]?.toString(16)}: ${t.data[i]} != ${w}`));
  });

  test('BF16 decodes exactly: normals, max, subnormal, inf, nan', () => {
    const bits = [0x3f80, 0xc000, 0x7f7f, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x4049];
    const want = [1, -2, 3.3895313892515355e38, 2 ** -133, -0, Infinity, -Infinity, NaN, 3.140625];
    const t = parseSafetensors(file({ b: entry('BF16', [3, 3], [0, 18]) }, u16le(bits))).tensors.b as HostArray;
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [3, 3]);
    want.forEach((w, i) => assert.ok(Object.is(t.data[i], w), `bits 0x${bits[i]?.toString(16)}: ${t.data[i]} != ${w}`));
  });

  test('I64 within int32 range becomes int32', () => {
    const t = parseSafetensors(
      file({ ids: entry('I64', [2, 2], [0, 32]) }, i64le([0n, -1n, 2147483647n, -2147483648n])),
    ).tensors.ids as HostArray;
    assert.equal(t.dtype, 'int32');
    assert.deepEqual([...t.data], [0, -1, 2147483647, -2147483648]);
  });

  for (const v of [2147483648n, -2147483649n, 2n ** 40n, -(2n ** 63n), 2n ** 63n - 1n]) {
    test(`I64 value ${v} outside int32 is a FormatError naming the tensor`, () => {
      assertFormatError(file({ big: entry('I64', [2], [0, 16]) }, i64le([1n, v])), String(v), /"big".*does not fit/);
    });
  }

  test('U8 becomes int32', () => {
    const t = parseSafetensors(file({ u: entry('U8', [4], [0, 4]) }, new Uint8Array([0, 1, 128, 255]))).tensors
      .u as HostArray;
    assert.equal(t.dtype, 'int32');
    assert.deepEqual([...t.data], [0, 1, 128, 255]);
  });

  for (const dtype of ['BOOL', 'I8', 'I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'f32', 'constructor', 'toString']) {
    test(`unsupported dtype ${dtype} is a FormatError naming dtype and tensor`, () => {
      assertFormatError(file({ x: entry(dtype, [1], [0, 1]) }, 8), dtype, new RegExp(`"x".*"${dtype}"`));
    });
  }
});

// ---------- corruption ----------

/** A few small valid files that the corruption tests start from. */
function baseFiles(): [string, Uint8Array][] {
  return [
    ['ours', serializeSafetensors(
      {
        w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) },
        s: { dtype: 'int32', shape: [], data: new Int32Array([7]) },
        e: { dtype: 'float64', shape: [0, 3], data: new Float64Array(0) },
      },
      { k: 'v' },
    )],
    ['converted', file(
      { h: entry('F16', [2], [0, 4]), b: entry('BF16', [1], [4, 6]), i: entry('I64', [1], [6, 14]), u: entry('U8', [2], [14, 16]) },
      new Uint8Array([0, 0x3c, 0, 0xc0, 0x80, 0x3f, 5, 0, 0, 0, 0, 0, 0, 0, 9, 255]),
    )],
    ['minimal', file({ a: entry('F32', [1], [0, 4]) }, new Uint8Array([0, 0, 0x80, 0x3f]))],
  ];
}

describe('parseSafetensors rejects corrupt input with FormatError', () => {
  test('base files are valid', () => {
    for (const [label, bytes] of baseFiles()) assert.equal(outcome(bytes, label), 'ok');
  });

  const one = (dtype = 'F32') => entry(dtype, [1], [0, 4]);
  const table: [string, Uint8Array, RegExp?][] = [
    ['empty file', new Uint8Array(0), /shorter/],
    ['7 bytes', new Uint8Array(7), /shorter/],
    ['zero-length header', file(''), /not valid JSON/],
    ['unterminated JSON', file('{'), /not valid JSON/],
    ['not JSON', file('hello'), /not valid JSON/],
    ['trailing garbage', file('{}x'), /not valid JSON/],
    ['header with BOM', file('\ufeff{}'), /not valid JSON/],
    ['header is array', file('[]'), /JSON object/],
    ['header is string', file('"x"'), /JSON object/],
    ['header is number', file('1'), /JSON object/],
    ['header is null', file('null'), /JSON object/],
    ['invalid UTF-8 0xff', file(new Uint8Array([0x7b, 0xff, 0x7d])), /UTF-8/],
    ['overlong UTF-8', file(new Uint8Array([0x7b, 0x22, 0xc0, 0x80, 0x22, 0x3a, 0x31, 0x7d])), /UTF-8/],
    ['UTF-8 surrogate', file(new Uint8Array([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])), /UTF-8/],
    ['cut UTF-8 sequence', file(new Uint8Array([0x7b, 0x22, 0xe2, 0x82])), /UTF-8/],
    ['metadata number', file({ __metadata__: 5 }), /__metadata__/],
    ['metadata array', file({ __metadata__: [] }), /__metadata__/],
    ['metadata null', file({ __metadata__: null }), /__metadata__/],
    ['metadata value number', file({ __metadata__: { a: 1 } }), /__metadata__ "a"/],
    ['metadata value object', file({ __metadata__: { a: {} } }), /__metadata__ "a"/],
    ['entry is number', file({ w: 5 }), /"w".*object/],
    ['entry is array', file({ w: [] }), /"w".*object/],
    ['entry is null', file({ w: null }), /"w".*object/],
    ['entry is string', file({ w: 'F32' }), /"w".*object/],
    ['unknown key', file({ w: { ...one(), extra: 1 } }, 4), /"w".*unknown key "extra"/],
    ['missing dtype', file({ w: { shape: [1], data_offsets: [0, 4] } }, 4), /"w".*dtype/],
    ['missing shape', file({ w: { dtype: 'F32', data_offsets: [0, 4] } }, 4), /"w".*shape/],
    ['missing offsets', file({ w: { dtype: 'F32', shape: [1] } }, 4), /"w".*data_offsets/],
    ['dtype number', file({ w: entry(32, [1], [0, 4]) }, 4), /"w".*dtype/],
    ['dtype null', file({ w: entry(null, [1], [0, 4]) }, 4), /"w".*dtype/],
    ['shape string', file({ w: entry('F32', '1', [0, 4]) }, 4), /"w".*shape/],
    ['shape object', file({ w: entry('F32', {}, [0, 4]) }, 4), /"w".*shape/],
    ['shape null', file({ w: entry('F32', null, [0, 4]) }, 4), /"w".*shape/],
    ['negative dim', file({ w: entry('F32', [-1], [0, 4]) }, 4), /"w".*shape.*-1/],
    ['fractional dim', file({ w: entry('F32', [1.5], [0, 6]) }, 8), /"w".*shape.*1\.5/],
    ['string dim', file({ w: entry('F32', ['1'], [0, 4]) }, 4), /"w".*shape/],
    ['null dim', file({ w: entry('F32', [null], [0, 4]) }, 4), /"w".*shape/],
    ['bool dim', file({ w: entry('F32', [true], [0, 4]) }, 4), /"w".*shape/],
    ['nested dim', file({ w: entry('F32', [[1]], [0, 4]) }, 4), /"w".*shape/],
    ['infinite dim (1e400)', file('{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', 4), /"w".*shape/],
    ['dim 2^53', file({ w: entry('F32', [2 ** 53], [0, 4]) }, 4), /"w".*shape/],
    ['shape [2^40, 2^40]', file({ w: entry('F32', [2 ** 40, 2 ** 40], [0, 4]) }, 4), /"w".*too many/],
    ['shape [2^40, 2^40, 0]', file({ w: entry('F32', [2 ** 40, 2 ** 40, 0], [0, 0]) }), /"w".*too many/],
    ['shape [2^26]*3', file({ w: entry('U8', [2 ** 26, 2 ** 26, 2 ** 26], [0, 4]) }, 4), /"w".*too many/],
    ['shape [2^40]', file({ w: entry('F32', [2 ** 40], [0, 4]) }, 4), /"w".*needs/],
    ['offsets not array', file({ w: entry('F32', [1], '0,4') }, 4), /"w".*data_offsets/],
    ['offsets length 1', file({ w: entry('F32', [1], [4]) }, 4), /"w".*data_offsets/],
    ['offsets length 3', file({ w: entry('F32', [1], [0, 4, 8]) }, 8), /"w".*data_offsets/],
    ['offsets strings', file({ w: entry('F32', [1], ['0', '4']) }, 4), /"w".*data_offsets/],
    ['offsets fractional', file({ w: entry('F32', [1], [0, 3.5]) }, 4), /"w".*data_offsets.*3\.5/],
    ['offsets negative', file({ w: entry('F32', [1], [-4, 0]) }, 4), /"w".*data_offsets/],
    ['offsets reversed', file({ w: entry('F32', [1], [4, 0]) }, 4), /"w".*data_offsets/],
    ['offsets past end', file({ w: entry('F32', [1], [4, 8]) }, 4), /"w".*do not fit/],
    ['offsets 2^53', file({ w: entry('F32', [1], [0, 2 ** 53]) }, 4), /"w".*data_offsets/],
    ['offsets 2^53-1', file({ w: entry('F32', [1], [0, 2 ** 53 - 1]) }, 4), /"w".*do not fit/],
    ['offsets 1e400', file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,1e400]}}', 4), /"w".*data_offsets/],
    ['offsets too long for shape', file({ w: entry('F32', [1], [0, 8]) }, 8), /"w".*8 bytes.*needs 4/],
    ['offsets too short for shape', file({ w: entry('F64', [2], [0, 8]) }, 8), /"w".*needs 16/],
    ['empty shape with bytes', file({ w: entry('F32', [0], [0, 4]) }, 4), /"w".*needs 0/],
    ['scalar without bytes', file({ w: entry('F32', [], [0, 0]) }, 4), /"w".*needs 4/],
    [
      'overlapping tensors',
      file({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, 12),
      /"a".*"b".*overlap/,
    ],
    ['identical ranges', file({ a: one(), b: one() }, 4), /overlap/],
    ['overlap with unsorted entries', file({ z: entry('U8', [4], [2, 6]), a: entry('U8', [4], [0, 4]) }, 8), /overlap/],
  ];
  for (const [label, bytes, message] of table) {
    test(label, () => assertFormatError(bytes, label, message));
  }

  test('valid edge cases: gaps, trailing bytes, empty tensors anywhere, whitespace', () => {
    const parsed = parseSafetensors(
      file(
        '  {"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]},"e":{"dtype":"F32","shape":[0,5],"data_offsets":[2,2]},' +
          '"z":{"data_offsets":[4,5],"shape":[1],"dtype":"U8"}}   ',
        new Uint8Array([9, 1, 2, 9, 3, 9, 9]),
      ),
    );
    assert.deepEqual([...(parsed.tensors.a as HostArray).data], [1, 2]);
    assert.deepEqual((parsed.tensors.e as HostArray).shape, [0, 5]);
    assert.deepEqual([...(parsed.tensors.z as HostArray).data], [3]);
  });

  test('header length prefix: huge, off by some, pointing past the file', () => {
    const [, base] = baseFiles()[0] as [string, Uint8Array];
    const n = Number(new DataView(base.buffer).getBigUint64(0, true));
    const lengths = [
      2n ** 64n - 1n, 2n ** 63n, 2n ** 53n, 2n ** 32n, 2n ** 32n + BigInt(n), 100_000_001n, 100_000_000n,
      BigInt(base.length - 7), BigInt(base.length), 0n, 1n, BigInt(n + 1), BigInt(n - 8),
    ];
    const withLength = (len: bigint) => {
      const bytes = base.slice();
      new DataView(bytes.buffer).setBigUint64(0, len, true);
      return bytes;
    };
    for (const len of lengths) assertFormatError(withLength(len), `header length ${len}`);
    // Dropping one padding space is still a valid file: the data section just gains a leading byte.
    for (let len = 0; len <= base.length - 8; len++) outcome(withLength(BigInt(len)), `header length ${len}`);
  });

  test('every truncation of each base file fails', () => {
    let count = 0;
    for (const [label, bytes] of baseFiles()) {
      for (let len = 0; len < bytes.length; len++) {
        assertFormatError(bytes.subarray(0, len), `${label} truncated to ${len}`);
        count++;
      }
    }
    assert.ok(count > 300, `only ${count} truncations`);
  });

  test('seeded random byte flips: parse or FormatError, never anything else', () => {
    const rand = prng(42);
    const seen = { ok: 0, format: 0 };
    for (const [label, base] of baseFiles()) {
      for (let i = 0; i < 200; i++) {
        const bytes = base.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < flips; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        seen[outcome(bytes, `${label} flip #${i}`)]++;
      }
    }
    // Both outcomes must occur, or the fuzzing is not reaching both the header and the data.
    assert.ok(seen.ok > 0 && seen.format > 0, JSON.stringify(seen));
  });

  test('seeded header text mutations: parse or FormatError, never anything else', () => {
    const rand = prng(7);
    const pieces = ['-1', '1.5', '1e400', '"x"', 'null', '[]', '{}', '9007199254740993', '0', ',', ']', '}', '"', '\\'];
    let count = 0;
    for (const [label, base] of baseFiles()) {
      const n = Number(new DataView(base.buffer).getBigUint64(0, true));
      const header = new TextDecoder().decode(base.subarray(8, 8 + n));
      const data = base.subarray(8 + n);
      for (let i = 0; i < 150; i++) {
        // Replace a random run of 1-3 characters with a hostile token.
        const at = Math.floor(rand() * header.length);
        const piece = pieces[Math.floor(rand() * pieces.length)] as string;
        const mutated = header.slice(0, at) + piece + header.slice(at + 1 + Math.floor(rand() * 3));
        outcome(file(mutated, data), `${label} mutation #${i}: ${mutated}`);
        count++;
      }
    }
    assert.equal(count, 450);
  });

  test('deeply nested and very wide headers are rejected without crashing', () => {
    assertFormatError(file('['.repeat(100_000) + ']'.repeat(100_000)), 'deep array');
    assertFormatError(file(`{"w":${'['.repeat(50_000)}${']'.repeat(50_000)}}`), 'deep entry', /"w"/);
    const wide = `{"w":{"dtype":"U8","shape":[${new Array(200_000).fill(1).join(',')}, -1],"data_offsets":[0,1]}}`;
    assertFormatError(file(wide, 1), 'wide shape', /"w".*200001 items/);
  });
});

// ---------- PyTorch golden files ----------

const fixtureDir = fileURLToPath(new URL('../fixtures/safetensors/', import.meta.url));
const toolPath = fileURLToPath(new URL('../../tools/golden/safetensors_fixture.py', import.meta.url));

describe('PyTorch interop', () => {
  test('torch-written fixture matches its JSON expectations', () => {
    const parsed = parseSafetensors(new Uint8Array(readFileSync(join(fixtureDir, 'torch_fixture.safetensors'))));
    const expected = JSON.parse(readFileSync(join(fixtureDir, 'torch_fixture.json'), 'utf8')) as {
      metadata: Record<string, string>;
      tensors: Record<string, { file_dtype: string; shape: number[]; values: number[] }>;
    };
    assert.deepEqual(parsed.metadata, expected.metadata);
    assert.deepEqual(Object.keys(parsed.tensors).sort(), Object.keys(expected.tensors).sort());
    const ourDtype: Record<string, string> = { F32: 'float32', F16: 'float32', BF16: 'float32', F64: 'float64' };
    for (const [name, e] of Object.entries(expected.tensors)) {
      const t = parsed.tensors[name] as HostArray;
      assert.equal(t.dtype, ourDtype[e.file_dtype] ?? 'int32', name);
      assert.deepEqual(t.shape, e.shape, name);
      assert.deepEqual([...t.data], e.values, name);
    }
  });

  test('our serializer output is readable by the PyTorch tool', (t) => {
    const tensors: Record<string, HostArray> = {
      w: { dtype: 'float32', shape: [2, 3], data: new Float32Array([0.5, -1.25, 3, 0.1, 7, -2]) },
      b: { dtype: 'float64', shape: [4], data: new Float64Array([0.1, 0.2, -0.3, 1e10]) },
      i: { dtype: 'int32', shape: [3], data: new Int32Array([5, -2147483648, 2147483647]) },
      s: { dtype: 'float64', shape: [], data: new Float64Array([2.5]) },
      e: { dtype: 'float32', shape: [0, 2], data: new Float32Array(0) },
    };
    const path = join(tempDir(), 'ours.safetensors');
    writeFileSync(path, serializeSafetensors(tensors, { format: 'pt' }));
    // Our own parser must accept it in every environment.
    assertSameTensors(parseSafetensors(new Uint8Array(readFileSync(path))).tensors, tensors);

    const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { timeout: 120_000 });
    if (probe.status !== 0) {
      t.diagnostic('torch not importable by /usr/bin/python3: PyTorch cross-check not run, own parser checked only');
      return;
    }
    const run = spawnSync('/usr/bin/python3', [toolPath, 'check', path], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] as string) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; sum: number }>;
    };
    assert.deepEqual(report.metadata, { format: 'pt' });
    const codes = { float32: 'F32', float64: 'F64', int32: 'I32' };
    assert.deepEqual(Object.keys(report.tensors).sort(), Object.keys(tensors).sort());
    for (const [name, ours] of Object.entries(tensors)) {
      const theirs = report.tensors[name] as { dtype: string; shape: number[]; sum: number };
      assert.equal(theirs.dtype, codes[ours.dtype], name);
      assert.deepEqual(theirs.shape, ours.shape, name);
      const sum = [...ours.data].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(theirs.sum - sum) <= 1e-12 * Math.max(1, Math.abs(sum)), `${name}: ${theirs.sum} vs ${sum}`);
    }
  });
});

// ---------- atomic writes ----------

describe('writeFileAtomic / writeFileAtomicSync', () => {
  const variants = [
    ['async', (p: string, b: Uint8Array) => writeFileAtomic(p, b)],
    ['sync', async (p: string, b: Uint8Array) => writeFileAtomicSync(p, b)],
  ] as const;

  for (const [kind, write] of variants) {
    test(`${kind}: creates, then replaces an existing file, leaving no temp files`, async () => {
      const dir = tempDir();
      const path = join(dir, 'model.safetensors');
      await write(path, enc.encode('first version'));
      assert.equal(readFileSync(path, 'utf8'), 'first version');
      await write(path, enc.encode('second'));
      assert.equal(readFileSync(path, 'utf8'), 'second');
      await write(path, new Uint8Array(0));
      assert.equal(readFileSync(path).length, 0);
      assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    });

    test(`${kind}: missing directory rejects and creates nothing`, async () => {
      const dir = tempDir();
      await assert.rejects(write(join(dir, 'missing', 'f.bin'), enc.encode('x')), { code: 'ENOENT' });
      assert.deepEqual(readdirSync(dir), []);
    });

    test(`${kind}: failing rename (target is a directory) keeps it and removes the temp file`, async () => {
      const dir = tempDir();
      const target = join(dir, 'target');
      mkdirSync(target);
      writeFileSync(join(target, 'inside.txt'), 'keep me');
      await assert.rejects(write(target, enc.encode('x')));
      assert.equal(readFileSync(join(target, 'inside.txt'), 'utf8'), 'keep me');
      assert.deepEqual(readdirSync(dir), ['target']);
    });

    test(`${kind}: a non-buffer argument is an ArgumentError and touches nothing`, async () => {
      const dir = tempDir();
      const path = join(dir, 'f.bin');
      writeFileSync(path, 'old contents');
      await assert.rejects(write(path, 12345 as unknown as Uint8Array), ArgumentError);
      assert.equal(readFileSync(path, 'utf8'), 'old contents');
      assert.deepEqual(readdirSync(dir), ['f.bin']);
    });
  }

  test('fsync failure (EIO) after the temp file is written keeps the old file, removes the temp', async () => {
    const dir = tempDir();
    const path = join(dir, 'f.bin');
    writeFileSync(path, 'old contents');
    const eio = () => Object.assign(new Error('EIO: injected'), { code: 'EIO' });

    // Sync variant: patch fs.fsyncSync and push the change into the ESM named exports.
    const realFsync = fs.fsyncSync;
    fs.fsyncSync = () => {
      throw eio();
    };
    syncBuiltinESMExports();
    try {
      assert.throws(() => writeFileAtomicSync(path, enc.encode('new')), { code: 'EIO' });
    } finally {
      fs.fsyncSync = realFsync;
      syncBuiltinESMExports();
    }
    assert.equal(readFileSync(path, 'utf8'), 'old contents');
    assert.deepEqual(readdirSync(dir), ['f.bin']);

    // Async variant: patch FileHandle.prototype.sync (the class is only reachable via an instance).
    const probe = await fsp.open(path, 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const realSync = proto.sync;
    proto.sync = () => Promise.reject(eio());
    try {
      await assert.rejects(writeFileAtomic(path, enc.encode('new')), { code: 'EIO' });
    } finally {
      proto.sync = realSync;
    }
    assert.equal(readFileSync(path, 'utf8'), 'old contents');
    assert.deepEqual(readdirSync(dir), ['f.bin']);
  });

  test('saved safetensors round trips through an atomic write', async () => {
    const path = join(tempDir(), 'm.safetensors');
    await writeFileAtomic(path, serializeSafetensors(sampleTensors(), { a: 'b' }));
    const back = parseSafetensors(new Uint8Array(readFileSync(path)));
    assertSameTensors(back.tensors, sampleTensors());
    assert.deepEqual(back.metadata, { a: 'b' });
  });
});
