// Seeded pseudo-random numbers for initializers, shuffling and random tensors.
// xoshiro128** (Blackman & Vigna) seeded through splitmix32: fast, 2^128 period,
// and identical on every platform, so a seed reproduces bit for bit.
import { checkInt, checkNumber, checkOneOf, rangeError } from './errors';
import { DataType, Tensor, allocateZeroed, ownedTensor, sizeFromShape } from './tensor';

/** A seeded generator of uniform and normal numbers. */
export class Random {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0 ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Next raw 32-bit value. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * m;
        return u * m;
      }
    }
  }

  /** Normal truncated to two standard deviations (Keras's truncated_normal). */
  truncatedNormal(): number {
    for (;;) {
      const x = this.normal();
      if (Math.abs(x) <= 2) return x;
    }
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A fresh 31-bit seed for a child generator. */
  seed(): number {
    return this.nextU32() >>> 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let globalRandom = new Random(Date.now());

/** Seeds the global generator used by random tensors, initializers and shuffling. */
export function setSeed(seed: number): void {
  checkInt('setSeed', 'seed', seed, 0);
  globalRandom = new Random(seed);
}

/** @internal A generator from an explicit seed, or a child of the global one. */
export function randomFrom(seed?: number): Random {
  return seed === undefined ? new Random(globalRandom.seed()) : new Random(seed);
}

function fillRandom(fn: string, shape: number[], dtype: DataType | undefined, seed: number | undefined, draw: (r: Random) => number): Tensor {
  const size = sizeFromShape(fn, shape);
  const dt = checkOneOf(fn, 'dtype', dtype ?? 'float32', ['float32', 'int32'] as const);
  if (seed !== undefined) checkInt(fn, 'seed', seed, 0);
  const r = randomFrom(seed);
  const data = allocateZeroed(dt, size, fn, () => `a ${dt} tensor of ${size} elements`);
  for (let i = 0; i < size; i++) data[i] = dt === 'int32' ? Math.floor(draw(r)) : draw(r);
  return ownedTensor(data, shape, dt);
}

/** Normally distributed values (mean 0, stdDev 1 by default). */
export function randomNormal(shape: number[], mean = 0, stdDev = 1, dtype?: DataType, seed?: number): Tensor {
  checkNumber('randomNormal', 'mean', mean);
  checkNumber('randomNormal', 'stdDev', stdDev, 0);
  return fillRandom('randomNormal', shape, dtype, seed, (r) => mean + stdDev * r.normal());
}

/** Uniform values in [minval, maxval) (0 and 1 by default). */
export function randomUniform(shape: number[], minval = 0, maxval = 1, dtype?: DataType, seed?: number): Tensor {
  checkNumber('randomUniform', 'minval', minval);
  checkNumber('randomUniform', 'maxval', maxval);
  if (!(maxval >= minval)) throw rangeError('randomUniform', `maxval (${maxval}) must be >= minval (${minval})`);
  return fillRandom('randomUniform', shape, dtype, seed, (r) => minval + (maxval - minval) * r.uniform());
}
