// Every kernel of every backend against ref, on odd shapes (1, 3, 63, 257, non-multiples of 4 and
// 16), with fresh allocations NaN-poisoned (test/setup.ts). Wasm kernels must also give identical
// bits with 1 and 2 threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import type { Backend, Buffer } from '../../src/backend/types.js';
import type { DType } from '../../src/tensor/dtype.js';
import { relRms } from '../helpers.js';

const ref = rc.setBackend('ref');
const others: Backend[] = rc.listBackends().filter((n) => n !== 'ref').map((n) => rc.setBackend(n));
rc.setBackend(process.env.RECURRENT_BACKEND ?? 'wasm');

const rng = new rc.Rng(1234);
const randArr = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => scale * rng.normal());

/** A kernel call on some backend, given buffers made from the same host data. */
type Case = (b: Backend, mk: (data: ArrayLike<number>, dtype?: DType) => Buffer, out: (n: number, dtype?: DType) => Buffer) => Buffer[];

function check(name: string, run: Case, tol = 1e-6): void {
  for (const other of others) {
    const results = (b: Backend, threads: number): Float64Array[] => {
      if (b.name === 'wasm') rc.setThreads(threads);
      const made: Buffer[] = [];
      const mk = (data: ArrayLike<number>, dtype: DType = 'float32'): Buffer => {
        const buf = b.alloc(dtype, data.length);
        b.write(buf, data);
        made.push(buf);
        return buf;
      };
      const out = (n: number, dtype: DType = 'float32'): Buffer => {
        const buf = b.alloc(dtype, n);
        made.push(buf);
        return buf;
      };
      const outs = run(b, mk, out).map((o) => Float64Array.from(b.read(o)));
      for (const m of made) b.free(m);
      return outs;
    };
    const want = results(ref, 1);
    const got1 = results(other, 1);
    const got2 = results(other, 2);
    want.forEach((w, i) => {
      const g = got1[i]!;
      assert.equal(g.length, w.length, `${name} output ${i} length`);
      for (let j = 0; j < g.length; j++) {
        assert.ok(!Number.isNaN(g[j]!) || Number.isNaN(w[j]!), `${name} on ${other.name}: NaN at output ${i}[${j}] (unwritten memory?)`);
      }
      const err = relRms(g, w);
      assert.ok(err <= tol, `${name} on ${other.name}: output ${i} rel-RMS ${err} > ${tol}`);
      assert.deepEqual(got2[i], g, `${name} on ${other.name}: 2 threads differ from 1 thread`);
    });
  }
}

const SIZES = [1, 3, 63, 257];

test('there is at least one backend besides ref to compare', () => {
  assert.ok(others.length >= 1, `backends: ${rc.listBackends().join(', ')}`);
});

test('matmul: all transposition flags, batches, broadcast batch, accumulate', () => {
  for (const [m, k, n] of [[1, 1, 1], [3, 63, 5], [63, 257, 3], [257, 63, 129], [2, 300, 1024], [33, 17, 70]]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [batch, bStride] of [[1, 1], [3, 1], [3, 0]]) {
          const A = randArr(batch * m! * k!);
          const B = randArr((bStride ? batch : 1) * k! * n!);
          const C = randArr(batch * m! * n!);
          check(`matmul ${m}x${k}x${n} tA=${transA} tB=${transB} batch=${batch}/${bStride}`, (b, mk, out) => {
            const o = out(batch * m! * n!);
            b.matmul({ a: mk(A), b: mk(B), out: o, batch, m: m!, k: k!, n: n!, transA, transB, aBatchStride: m! * k!, bBatchStride: bStride ? k! * n! : 0 });
            const acc = mk(C);
            b.matmul({ a: mk(A), b: mk(B), out: acc, batch, m: m!, k: k!, n: n!, transA, transB, aBatchStride: m! * k!, bBatchStride: bStride ? k! * n! : 0, accumulate: true });
            return [o, acc];
          }, 1e-5);
        }
      }
    }
  }
});

