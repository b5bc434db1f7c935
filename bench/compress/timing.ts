// Side-by-side timing for bench/compress: every runner measured in each
// round, rounds interleaved, so that a change in machine load (the machine
// is shared) hits all of them alike; the median over rounds is reported.

/**
 * Median seconds per call of each runner. Each runner's repetitions per
 * round are calibrated once so that a round takes about `roundSeconds`.
 */
export function timeSideBySide(runners: Record<string, () => void>, rounds: number, roundSeconds: number): Record<string, number> {
  const reps: Record<string, number> = {};
  for (const [k, r] of Object.entries(runners)) {
    r();
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < roundSeconds * 250) {
      r();
      n++;
    }
    reps[k] = Math.max(1, Math.round((n * roundSeconds * 1000) / (performance.now() - t0)));
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [k, r] of Object.entries(runners)) {
      const t0 = performance.now();
      for (let j = 0; j < reps[k]; j++) r();
      times[k].push((performance.now() - t0) / 1000 / reps[k]);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, t.sort((a, b) => a - b)[Math.floor(t.length / 2)]]));
}
