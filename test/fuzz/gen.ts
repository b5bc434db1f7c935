// Seeded generators of hostile and almost-valid arguments for the fuzz
// harness. Every case gets its own generator from (seed, case index), so a
// case is reproducible from those two numbers (and the cases run before it in
// the same chunk, which set up the shared object pool).
import * as tf from '../../src/index';
import { Tensor } from '../../src/tensor';

/** Values a typed array gets from the generator; a longer one repeats them. */
const FILLED = 65536;

/** Errors the fuzzer's own hostile code throws (from proxy traps, getters, callbacks). */
export class FuzzThrow extends Error {
  constructor(where: string) {
    super(`fuzz: thrown by a hostile ${where}`);
  }
}

/** Weird numbers: boundaries of every integer type and float oddities. */
export const EDGE_NUMBERS: readonly number[] = [
  0, -0, 1, -1, 2, 3, 0.5, -0.5, 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.EPSILON,
  Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53 + 2,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 32 - 1, 2 ** 24, 2 ** 24 + 1, 2 ** 30, 2 ** 62, 1e9,
  1e15, 1e300, -1e300, 3.4e38, 3.5e38, -3.5e38, 1e-45, 1e-310, 65535, 65536, 255, 256, 7, 8, 9, 10, 31, 32, 33, 1e6,
];

const JUNK_STRINGS = ['', 'abc', '1', '-1', 'NaN', 'float32', 'int32', 'float64', 'adam', 'relu', 'softmax', 'x'.repeat(300),
  'sparse_categorical_crossentropy', 'meanSquaredError', 'accuracy', '__proto__', 'constructor', 'toString', '\u0000', 'é漢😀',
  'file://', 'file:///', 'no-such-dir/model.json', './', '.', '..', 'model.json', 'indexeddb://x', 'http://127.0.0.1:9/x'];

/** xoshiro128** seeded through splitmix32, independent of the library's own generator. */
export class Gen {
  private s = new Uint32Array(4);
  /** Hooks run after the case (e.g. shrinking a resizable buffer the case holds). */
  readonly later: (() => void)[] = [];