test('unary ops', () => {
  const ops = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sigmoid', 'logSigmoid',
    'tanh', 'relu', 'leakyRelu', 'elu', 'selu', 'softplus', 'silu', 'gelu', 'geluGrad', 'erf', 'step'] as const;
  for (const n of [...SIZES, 40000]) {
    const x = randArr(n, 3);
    const pos = x.map(Math.abs);
    for (const op of ops) {
      const input = ['log', 'sqrt', 'rsqrt', 'log1p'].includes(op) ? pos : x;
      check(`unary ${op} n=${n}`, (b, mk, out) => {
        const o = out(n);
        b.unary(op, mk(input), o, 0.2);
        return [o];
      });
    }
  }
});

test('binary ops with broadcasting strides', () => {
  const ops = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'gt', 'ge', 'lt', 'le', 'eq'] as const;
  const shapes: [number[], number[], number[]][] = [
    [[63, 257], [257, 1], [0, 1]], // row broadcast of b
    [[3, 63], [1, 3], [63, 1]], // a transposed-stride view, b column broadcast
    [[257], [1], [0]], // b scalar
    [[1], [1], [1]],
    [[4, 3, 65], [195, 65, 1], [0, 0, 1]],
  ];
  for (const op of ops) {
    for (const [shape, sa, sb] of shapes) {
      const size = shape.reduce((p, q) => p * q, 1);
      const extent = (s: number[]): number => 1 + shape.reduce((acc, d, i) => acc + (d - 1) * s[i]!, 0);
      const a = randArr(extent(sa)).map((v) => (op === 'pow' ? Math.abs(v) + 0.1 : Math.round(v * 2) / 2));
      // Halves make ties for the comparisons; divisors stay away from zero.
      const bv = randArr(extent(sb)).map((v) => Math.round(v * 2) / 2 + (op === 'div' && Math.round(v * 2) === 0 ? 0.5 : 0));
      check(`binary ${op} ${JSON.stringify(shape)}`, (b, mk, out) => {
        const o = out(size);
        b.binary(op, { buf: mk(a), offset: 0, strides: sa }, { buf: mk(bv), offset: 0, strides: sb }, o, shape);
        return [o];
      });
    }
  }
  const big = randArr(70000);
  check('binary add 70000 (threaded)', (b, mk, out) => {
    const o = out(70000);
    b.binary('add', { buf: mk(big), offset: 0, strides: [1] }, { buf: mk(big), offset: 0, strides: [1] }, o, [70000]);
    return [o];
  });
});

test('strided copy and scatter, where, cast, fill', () => {
  const src = randArr(4 * 63 * 5);
  check('copyStrided permute', (b, mk, out) => {
    const o = out(src.length);
    b.copyStrided({ buf: mk(src), offset: 0, strides: [5, 1, 315] }, o, [63, 5, 4]);
    return [o];
  });
  check('copyStrided slice with offset', (b, mk, out) => {
    const o = out(2 * 30 * 5);
    b.copyStrided({ buf: mk(src), offset: 5 * 3, strides: [315, 5, 1] }, o, [2, 30, 5]);
    return [o];
  });
  check('copyStrided float64 and int32', (b, mk, out) => {
    const o64 = out(63, 'float64');
    b.copyStrided({ buf: mk(Float64Array.from(src.slice(0, 126)), 'float64'), offset: 1, strides: [2] }, o64, [63]);
    const o32 = out(63, 'int32');
    b.copyStrided({ buf: mk(Int32Array.from(src.slice(0, 63), (v) => Math.round(v * 10)), 'int32'), offset: 0, strides: [1] }, o32, [63]);
    return [o64, o32];
  });
  check('scatterStrided', (b, mk, out) => {
    const o = out(4 * 10);
    b.fill(o, 0);
    b.scatterStrided(mk(src.slice(0, 12)), { buf: o, offset: 3, strides: [10, 1] }, [4, 3]);
    return [o];
  });
  const cond = Float32Array.from(randArr(63 * 3), (v) => (v > 0 ? 1 : 0));
  check('where', (b, mk, out) => {
    const o = out(63 * 3);
    b.where({ buf: mk(cond), offset: 0, strides: [3, 1] }, { buf: mk(src), offset: 0, strides: [3, 1] }, { buf: mk(src), offset: 7, strides: [0, 1] }, o, [63, 3]);
    return [o];
  });
  const toCast = randArr(257, 50);
  check('cast float32 -> int32 -> float32', (b, mk, out) => {
    const i = out(257, 'int32');
    b.cast(mk(toCast), i);
    const f = out(257);
    b.cast(i, f);
    return [i, f];
  });
});

