// Float64 references of the 2-D window layers over channels-last samples,
// written from TensorFlow's definitions (padding arithmetic of
// tensorflow/core/framework/kernel_shape_util.cc), for conv2d.test.ts and
// pooling2d.test.ts. Each sample is one row, flattened row-major [h, w, c].
import type { Matrix } from './harness';

export interface Geometry {
  /** Per-sample input [h, w, c]. */
  input: number[];
  size: [number, number];
  strides: [number, number];
  dilation: [number, number];
  same: boolean;
}

/** Output size and padding before, per axis, as TensorFlow computes them. */
export function placement(g: Geometry): { out: [number, number]; pad: [number, number] } {
  const out: number[] = [];
  const pad: number[] = [];
  for (const k of [0, 1]) {
    const eff = (g.size[k] - 1) * g.dilation[k] + 1;
    const o = g.same ? Math.ceil(g.input[k] / g.strides[k]) : Math.floor((g.input[k] - eff) / g.strides[k]) + 1;
    out.push(o);
    pad.push(g.same ? Math.floor(Math.max((o - 1) * g.strides[k] + eff - g.input[k], 0) / 2) : 0);
  }
  return { out: out as [number, number], pad: pad as [number, number] };
}

/** For each output pixel, the input pixels (flat [h, w] indices, -1 for padding) under the window's taps, row-major. */
function taps(g: Geometry, oy: number, ox: number): number[] {
  const { pad } = placement(g);
  const list: number[] = [];
  for (let ky = 0; ky < g.size[0]; ky++) {
    for (let kx = 0; kx < g.size[1]; kx++) {
      const iy = oy * g.strides[0] - pad[0] + ky * g.dilation[0];
      const ix = ox * g.strides[1] - pad[1] + kx * g.dilation[1];
      list.push(iy < 0 || iy >= g.input[0] || ix < 0 || ix >= g.input[1] ? -1 : iy * g.input[1] + ix);
    }
  }
  return list;
}

/** Conv2D before its activation: kernel HWIO [kh, kw, c, filters] row-major. */
export function conv2dRef(x: Matrix, g: Geometry, kernel: ArrayLike<number>, bias: ArrayLike<number> | null, filters: number): Matrix {
  const { out } = placement(g);
  const c = g.input[2];
  return x.map((row) => {
    const y: number[] = [];
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        const t = taps(g, oy, ox);
        for (let f = 0; f < filters; f++) {
          let s = bias ? bias[f] : 0;
          t.forEach((p, k) => {
            if (p < 0) return;
            for (let ch = 0; ch < c; ch++) s += row[p * c + ch] * kernel[(k * c + ch) * filters + f];
          });
          y.push(s);
        }
      }
    }
    return y;
  });
}

/** Max or average pooling ('same' averages divide by the taps inside the input). */
export function pool2dRef(x: Matrix, g: Geometry, max: boolean): Matrix {
  const { out } = placement(g);
  const c = g.input[2];
  return x.map((row) => {
    const y: number[] = [];
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        const inside = taps(g, oy, ox).filter((p) => p >= 0);
        for (let ch = 0; ch < c; ch++) {
          const v = inside.map((p) => row[p * c + ch]);
          y.push(max ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / v.length);
        }
      }
    }
    return y;
  });
}

/** The smallest gap between a window's largest and second largest value (max pooling's kink), over every window and channel. */
export function poolMaxGap(x: Matrix, g: Geometry): number {
  const { out } = placement(g);
  const c = g.input[2];
  let gap = Infinity;
  for (const row of x) {
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        const inside = taps(g, oy, ox).filter((p) => p >= 0);
        if (inside.length < 2) continue;
        for (let ch = 0; ch < c; ch++) {
          const v = inside.map((p) => row[p * c + ch]).sort((a, b) => b - a);
          gap = Math.min(gap, v[0] - v[1]);
        }
      }
    }
  }
  return gap;
}

/** TensorFlow's depthwise convolution: output channel c * M + m = sum over taps of x[.., c] * kernel[ky, kx, c, m] (+ bias). */
export function depthwiseConvRef(x: Matrix, g: Geometry, kernel: ArrayLike<number>, bias: ArrayLike<number> | null, M: number): Matrix {
  const { out } = placement(g);
  const C = g.input[2];
  return x.map((row) => {
    const y: number[] = [];
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        const t = taps(g, oy, ox);
        for (let c = 0; c < C; c++) {
          for (let m = 0; m < M; m++) {
            let s = bias ? bias[c * M + m] : 0;
            t.forEach((p, k) => {
              if (p >= 0) s += row[p * C + c] * kernel[(k * C + c) * M + m];
            });
            y.push(s);
          }
        }
      }
    }
    return y;
  });
}
