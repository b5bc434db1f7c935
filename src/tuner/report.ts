// Reports of a search: the summary table, and a chart page (hand-assembled
// SVG, no dependencies) with the objective against search time and against
// trial number, and one panel per hyperparameter showing its effect.
import type { HPSpec, HPValue } from './hyperparameters';
import { Objective, TrialRecord, better, rankTrials } from './trial';
import { fmt, fmtNum, fmtTime } from './format';

/** The lines resultsSummary prints. */
export function formatSummary(trials: TrialRecord[], objective: Objective, strategy: string, elapsed: number, n: number): string[] {
  const counts = new Map<string, number>();
  for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const tally = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
  const lines = [`Search: ${strategy}, objective ${objective.name} (${objective.direction === 'max' ? 'higher' : 'lower'} is better), ${trials.length} trials${tally ? ` (${tally})` : ''}, ${fmtTime(elapsed)}`];
  const ranked = rankTrials(trials, objective.direction).slice(0, n);
  if (ranked.length === 0) {
    lines.push('No trial has a score yet.');
    return lines;
  }
  const names: string[] = [];
  for (const t of ranked) for (const k of Object.keys(t.values)) if (!names.includes(k)) names.push(k);
  const head = ['rank', 'trial', 'status', objective.name, 'epoch', 'params', 'time', ...names];
  const rows = ranked.map((t, i) => [
    String(i + 1), String(t.id), t.status, fmt(t.score), t.bestEpoch === null ? '-' : String(t.bestEpoch + 1),
    t.params === null ? '-' : String(t.params), `${t.duration.toFixed(1)}s`,
    ...names.map((k) => (k in t.values ? showValue(t.values[k]) : '')),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => (c < 2 || c === 5 ? x.padStart(widths[c]) : x.padEnd(widths[c]))).join('  ').trimEnd();
  lines.push(line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  return lines;
}

function showValue(v: HPValue): string {
  return typeof v === 'number' ? fmtNum(v) : String(v);
}

const W = 440;
const H = 300;
const M = { left: 62, right: 16, top: 34, bottom: 46 };
const COLORS: Record<string, string> = { completed: '#1f77b4', pruned: '#ff7f0e', stopped: '#9467bd', failed: '#d62728', running: '#7f7f7f' };

interface Point {
  x: number;
  y: number;
  status: string;
  title: string;
}

/** An SVG (kind 'svg') or an HTML page with the SVG and the summary table. */
export function writeReport(kind: 'svg' | 'html', trials: TrialRecord[], objective: Objective, space: HPSpec[], strategy: string): string {
  const scored = trials.filter((t) => t.score !== null && Number.isFinite(t.score));
  const panels: string[] = [];
  const tip = (t: TrialRecord) => `trial ${t.id} (${t.status}): ${objective.name} ${fmt(t.score)}; ${Object.entries(t.values).map(([k, v]) => `${k}=${showValue(v)}`).join(', ')}`;
  const pts = (xf: (t: TrialRecord) => number) => scored.map((t) => ({ x: xf(t), y: t.score!, status: t.status, title: tip(t) }));
  panels.push(scatter(`${objective.name} vs search time`, 'search time (s)', objective.name, pts((t) => t.searchTime), { bestLine: objective }));
  panels.push(scatter(`${objective.name} vs trial`, 'trial', objective.name, pts((t) => t.id), { bestLine: objective }));
  const names = space.length ? space.map((s) => s.name) : [...new Set(trials.flatMap((t) => Object.keys(t.values)))];
  for (const name of names) {
    const spec = space.find((s) => s.name === name);
    if (spec?.kind === 'fixed') continue;
    const withIt = scored.filter((t) => name in t.values);
    if (withIt.length === 0) continue;
    const numeric = spec ? spec.kind === 'int' || spec.kind === 'float' : withIt.every((t) => typeof t.values[name] === 'number');
    if (numeric) {
      const log = spec !== undefined && (spec.kind === 'int' || spec.kind === 'float') && spec.sampling === 'log';
      panels.push(scatter(`effect of ${name}`, name + (log ? ' (log scale)' : ''), objective.name, withIt.map((t) => ({ x: t.values[name] as number, y: t.score!, status: t.status, title: tip(t) })), { logX: log }));
    } else {
      const cats = spec && (spec.kind === 'choice' || spec.kind === 'boolean') ? (spec.kind === 'boolean' ? [false, true] : spec.values) : [...new Set(withIt.map((t) => t.values[name]))];
      panels.push(categorical(`effect of ${name}`, name, objective, cats, withIt, tip));
    }
  }
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const title = `${strategy} search: ${trials.length} trials, best ${objective.name} ${fmt(rankTrials(trials, objective.direction)[0]?.score ?? null)}`;
  const width = cols * W;
  const height = rows * H + 40;
  const body = panels.map((p, i) => `<g transform="translate(${(i % cols) * W},${40 + Math.floor(i / cols) * H})">${p}</g>`).join('\n');
  const legend = Object.entries(COLORS).map(([k, c], i) => `<circle cx="${width - 430 + i * 86}" cy="22" r="4" fill="${c}"/><text x="${width - 422 + i * 86}" y="26" font-size="11">${k}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="12" y="26" font-size="15" font-weight="bold">${esc(title)}</text>${legend}
${body}
</svg>`;
  if (kind === 'svg') return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
  const table = formatSummary(trials, objective, strategy, trials.reduce((a, t) => Math.max(a, t.searchTime), 0), trials.length);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:20px} pre{font-size:12px;background:#f6f6f6;padding:10px;overflow-x:auto}</style></head>
<body><h1>${esc(title)}</h1>
${svg}
<h2>Trials, best first</h2>
<pre>${esc(table.join('\n'))}</pre>
</body></html>
`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function range(xs: number[]): [number, number] {
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function frame(title: string, xLabel: string, yLabel: string, yTicks: number[], y: (v: number) => number): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const grid = yTicks.map((t) => `<line x1="${M.left}" x2="${M.left + pw}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${M.left - 6}" y="${y(t) + 4}" font-size="10" text-anchor="end">${fmtTick(t)}</text>`).join('');
  return `<text x="${M.left}" y="20" font-size="13" font-weight="bold">${esc(title)}</text>
<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>${grid}
<text x="${M.left + pw / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(14,${M.top + ph / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(yLabel)}</text>`;
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

function scatter(title: string, xLabel: string, yLabel: string, points: Point[], opts: { logX?: boolean; bestLine?: Objective }): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  if (points.length === 0) return frame(title, xLabel, yLabel, [], () => 0) + `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12">no scored trials yet</text>`;
  const tx = (v: number) => (opts.logX ? Math.log10(v) : v);
  const [x0, x1] = range(points.map((p) => tx(p.x)));
  const [y0, y1] = range(points.map((p) => p.y));
  const X = (v: number) => M.left + ((tx(v) - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  let out = frame(title, xLabel, yLabel, ticks(y0, y1), Y);
  const xt = opts.logX ? ticks(x0, x1).filter((t) => Number.isInteger(t)).map((t) => 10 ** t) : ticks(x0, x1);
  const xtLog = opts.logX && xt.length < 2 ? ticks(x0, x1).map((t) => 10 ** t) : xt;
  out += xtLog.map((t) => `<text x="${X(t)}" y="${M.top + ph + 14}" font-size="10" text-anchor="middle">${fmtTick(t)}</text>`).join('');
  if (opts.bestLine) {
    const sorted = [...points].sort((a, b) => a.x - b.x);
    let best: number | null = null;
    const path: string[] = [];
    for (const p of sorted) {
      if (better(opts.bestLine.direction, p.y, best)) {
        if (best !== null) path.push(`L${X(p.x).toFixed(1)},${Y(best).toFixed(1)}`);
        best = p.y;
        path.push(`${path.length ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(best).toFixed(1)}`);
      }
    }
    path.push(`L${X(sorted[sorted.length - 1].x).toFixed(1)},${Y(best!).toFixed(1)}`);
    out += `<path d="${path.join('')}" fill="none" stroke="#2ca02c" stroke-width="1.5"/>`;
  }
  out += points.map((p) => `<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${COLORS[p.status] ?? '#333'}" fill-opacity="0.75"><title>${esc(p.title)}</title></circle>`).join('');
  return out;
}

function categorical(title: string, name: string, objective: Objective, cats: HPValue[], trials: TrialRecord[], tip: (t: TrialRecord) => string): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const [y0, y1] = range(trials.map((t) => t.score!));
  const Y = (v: number) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const slot = pw / cats.length;
  let out = frame(title, name, objective.name, ticks(y0, y1), Y);
  cats.forEach((c, i) => {
    const cx = M.left + slot * (i + 0.5);
    const mine = trials.filter((t) => t.values[name] === c);
    out += `<text x="${cx}" y="${M.top + ph + 14}" font-size="10" text-anchor="middle">${esc(String(c))} (${mine.length})</text>`;
    mine.forEach((t, k) => {
      // Deterministic jitter so overlapping points stay visible.
      const jx = ((((t.id * 2654435761) >>> 0) % 1000) / 1000 - 0.5) * slot * 0.5;
      out += `<circle cx="${(cx + jx).toFixed(1)}" cy="${Y(t.score!).toFixed(1)}" r="3.5" fill="${COLORS[t.status] ?? '#333'}" fill-opacity="0.7"><title>${esc(tip(t))}</title></circle>`;
      void k;
    });
    if (mine.length) {
      const best = mine.reduce((a, t) => (better(objective.direction, t.score, a) ? t.score! : a), mine[0].score!);
      out += `<line x1="${cx - slot * 0.35}" x2="${cx + slot * 0.35}" y1="${Y(best)}" y2="${Y(best)}" stroke="#2ca02c" stroke-width="2"><title>best ${fmt(best)}</title></line>`;
    }
  });
  return out;
}