test('reductions, argmax, cumsum, softmax over [outer, n, inner]', () => {
  for (const [outer, n, inner] of [[1, 1, 1], [3, 257, 1], [63, 3, 1], [3, 63, 5], [1, 257, 63], [257, 3, 3]]) {
    const x = randArr(outer! * n! * inner!);
    for (const op of ['sum', 'max', 'min'] as const) {
      check(`reduce ${op} ${outer}x${n}x${inner}`, (b, mk, out) => {
        const o = out(outer! * inner!);
        b.reduce(op, mk(x), outer!, n!, inner!, o);
        return [o];
      });
    }
    check(`argmax ${outer}x${n}x${inner}`, (b, mk, out) => {
      const o = out(outer! * inner!, 'int32');
      b.argmax(mk(x), outer!, n!, inner!, o);
      return [o];
    });
    for (const reverse of [false, true]) {
      check(`cumsum ${outer}x${n}x${inner} reverse=${reverse}`, (b, mk, out) => {
        const o = out(x.length);
        b.cumsum(mk(x), outer!, n!, inner!, reverse, o);
        return [o];
      });
    }
    for (const log of [false, true]) {
      check(`softmax ${outer}x${n}x${inner} log=${log}`, (b, mk, out) => {
        const o = out(x.length);
        b.softmax(mk(x), outer!, n!, inner!, log, o);
        return [o];
      });
    }
  }
  const big = randArr(300 * 257);
  check('reduce sum 300x257 rows (threaded)', (b, mk, out) => {
    const o = out(300);
    b.reduce('sum', mk(big), 300, 257, 1, o);
    return [o];
  });
});

test('layerNorm and rmsNorm forward and backward', () => {
  for (const [rows, n] of [[1, 1], [3, 63], [257, 3], [130, 257]]) {
    const x = randArr(rows! * n!);
    const w = randArr(n!);
    const bias = randArr(n!);
    const dy = randArr(rows! * n!);
    for (const affine of [true, false]) {
      check(`layerNorm ${rows}x${n} affine=${affine}`, (b, mk, out) => {
        const args = { x: mk(x), rows: rows!, n: n!, eps: 1e-5, weight: affine ? mk(w) : null, bias: affine ? mk(bias) : null };
        const y = out(x.length), mean = out(rows!), rstd = out(rows!);
        b.layerNorm(args, y, mean, rstd);
        const dx = out(x.length), dw = affine ? out(n!) : null, db = affine ? out(n!) : null;
        b.layerNormBackward(args, mk(dy), mean, rstd, dx, dw, db);
        return [y, mean, rstd, dx, ...(dw && db ? [dw, db] : [])];
      });
      check(`rmsNorm ${rows}x${n} affine=${affine}`, (b, mk, out) => {
        const args = { x: mk(x), rows: rows!, n: n!, eps: 1e-6, weight: affine ? mk(w) : null, bias: null };
        const y = out(x.length), rstd = out(rows!);
        b.rmsNorm(args, y, rstd);
        const dx = out(x.length), dw = affine ? out(n!) : null;
        b.rmsNormBackward(args, mk(dy), rstd, dx, dw);
        return [y, rstd, dx, ...(dw ? [dw] : [])];
      });
    }
  }
});

