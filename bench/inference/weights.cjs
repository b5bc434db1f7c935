// The deterministic weights and inputs every inference system uses, so their
// outputs can be compared. Integer arithmetic below 2^53, then one rounding to
// float32: JavaScript and Python (torch_worker.py) produce identical values.
'use strict';

/** Layer sizes: input, hidden..., output (softmax). */
const MODELS = {
  seed: [784, 64, 10],
  large: [784, 512, 512, 10],
};

/** Dense kernel of layer l, [fanIn, fanOut] row-major, uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot). */
function kernelValues(l, fanIn, fanOut) {
  const n = fanIn * fanOut;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (2 * (((i * 2654435761 + l * 97) % 1000003) / 1000003) - 1) * limit;
  return w;
}

function biasValues(l, n) {
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) b[i] = 0.01 * (((i + l) % 7) - 3);
  return b;
}

/** Pixel-like inputs in [0, 1]. */
function inputValues(batch, features) {
  const x = new Float32Array(batch * features);
  for (let j = 0; j < x.length; j++) x[j] = ((j * 40503 + 17) % 256) / 255;
  return x;
}

/** A weighted sum of the outputs and a hash of the predicted classes. */
function checksum(y, batch, classes) {
  let sum = 0;
  let argmaxHash = 0;
  for (let r = 0; r < batch; r++) {
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const v = y[r * classes + c];
      sum += v * (c + 1);
      if (v > y[r * classes + best]) best = c;
    }
    argmaxHash = (argmaxHash * 31 + best) % 1000000007;
  }
  return { sum: sum / batch, argmaxHash };
}

module.exports = { MODELS, kernelValues, biasValues, inputValues, checksum };