  constructor(seed: number, stream: number) {
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.float() * list.length)];
  }

  /** Picks by weight: [[weight, make], ...]. */
  weighted<T>(options: [number, () => T][]): T {
    const total = options.reduce((a, [w]) => a + w, 0);
    let r = this.float() * total;
    for (const [w, make] of options) {
      if ((r -= w) < 0) return make();
    }
    return options[options.length - 1][1]();
  }

  edgeNumber(): number {
    return this.pick(EDGE_NUMBERS);
  }

  /** A finite value for data, occasionally NaN/Infinity/huge. */
  value(): number {
    return this.weighted([
      [20, () => this.float() * 4 - 2],
      [2, () => this.int(-3, 3)],
      [1, () => this.edgeNumber()],
    ]);
  }

  /** Anything at all, including hostile objects. */
  junk(depth = 0): unknown {
    return this.weighted<unknown>([
      [6, () => this.edgeNumber()],
      [2, () => undefined],
      [2, () => null],
      [1, () => this.chance(0.5)],
      [3, () => this.pick(JUNK_STRINGS)],
      [1, () => Symbol('fuzz')],
      [1, () => BigInt(this.int(-5, 5))],
      [1, () => ({})],
      [1, () => Object.freeze({ a: 1 })],
      [1, () => Object.create(null)],
      [1, () => []],
      [1, () => [this.edgeNumber(), this.edgeNumber()]],
      [1, () => () => 1],
      [1, () => () => { throw new FuzzThrow('function'); }],
      [1, () => new Date(0)],
      [1, () => /re/],
      [1, () => new Map([[1, 2]])],
      [1, () => Promise.resolve(1)],
      [1, () => new ArrayBuffer(this.int(0, 16))],
      [1, () => new DataView(new ArrayBuffer(8))],
      [3, () => this.typedArray()],
      [2, () => (depth < 2 ? this.tensor(depth + 1) : 1)],
      [1, () => this.hostileProxy()],
      [1, () => this.throwingGetters()],
      [1, () => ({ valueOf: () => 3, toString: () => '3' })],
      [1, () => ({ length: 2 ** 32, 0: 1 })],
      [1, () => new Array(this.int(0, 5))],
      [1, () => Object.assign([1, 2], { extra: 'x' })],
    ]);
  }

  /** A proxy whose every trap throws, or lies. */
  hostileProxy(): unknown {
    const lie = this.chance(0.5);
    return new Proxy(this.chance(0.5) ? [] : {}, {
      get: (_t, k) => {
        if (!lie) throw new FuzzThrow('proxy get');
        return k === Symbol.iterator ? undefined : k === 'length' ? 2 ** 31 : 7;
      },
      has: () => {
        if (!lie) throw new FuzzThrow('proxy has');
        return true;
      },
      ownKeys: () => {
        if (!lie) throw new FuzzThrow('proxy ownKeys');
        return ['a', 'b'];
      },
      getOwnPropertyDescriptor: () => {
        if (!lie) throw new FuzzThrow('proxy getOwnPropertyDescriptor');
        return { value: 7, configurable: true, enumerable: true, writable: true };
      },
      getPrototypeOf: () => {
        if (!lie) throw new FuzzThrow('proxy getPrototypeOf');
        return Object.prototype;
      },
    });
  }

  /** An object whose properties throw when read. */
  throwingGetters(): unknown {
    const o: Record<string, unknown> = {};
    for (const k of ['units', 'shape', 'values', 'dtype', 'batchSize', 'epochs', 'length', 'optimizer', 'loss', 'x', 'name', 'inputShape', 'then']) {
      Object.defineProperty(o, k, { get: () => { throw new FuzzThrow(`getter '${k}'`); }, enumerable: true });
    }
    return o;
  }

  /** A typed array of any kind, length, backing (plain, offset view, shared, resizable, detached). */
  typedArray(kind?: string, length?: number): unknown {
    const kinds = ['Float32Array', 'Int32Array', 'Float64Array', 'Uint8Array', 'Int8Array', 'Int16Array', 'Uint16Array',
      'Uint32Array', 'Uint8ClampedArray', 'BigInt64Array'];
    const k = kind ?? this.weighted([[4, () => 'Float32Array'], [3, () => 'Int32Array'], [3, () => this.pick(kinds)]]);
    const n = length ?? this.weighted([[6, () => this.int(0, 12)], [2, () => this.int(13, 300)], [1, () => 0]]);
    const Ctor = (globalThis as unknown as Record<string, new (b: ArrayBufferLike, o?: number, l?: number) => ArrayLike<number>>)[k];
    const bytes = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const fillIt = (a: ArrayLike<number>) => {
      const w = a as unknown as { [i: number]: number | bigint; copyWithin(target: number, start: number, end: number): void };
      // Element by element through the generator up to FILLED values; a
      // longer array repeats them (copyWithin): filling millions of elements
      // one generator call at a time once took a case minutes.
      const drawn = Math.min(a.length, FILLED);
      for (let i = 0; i < drawn; i++) w[i] = k === 'BigInt64Array' ? BigInt(this.int(-3, 3)) : this.value();
      for (let done = drawn; done > 0 && done < a.length; done *= 2) w.copyWithin(done, 0, Math.min(done, a.length - done));
      return a;
    };
    return this.weighted<unknown>([
      [10, () => fillIt(new Ctor(new ArrayBuffer(n * bytes)))],
      [1, () => fillIt(new Ctor(new ArrayBuffer((n + 3) * bytes), bytes * this.int(1, 3), n))],
      [1, () => fillIt(new Ctor(new SharedArrayBuffer(n * bytes)))],
      [1, () => {
        const buf = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(n * bytes, { maxByteLength: (n + 8) * bytes });
        const a = fillIt(new Ctor(buf));
        // Length-tracking view: shrinks with the buffer, now or after the call.
        if (this.chance(0.5)) buf.resize(this.int(0, n) * bytes);
        else this.later.push(() => buf.resize(0));
        return a;
      }],
      [1, () => {
        const a = fillIt(new Ctor(new ArrayBuffer(n * bytes)));
        detach((a as unknown as { buffer: ArrayBuffer }).buffer);
        return a;
      }],
    ]);
  }

  /** A dimension: mostly small, sometimes 0, negative, fractional, huge or not a number. */
  dim(): unknown {
    return this.weighted<unknown>([
      [12, () => this.int(1, 4)],
      [2, () => 0],
      [1, () => this.int(5, 9)],
      [1, () => this.pick([-1, -2, 1.5, NaN, Infinity, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 1e9, 2 ** 53, 2 ** 24 + 1])],
      [1, () => this.junk(2)],
    ]);
  }

  /** A shape: an array of dims, or something else. */
  shape(rank?: number): unknown {
    return this.weighted<unknown>([
      [14, () => Array.from({ length: rank ?? this.int(0, 4) }, () => this.dim())],
      [3, () => Array.from({ length: rank ?? this.int(0, 4) }, () => this.int(1, 4))],
      [1, () => Object.freeze(Array.from({ length: this.int(0, 3) }, () => this.int(0, 3)))],
      [1, () => new Array(this.int(1, 4))],
      [1, () => Array.from({ length: this.int(9, 40) }, () => 1)],
      [1, () => new Proxy([2, 2], { get: (t, k) => (k === 'length' ? this.int(0, 5) : Reflect.get(t, k)) })],
      [1, () => this.junk(2)],
    ]);
  }

  /** Flat values for a size: a number[] or typed array, sometimes the wrong length or type. */
  flatValues(size: number): unknown {
    const n = this.weighted([[10, () => size], [1, () => Math.max(0, size - this.int(1, 3))], [1, () => size + this.int(1, 3)]]);
    return this.weighted<unknown>([
      [4, () => this.typedArray('Float32Array', n)],
      [2, () => this.typedArray('Int32Array', n)],
      [2, () => Array.from({ length: n }, () => this.value())],
      [1, () => this.typedArray(undefined, n)],
      [1, () => Array.from({ length: n }, () => (this.chance(0.9) ? this.value() : this.junk(2)))],
    ]);
  }

  /** Nested arrays following a shape, sometimes ragged. */
  nested(shape: number[]): unknown {
    if (shape.length === 0) return this.chance(0.97) ? this.value() : this.junk(2);
    const [d, ...rest] = shape;
    const n = this.chance(0.95) ? d : d + this.int(-1, 1);
    return Array.from({ length: Math.max(0, n) }, () => this.nested(rest));
  }

  /** A small valid shape. */
  smallShape(maxRank = 4, maxDim = 4): number[] {
    return Array.from({ length: this.int(0, maxRank) }, () => this.int(this.chance(0.1) ? 0 : 1, maxDim));
  }

  /** A tensor: mostly valid and small; sometimes inconsistent, detached, proxied or fake. */
  tensor(depth = 0, shape?: number[], dtype?: 'float32' | 'int32'): unknown {
    const s = shape ?? this.smallShape();
    const dt = dtype ?? (this.chance(0.75) ? 'float32' : 'int32');
    const size = s.reduce((a, b) => a * b, 1);
    const valid = () => {
      const values = dt === 'float32' ? new Float32Array(size) : new Int32Array(size);
      for (let i = 0; i < size; i++) values[i] = dt === 'float32' ? this.value() : this.int(-4, 4);
      return new Tensor(values, s, dt);
    };
    return this.weighted<unknown>([
      [40, valid],
      [2, () => new Tensor(this.typedArray(dt === 'float32' ? 'Float32Array' : 'Int32Array', this.int(0, 6)) as Float32Array, s, dt)],
      [1, () => new Tensor(this.typedArray() as Float32Array, this.shape() as number[], this.pick(['float32', 'int32', 'bool', 'x']) as 'float32')],
      [2, () => {
        const t = valid();
        detach(t.values.buffer as ArrayBuffer);
        return t;
      }],
      [1, () => {
        const t = valid();
        this.later.push(() => detach(t.values.buffer as ArrayBuffer));
        return t;
      }],
      [1, () => {
        const t = valid() as unknown as Record<string, unknown>;
        const field = this.pick(['shape', 'backing', 'dtype', 'size']);
        t[field] = depth < 2 ? this.junk(depth + 1) : null;
        return t;
      }],
      [1, () => Object.freeze(valid())],
      [1, () => Object.create(Tensor.prototype)],
      [1, () => {
        // Passes instanceof; every read may answer differently.
        const t = valid();
        return new Proxy(t, {
          get: (target, k, r) => {
            if (this.chance(0.3)) {
              if (k === 'shape') return [this.int(0, 50), this.int(0, 50)];
              if (k === 'values') return this.typedArray();
              if (k === 'size') return this.edgeNumber();
              if (k === 'dtype') return this.pick(['float32', 'int32', 'bool']);
            }
            if (this.chance(0.05)) throw new FuzzThrow('tensor proxy');
            return Reflect.get(target, k, r);
          },
        });
      }],
      [2, () => (depth < 2 ? this.junk(depth + 1) : null)],
    ]);
  }

  /** A float32 data tensor [n, ...features] for models. */
  features(n: number, features: number[]): Tensor {
    const size = n * features.reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    for (let i = 0; i < size; i++) v[i] = this.chance(0.999) ? this.float() * 2 - 1 : this.edgeNumber();
    return new Tensor(v, [n, ...features], 'float32');
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Detaches an ArrayBuffer; its memory goes to a clone that is dropped (and freed by the next GC). */
export function detach(buf: ArrayBuffer): void {
  if (buf instanceof ArrayBuffer && !(buf as ArrayBuffer & { detached?: boolean }).detached && buf.byteLength >= 0) {
    try {
      structuredClone(buf, { transfer: [buf] });
    } catch {
      // a resizable or otherwise untransferable buffer: nothing to do
    }
  }
}

/** Runs the garbage collector when node was started with --expose-gc. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export type TF = typeof tf;