test('indexSelect / indexAdd / gather / scatterAdd (embedding forward and backward)', () => {
  const [outer, n, inner] = [3, 63, 5];
  const x = randArr(outer * n * inner);
  const idx = Int32Array.from({ length: 257 }, () => rng.int(n));
  check('indexSelect', (b, mk, out) => {
    const o = out(outer * 257 * inner);
    b.indexSelect(mk(x), outer, n, inner, mk(idx, 'int32'), o);
    return [o];
  });
  const src = randArr(outer * 257 * inner);
  check('indexAdd with repeated indices', (b, mk, out) => {
    const o = out(outer * n * inner);
    b.fill(o, 0);
    b.indexAdd(mk(src), outer, n, inner, mk(idx, 'int32'), o);
    return [o];
  });
  const m = 7;
  const gidx = Int32Array.from({ length: outer * m * inner }, () => rng.int(n));
  check('gather', (b, mk, out) => {
    const o = out(outer * m * inner);
    b.gather(mk(x), outer, n, inner, mk(gidx, 'int32'), m, o);
    return [o];
  });
  const scattered = randArr(outer * m * inner);
  check('scatterAdd', (b, mk, out) => {
    const o = out(outer * n * inner);
    b.fill(o, 0);
    b.scatterAdd(mk(scattered), outer, n, inner, mk(gidx, 'int32'), m, o);
    return [o];
  });
});

test('conv1d forward and backward (causal, grouped, strided, dilated)', () => {
  for (const [batch, cin, cout, length, kernel, groups, stride, dilation, causal] of [
    [1, 1, 1, 1, 1, 1, 1, 1, true], [2, 4, 6, 63, 3, 2, 1, 1, true], [3, 6, 6, 17, 4, 6, 1, 2, true], [2, 3, 5, 33, 3, 1, 2, 1, false],
  ] as const) {
    const padLeft = causal ? (kernel - 1) * dilation : 1;
    const outLength = Math.floor((length + padLeft + (causal ? 0 : 1) - dilation * (kernel - 1) - 1) / stride) + 1;
    const args = { batch, cin, cout, length, outLength, kernel, groups, stride, padLeft, dilation };
    const x = randArr(batch * cin * length);
    const w = randArr(cout * (cin / groups) * kernel);
    const bias = randArr(cout);
    const dy = randArr(batch * cout * outLength);
    check(`conv1d ${JSON.stringify(args)}`, (b, mk, out) => {
      const y = out(batch * cout * outLength);
      b.conv1d(mk(x), mk(w), mk(bias), y, args);
      const dx = out(x.length), dw = out(w.length), db = out(cout);
      b.conv1dBackward(mk(x), mk(w), mk(dy), dx, dw, db, args);
      return [y, dx, dw, db];
    });
  }
});

test('fused Adam/AdamW kernels match the optimizer loop bit for bit', () => {
  const sizes = [1, 3, 63, 70001];
  for (const size of sizes) {
    for (const [kind, opts] of [['AdamW', { lr: 1e-2, weightDecay: 0.1 }], ['Adam', { lr: 1e-2, weightDecay: 0.01 }], ['Adam', { amsgrad: true }]] as const) {
      const p0 = randArr(size);
      const grads = [randArr(size), randArr(size), randArr(size)];
      const run = (backend: string): Float32Array => {
        rc.setBackend(backend);
        const p = rc.tensor(p0, [size]);
        const opt = kind === 'AdamW' ? new rc.optim.AdamW([p], opts) : new rc.optim.Adam([p], opts);
        for (const g of grads) {
          const gt = rc.tensor(g, [size]);
          opt.step([gt]);
          gt.dispose();
        }
        const out = p.data() as Float32Array;
        opt.dispose();
        p.dispose();
        return out;
      };
      const want = run('ref');
      for (const other of others) assert.deepEqual(run(other.name), want, `${kind} ${JSON.stringify(opts)} size ${size} on ${other.name}`);
    }
  }
  rc.setBackend(process.env.RECURRENT_BACKEND ?? 'wasm');
});

