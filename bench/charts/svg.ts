// Hand-assembled SVG charts: grouped horizontal bars with min-max whiskers,
// and lines over a log2 x axis with reference lines. No dependency; the
// output is plain SVG 1.1 that GitHub renders inline in Markdown.

/** Colour per system, the same in every chart. */
export const COLORS: Record<string, string> = {
  tensorforge: '#e8590c',
  'tf binding, reused output': '#f59f00',
  PyTorch: '#7048e8',
  'tfjs-wasm': '#1c7ed6',
  'tfjs-cpu': '#74c0fc',
  'raw BLIS': '#495057',
  'raw OpenBLAS': '#adb5bd',
};
const FALLBACK = ['#2f9e44', '#c2255c', '#0ca678', '#5c940d', '#862e9c'];

export function colorOf(series: string, i: number): string {
  if (series.startsWith('raw OpenBLAS')) return COLORS['raw OpenBLAS'];
  return COLORS[series] ?? FALLBACK[i % FALLBACK.length];
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Rough text width at `size` px (Helvetica averages ~0.55 em per character). */
const textWidth = (s: string, size = 12) => s.length * size * 0.56;
const r1 = (x: number) => Math.round(x * 10) / 10;

function text(x: number, y: number, s: string, o: { size?: number; anchor?: string; weight?: string; fill?: string; rotate?: boolean } = {}): string {
  const tr = o.rotate ? ` transform="rotate(-90 ${r1(x)} ${r1(y)})"` : '';
  return `<text x="${r1(x)}" y="${r1(y)}" ${FONT} font-size="${o.size ?? 12}" text-anchor="${o.anchor ?? 'start'}"` +
    `${o.weight ? ` font-weight="${o.weight}"` : ''} fill="${o.fill ?? '#212529'}"${tr}>${esc(s)}</text>`;
}

/** "Nice" axis ticks covering [0, max]. */
function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/** Decades covering [min, max] for a log axis. */
function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const t: number[] = [];
  for (let e = lo; e <= hi; e++) t.push(10 ** e);
  return t;
}

export const tickLabel = (v: number) => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 1) return `${+v.toPrecision(4)}`;
  return `${+v.toPrecision(2)}`;
};

export interface Bar {
  series: string;
  value: number;
  min?: number;
  max?: number;
  /** Text after the bar (default: the value). */
  label?: string;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  /** Axis title, e.g. "seconds per epoch (lower is better)". */
  axis: string;
  groups: BarGroup[];
  /** 'auto' (default): log when the values span more than 30x. */
  scale?: 'linear' | 'log' | 'auto';
  width?: number;
  /** Footnote lines under the chart. */
  notes?: string[];
}

