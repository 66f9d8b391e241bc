/** A minimal SVG chart writer: horizontal bar charts and log-x line charts. No dependencies. */

const FONT = `font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"`;
const PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"];
const POLYSQL = "#d62728";

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function label(n: number): string {
  if (!Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((n / 1e3).toPrecision(3))}k`;
  return `${Number(n.toPrecision(3))}`;
}

export interface Bar {
  group: string;
  name: string;
  value: number;
  /** Text after the value, e.g. "0.97x". */
  note?: string;
}

/** Horizontal bars grouped by engine; polysql's bars in red, the rest in grey-blue. */
export function barChart(title: string, unit: string, bars: Bar[]): string {
  const rowH = 20;
  const gap = 12;
  const left = 190;
  const width = 760;
  const plotW = width - left - 150;
  const groups = [...new Set(bars.map((b) => b.group))];
  const height = 50 + bars.length * rowH + groups.length * gap + 20;
  // Each group (engine) has its own scale: engines differ by orders of magnitude.
  const groupMax = new Map(groups.map((g) => [g, Math.max(...bars.filter((b) => b.group === g).map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-9)]));
  let y = 44;
  const parts: string[] = [];
  for (const g of groups) {
    parts.push(`<text x="8" y="${y + 13}" font-size="12" font-weight="600" fill="#333">${esc(g)}</text>`);
    for (const b of bars.filter((x) => x.group === g)) {
      const w = Number.isFinite(b.value) ? Math.max(1, (b.value / groupMax.get(g)!) * plotW) : 0;
      const color = b.name.startsWith("polysql") ? POLYSQL : "#5b7fa6";
      parts.push(`<text x="${left - 6}" y="${y + 14}" font-size="12" text-anchor="end" fill="#222">${esc(b.name)}</text>`);
      parts.push(`<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}" rx="2"/>`);
      const text = Number.isFinite(b.value) ? `${label(b.value)} ${unit}${b.note ? `  ${b.note}` : ""}` : "skipped";
      parts.push(`<text x="${left + w + 6}" y="${y + 14}" font-size="11" fill="#444">${esc(text)}</text>`);
      y += rowH;
    }
    y += gap;
  }
  const caption = `<text x="${width - 8}" y="38" font-size="10" text-anchor="end" fill="#777">bars scaled per group; ratio = polysql's speed ÷ the contender's</text>`;
  return svg(width, height, `<text x="8" y="22" font-size="15" font-weight="700" fill="#111">${esc(title)}</text>${caption}${parts.join("")}`);
}

export interface Line {
  name: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
  color?: string;
}

/** Lines over a log-scale x axis (and optionally log-scale y). */
export function lineChart(title: string, xLabel: string, yLabel: string, lines: Line[], logY = false): string {
  const width = 640;
  const height = 360;
  const m = { l: 70, r: 170, t: 40, b: 46 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const pts = lines.flatMap((l) => l.points).filter((p) => p.x > 0 && Number.isFinite(p.y) && p.y > 0);
  if (pts.length === 0) return svg(width, height, `<text x="8" y="22" font-size="15" ${FONT}>${esc(title)}: no data</text>`);
  const lx = (v: number) => Math.log10(v);
  const [x0, x1] = [Math.min(...pts.map((p) => lx(p.x))), Math.max(...pts.map((p) => lx(p.x)))];
  const ty = (v: number) => (logY ? Math.log10(v) : v);
  const yMin = logY ? Math.floor(Math.min(...pts.map((p) => ty(p.y)))) : 0;
  const yMaxRaw = Math.max(...pts.map((p) => ty(p.y)));
  const yMax = logY ? Math.ceil(yMaxRaw) : niceCeil(yMaxRaw);
  const sx = (v: number) => m.l + ((lx(v) - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => m.t + ph - ((ty(v) - yMin) / (yMax - yMin || 1)) * ph;
  const parts: string[] = [];
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`);
  const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
  for (const x of xs) {
    parts.push(`<line x1="${sx(x)}" x2="${sx(x)}" y1="${m.t}" y2="${m.t + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(x)}" y="${m.t + ph + 16}" font-size="11" text-anchor="middle" fill="#444">${label(x)}</text>`);
  }
  const ticks = logY ? range(yMin, yMax).map((e) => 10 ** e) : [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  for (const t of ticks) {
    if (logY ? t <= 0 : false) continue;
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${sy(t) + 4}" font-size="11" text-anchor="end" fill="#444">${label(t)}</text>`);
  }
  lines.forEach((line, i) => {
    const color = line.color ?? PALETTE[i % PALETTE.length];
    const ok = line.points.filter((p) => p.x > 0 && Number.isFinite(p.y) && p.y > 0);
    if (ok.length === 0) return;
    const d = ok.map((p, j) => `${j === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${line.dashed ? ` stroke-dasharray="6 4"` : ""}/>`);
    for (const p of ok) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = m.t + 10 + i * 18;
    parts.push(
      `<line x1="${m.l + pw + 12}" x2="${m.l + pw + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${line.dashed ? ` stroke-dasharray="6 4"` : ""}/>`,
    );
    parts.push(`<text x="${m.l + pw + 40}" y="${ly + 4}" font-size="11" fill="#222">${esc(line.name)}</text>`);
  });
  parts.push(`<text x="${m.l + pw / 2}" y="${height - 8}" font-size="12" text-anchor="middle" fill="#333">${esc(xLabel)} (log scale)</text>`);
  parts.push(
    `<text x="14" y="${m.t + ph / 2}" font-size="12" text-anchor="middle" fill="#333" transform="rotate(-90 14 ${m.t + ph / 2})">${esc(yLabel)}${logY ? " (log)" : ""}</text>`,
  );
  return svg(width, height, `<text x="8" y="22" font-size="15" font-weight="700" fill="#111">${esc(title)}</text>${parts.join("")}`);
}

function svg(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}><rect width="100%" height="100%" fill="#fff"/>${body}</svg>\n`;
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}