test('wasm heap reuses freed blocks and a training loop leaks no wasm memory', () => {
  const info0 = rc.wasmInfo();
  assert.ok(info0, 'wasm backend loaded');
  rc.setBackend('wasm');
  const rngLocal = new rc.Rng(3);
  const model = new rc.nn.Sequential(new rc.nn.Linear(16, 32, { rng: rngLocal }), new rc.nn.GELU(), new rc.nn.LayerNorm(32), new rc.nn.Linear(32, 4, { rng: rngLocal }));
  const opt = new rc.optim.AdamW(model.parameterRecord(), { lr: 1e-3 });
  const x = rc.randn([8, 16], { rng: rngLocal });
  const y = rc.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 4), [8], { dtype: 'int32' });
  const stepOnce = (): void => {
    const { value, grads } = rc.valueAndGrad((_p: Record<string, rc.Tensor>) => rc.crossEntropy(model.forward(x), y))(model.parameterRecord());
    opt.step(grads);
    rc.dispose([value, grads]);
  };
  stepOnce();
  const used = rc.wasmInfo()!.inUseBytes;
  const reserved = rc.wasmInfo()!.reservedBytes;
  for (let i = 0; i < 100; i++) stepOnce();
  assert.equal(rc.wasmInfo()!.inUseBytes, used, 'bytes in use returned to the level after the first step');
  assert.equal(rc.wasmInfo()!.reservedBytes, reserved, 'no fresh memory reserved: freed blocks were reused');
  model.dispose();
  opt.dispose();
  rc.dispose([x, y]);
  rc.setBackend(process.env.RECURRENT_BACKEND ?? 'wasm');
});

test('strided kernels write exactly their shape into a larger output buffer', () => {
  const src = randArr(24);
  check('copy/scatter/binary/where into oversized buffers', (b, mk, out) => {
    const outs: Buffer[] = [];
    for (let k = 0; k < 4; k++) {
      const o = out(48);
      b.fill(o, 7);
      outs.push(o);
    }
    b.copyStrided({ buf: mk(src), offset: 0, strides: [1, 4] }, outs[0]!, [4, 6]);
    b.scatterStrided(mk(src), { buf: outs[1]!, offset: 2, strides: [1] }, [12]);
    b.binary('mul', { buf: mk(src), offset: 0, strides: [6, 1] }, { buf: mk(src), offset: 0, strides: [0, 1] }, outs[2]!, [3, 6]);
    b.where({ buf: mk(src), offset: 0, strides: [6, 1] }, { buf: mk(src), offset: 1, strides: [6, 1] }, { buf: mk(src), offset: 0, strides: [0, 0] }, outs[3]!, [2, 6]);
    return outs;
  });
});

test('matmul with a prepared right operand (recurrent weights laid out once)', () => {
  for (const [m, k, n] of [[1, 5, 3], [3, 63, 257], [32, 300, 1024], [17, 257, 63]]) {
    for (const transB of [false, true]) {
      const A = randArr(m! * k!);
      const Bm = randArr(k! * n!);
      const C = randArr(m! * n!);
      check(`prepared matmul ${m}x${k}x${n} tB=${transB}`, (b, mk) => {
        const bb = mk(Bm);
        const prep = b.prepareRhs ? b.prepareRhs(bb, k!, n!, transB) : null;
        const o = mk(C);
        b.matmul({ a: mk(A), b: bb, out: o, batch: 1, m: m!, k: k!, n: n!, transA: false, transB, aBatchStride: 0, bBatchStride: 0, accumulate: true, bPrepared: prep });
        if (prep) b.free(prep);
        return [o];
      }, 1e-5);
    }
  }
});