/** Grouped horizontal bars, one row per (group, series), whiskers for min-max. */
export function barChart(spec: BarChartSpec): string {
  const W = spec.width ?? 760;
  const barH = 18;
  const gap = 4;
  const groupGap = 16;
  const labelW = Math.max(90, ...spec.groups.flatMap((g) => g.bars.map((b) => textWidth(b.series) + 14)));
  const groupLabelH = 18;
  const top = 52 + (spec.subtitle ? 16 : 0);
  const valueLabelW = Math.max(60, ...spec.groups.flatMap((g) => g.bars.map((b) => textWidth(b.label ?? tickLabel(b.value)) + 8)));
  const plotX = labelW + 10;
  const plotW = W - plotX - valueLabelW - 10;
  const values = spec.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.max ?? b.value, b.min ?? b.value])).filter((v) => Number.isFinite(v) && v > 0);
  const vmax = Math.max(...values, 1e-12);
  const vmin = Math.min(...values, vmax);
  const log = spec.scale === 'log' || ((spec.scale ?? 'auto') === 'auto' && vmax / vmin > 30);
  const ticks = log ? logTicks(vmin, vmax) : linearTicks(vmax);
  const lo = log ? ticks[0] : 0;
  const hi = ticks[ticks.length - 1];
  const xOf = (v: number) => plotX + (log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi) * plotW;

  const body: string[] = [];
  let y = top;
  const series = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.series)))];
  for (const g of spec.groups) {
    body.push(text(8, y + 13, g.label, { weight: 'bold' }));
    y += groupLabelH;
    for (const b of g.bars) {
      const c = colorOf(b.series, series.indexOf(b.series));
      body.push(text(plotX - 6, y + barH - 5, b.series, { anchor: 'end' }));
      if (Number.isFinite(b.value) && b.value > 0) {
        const x1 = xOf(b.value);
        body.push(`<rect x="${r1(plotX)}" y="${r1(y)}" width="${r1(Math.max(1, x1 - plotX))}" height="${barH}" fill="${c}" rx="2"/>`);
        if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
          const [a, z] = [xOf(b.min), xOf(b.max)];
          const cy = y + barH / 2;
          body.push(`<path d="M${r1(a)} ${r1(cy)}H${r1(z)}M${r1(a)} ${r1(cy - 4)}V${r1(cy + 4)}M${r1(z)} ${r1(cy - 4)}V${r1(cy + 4)}" stroke="#212529" stroke-width="1.2" fill="none"/>`);
        }
        body.push(text(Math.max(x1, b.max !== undefined ? xOf(b.max) : x1) + 5, y + barH - 5, b.label ?? tickLabel(b.value), { size: 11 }));
      } else {
        body.push(text(plotX + 4, y + barH - 5, b.label ?? 'not measured', { size: 11, fill: '#868e96' }));
      }
      y += barH + gap;
    }
    y += groupGap;
  }
  const plotBottom = y - groupGap + 4;
  const axis: string[] = [];
  for (const t of ticks) {
    const x = xOf(t);
    axis.push(`<line x1="${r1(x)}" y1="${top}" x2="${r1(x)}" y2="${r1(plotBottom)}" stroke="#dee2e6" stroke-width="1"/>`);
    axis.push(text(x, plotBottom + 14, tickLabel(t), { size: 11, anchor: 'middle', fill: '#495057' }));
  }
  axis.push(`<line x1="${r1(plotX)}" y1="${top}" x2="${r1(plotX)}" y2="${r1(plotBottom)}" stroke="#495057" stroke-width="1"/>`);
  let H = plotBottom + 34;
  const foot: string[] = [text(plotX + plotW / 2, plotBottom + 30, spec.axis + (log ? ' — log scale' : ''), { size: 12, anchor: 'middle', fill: '#495057' })];
  for (const n of spec.notes ?? []) {
    H += 16;
    foot.push(text(8, H - 4, n, { size: 11, fill: '#495057' }));
  }
  H += 8;
  return svgDoc(W, H, [
    text(8, 22, spec.title, { size: 16, weight: 'bold' }),
    ...(spec.subtitle ? [text(8, 40, spec.subtitle, { size: 12, fill: '#495057' })] : []),
    ...axis,
    ...body,
    ...foot,
  ]);
}

export interface Point {
  x: number;
  y: number;
  ymin?: number;
  ymax?: number;
}

export interface LinePanel {
  title: string;
  series: { name: string; points: Point[]; dashed?: boolean }[];
  /** Horizontal reference lines, e.g. the measured peak. */
  refs?: { y: number; label: string }[];
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Side-by-side panels sharing the y scale. */
  panels: LinePanel[];
  width?: number;
  height?: number;
  notes?: string[];
}

