// Number and duration formatting shared by progress lines, tables and charts.

/** An objective value: 4 decimals, or exponent form when very large or small; "-" for none. */
export function fmt(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

/** A hyperparameter value, short. */
export function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-2 || Math.abs(v) >= 1e4 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/** Seconds as 42s, 3m05s or 1h02m. */
export function fmtTime(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
