// Data-parallel training over MPI: every rank (process) runs this same
// program on the same data; fit's batchSize is the global batch, of which
// each rank trains on its share, the gradients summed over the ranks every
// step. Rank 0 prints the progress bar; every rank ends with the same model.
//
//   mpirun -np 2 --bind-to none npx tsx examples/distributed.ts
//   mpirun --hostfile hosts -np 4 --bind-to none npx tsx examples/distributed.ts   (several hosts)
//
// Needs Open MPI (Debian/Ubuntu: apt-get install openmpi-bin); as root, add
// --allow-run-as-root. Started alone (`npx tsx examples/distributed.ts`) it is
// a job of one rank. `--threads N` sets the threads per rank: ranks per host
// times threads per rank should not exceed the host's cores. See
// docs/distributed.md.
import * as os from 'node:os';
import * as tf from 'tensorforge';

async function main(): Promise<void> {
  const { rank, size, localRank } = tf.distributed.init();
  const at = process.argv.indexOf('--threads');
  // By default the host's cores are shared out among its ranks (localRank counts them from 0).
  const ranksHere = Number(process.env.OMPI_COMM_WORLD_LOCAL_SIZE ?? 1);
  const threads = at > 0 ? Number(process.argv[at + 1]) : Math.max(1, Math.floor(os.cpus().length / ranksHere));
  tf.setNumThreads(threads);
  const say = (line: string): void => {
    if (rank === 0) console.log(line);
  };

  const { train, test } = await tf.datasets.fashionMnist(process.argv.includes('--subset') ? { subset: true } : {});
  say(`${size} rank(s), ${threads} thread(s) each (rank 0 is local rank ${localRank}); ${train.x.shape[0]} training images`);

  tf.setSeed(1); // the same start everywhere (fit copies rank 0's weights anyway)
  const model = tf.sequential([
    tf.layers.dense({ units: 512, activation: 'relu' }),
    tf.layers.dense({ units: 512, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

  const started = performance.now();
  // The global batch: the same model on 1 or N ranks (each of 2 ranks trains on 256 rows per step).
  await model.fit(train.x, train.y, {
    epochs: 3, batchSize: 512, validationSplit: 0.1, seed: 1, distributed: true,
  });
  const seconds = (performance.now() - started) / 1000;

  // Each rank evaluates its share of the test set; every rank gets the figures of all of it.
  const { accuracy } = await model.evaluate(test.x, test.y, { batchSize: 1024, distributed: true });
  say(`test accuracy ${accuracy.toFixed(4)}, ${(seconds / 3).toFixed(2)} s per epoch`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
