// One rank of the distributed tests, started by mpirun from distributed.test.ts:
//   mpirun -np 2 node --import tsx test/distributed/rank.ts <scenario>
// Prints one JSON line per rank.
import * as tf from '../../src/index';

const scenario = process.argv[2];
const info = tf.distributed.init();
const out: Record<string, unknown> = { ...info };
tf.setSeed(100 + info.rank); // each rank builds different weights
const model = (units: number) => {
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [3] }), tf.layers.dense({ units: 2 })] });
  m.predict(tf.zeros([1, 3]));
  return m;
};
try {
  if (scenario === 'collectives') {
    const m = model(4);
    out.before = Array.from(m.getWeights()[0].dataSync());
    tf.distributed.broadcastWeights(m);
    out.after = m.getWeights().map((w) => Array.from(w.dataSync()));
    out.mean = Array.from(tf.distributed.allreduceMean(Float32Array.from([info.rank, 10 * info.rank, 1])));
    tf.distributed.barrier();
  } else if (scenario === 'mismatch') {
    tf.distributed.broadcastWeights(model(info.rank === 0 ? 4 : 5));
  } else if (scenario === 'lengths') {
    tf.distributed.allreduceMean(new Float32Array(info.rank === 0 ? 3 : 4));
  }
} catch (e) {
  out.error = (e as Error).message;
}
console.log(JSON.stringify(out));
