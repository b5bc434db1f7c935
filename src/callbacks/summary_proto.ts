// The protocol buffers of a TensorFlow event file, encoded by hand: five
// messages with a dozen fields (tensorflow/core/util/event.proto,
// tensorflow/core/framework/summary.proto). A protobuf library would bring a
// schema compiler or a runtime to write three wire types; this is the whole
// encoder.

/** A growable buffer with the protobuf wire types we need. */
class ProtoWriter {
  #bytes = new Uint8Array(64);
  #length = 0;

  #reserve(n: number): void {
    if (this.#length + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + n));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  #varint(v: bigint): void {
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#bytes[this.#length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#bytes[this.#length++] = Number(v);
  }

  #tag(field: number, wireType: number): void {
    this.#varint(BigInt((field << 3) | wireType));
  }

  int64(field: number, v: number): this {
    this.#tag(field, 0);
    // Two's complement on 64 bits, as protobuf encodes negative int64.
    this.#varint(BigInt.asUintN(64, BigInt(Math.trunc(v))));
    return this;
  }

  double(field: number, v: number): this {
    this.#tag(field, 1);
    this.#reserve(8);
    new DataView(this.#bytes.buffer).setFloat64(this.#length, v, true);
    this.#length += 8;
    return this;
  }

  float(field: number, v: number): this {
    this.#tag(field, 5);
    this.#reserve(4);
    new DataView(this.#bytes.buffer).setFloat32(this.#length, v, true);
    this.#length += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(b.length));
    this.#reserve(b.length);
    this.#bytes.set(b, this.#length);
    this.#length += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A packed repeated double field. */
  doubles(field: number, values: ArrayLike<number>): this {
    const w = new ProtoWriter();
    for (let i = 0; i < values.length; i++) {
      w.#reserve(8);
      new DataView(w.#bytes.buffer).setFloat64(w.#length, values[i], true);
      w.#length += 8;
    }
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** A histogram as TensorBoard's HistogramProto holds it. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket. */
  bucketLimit: number[];
  /** Count in each bucket. */
  bucket: number[];
}

/** One summary value: a scalar or a histogram under a tag. */
export type SummaryValue = { tag: string; scalar: number } | { tag: string; histogram: Histogram };

function histogramProto(h: Histogram): Uint8Array {
  return new ProtoWriter().double(1, h.min).double(2, h.max).double(3, h.num).double(4, h.sum)
    .double(5, h.sumSquares).doubles(6, h.bucketLimit).doubles(7, h.bucket).finish();
}

/** @internal An Event holding a Summary (event.proto: wall_time 1, step 2, summary 5). */
export function summaryEvent(wallTime: number, step: number, values: SummaryValue[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const v of values) {
    // Summary.value 1 = Value { tag 1, simple_value 2, histo 5 }.
    const value = new ProtoWriter().string(1, v.tag);
    if ('scalar' in v) value.float(2, v.scalar);
    else value.bytes(5, histogramProto(v.histogram));
    summary.bytes(1, value.finish());
  }
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}

/** @internal The first event of every file: its format version (event.proto file_version 3). */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).string(3, 'brain.Event:2').finish();
}

/**
 * @internal A histogram of `values` in `buckets` equal-width buckets between
 * their min and max (TensorFlow 2's tf.summary.histogram default is 30);
 * non-finite values are left out.
 */
export function histogramOf(values: ArrayLike<number>, buckets = 30): Histogram {
  let min = Infinity, max = -Infinity, num = 0, sum = 0, sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    num++;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [0], bucket: [0] };
  const width = (max - min) / buckets;
  if (width === 0) return { min, max, num, sum, sumSquares, bucketLimit: [max], bucket: [num] };
  const bucket = new Array<number>(buckets).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    bucket[Math.min(buckets - 1, Math.floor((v - min) / width))]++;
  }
  const bucketLimit = bucket.map((_, k) => (k === buckets - 1 ? max : min + (k + 1) * width));
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}