/** Lines over a log2 x axis, one or more panels side by side, shared legend. */
export function lineChart(spec: LineChartSpec): string {
  const W = spec.width ?? 900;
  const H0 = spec.height ?? 400;
  const top = 52 + (spec.subtitle ? 16 : 0);
  const left = 58;
  const panelGap = 40;
  const allSeries = [...new Set(spec.panels.flatMap((p) => p.series.map((s) => s.name)))];
  const legendRows = Math.ceil(allSeries.length / 4);
  const plotH = H0 - top - 50 - legendRows * 18;
  const panelW = (W - left - 20 - panelGap * (spec.panels.length - 1)) / spec.panels.length;
  const xs = spec.panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q.x))).filter((x) => x > 0);
  const xmin = Math.min(...xs);
  const xmax = Math.max(...xs);
  const ymaxData = Math.max(...spec.panels.flatMap((p) => [...p.series.flatMap((s) => s.points.map((q) => q.ymax ?? q.y)), ...(p.refs ?? []).map((r) => r.y)]).filter(Number.isFinite));
  const yt = linearTicks(ymaxData * 1.04);
  const yhi = yt[yt.length - 1];
  const out: string[] = [text(8, 22, spec.title, { size: 16, weight: 'bold' })];
  if (spec.subtitle) out.push(text(8, 40, spec.subtitle, { size: 12, fill: '#495057' }));
  spec.panels.forEach((p, pi) => {
    const x0 = left + pi * (panelW + panelGap);
    const xOf = (x: number) => x0 + ((Math.log2(x) - Math.log2(xmin)) / Math.max(1e-9, Math.log2(xmax) - Math.log2(xmin))) * panelW;
    const yOf = (y: number) => top + plotH - (y / yhi) * plotH;
    out.push(text(x0 + panelW / 2, top - 6, p.title, { anchor: 'middle', weight: 'bold' }));
    for (const t of yt) {
      out.push(`<line x1="${r1(x0)}" y1="${r1(yOf(t))}" x2="${r1(x0 + panelW)}" y2="${r1(yOf(t))}" stroke="#e9ecef"/>`);
      if (pi === 0) out.push(text(x0 - 6, yOf(t) + 4, tickLabel(t), { size: 11, anchor: 'end', fill: '#495057' }));
    }
    for (let e = Math.ceil(Math.log2(xmin)); e <= Math.floor(Math.log2(xmax)); e++) {
      const x = xOf(2 ** e);
      out.push(`<line x1="${r1(x)}" y1="${top}" x2="${r1(x)}" y2="${r1(top + plotH)}" stroke="#f1f3f5"/>`);
      out.push(text(x, top + plotH + 14, String(2 ** e), { size: 11, anchor: 'middle', fill: '#495057' }));
    }
    out.push(`<rect x="${r1(x0)}" y="${top}" width="${r1(panelW)}" height="${r1(plotH)}" fill="none" stroke="#adb5bd"/>`);
    for (const ref of p.refs ?? []) {
      const y = yOf(ref.y);
      out.push(`<line x1="${r1(x0)}" y1="${r1(y)}" x2="${r1(x0 + panelW)}" y2="${r1(y)}" stroke="#c92a2a" stroke-width="1.5" stroke-dasharray="6 4"/>`);
      out.push(text(x0 + 6, y - 5, ref.label, { size: 11, fill: '#c92a2a' }));
    }
    for (const s of p.series) {
      const c = colorOf(s.name, allSeries.indexOf(s.name));
      const pts = s.points.filter((q) => q.x > 0 && Number.isFinite(q.y));
      if (!pts.length) continue;
      for (const q of pts) {
        if (q.ymin !== undefined && q.ymax !== undefined && q.ymax > q.ymin)
          out.push(`<line x1="${r1(xOf(q.x))}" y1="${r1(yOf(q.ymin))}" x2="${r1(xOf(q.x))}" y2="${r1(yOf(q.ymax))}" stroke="${c}" stroke-width="1" opacity="0.7"/>`);
      }
      out.push(`<polyline points="${pts.map((q) => `${r1(xOf(q.x))},${r1(yOf(q.y))}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
      for (const q of pts) out.push(`<circle cx="${r1(xOf(q.x))}" cy="${r1(yOf(q.y))}" r="3" fill="${c}"/>`);
    }
    out.push(text(x0 + panelW / 2, top + plotH + 30, spec.xLabel, { size: 12, anchor: 'middle', fill: '#495057' }));
  });
  out.push(text(16, top + plotH / 2, spec.yLabel, { size: 12, anchor: 'middle', fill: '#495057', rotate: true }));
  // Legend.
  let ly = top + plotH + 50;
  allSeries.forEach((name, i) => {
    const col = i % 4;
    if (col === 0 && i > 0) ly += 18;
    const lx = left + col * ((W - left) / 4);
    out.push(`<rect x="${r1(lx)}" y="${r1(ly - 10)}" width="14" height="10" fill="${colorOf(name, i)}"/>`);
    out.push(text(lx + 20, ly, name, { size: 12 }));
  });
  let H = ly + 12;
  for (const n of spec.notes ?? []) {
    H += 16;
    out.push(text(8, H - 4, n, { size: 11, fill: '#495057' }));
  }
  return svgDoc(W, H + 8, out);
}

function svgDoc(w: number, h: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(w)}" height="${Math.round(h)}" viewBox="0 0 ${Math.round(w)} ${Math.round(h)}">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n${parts.join('\n')}\n</svg>\n`;
}
