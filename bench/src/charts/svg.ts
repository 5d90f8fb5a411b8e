/** A small dependency-free SVG line chart: axes with round ticks, labels, a legend. */

export interface Series {
  name: string;
  points: [number, number][];
  /** Drawn dashed (e.g. the baseline). */
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (limits, targets). */
  guides?: { y: number; label: string }[];
  /** A logarithmic y axis (latencies spanning several orders of magnitude). */
  logY?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#57606a'];
const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^k. */
export function ticks(min: number, max: number, target = 6): number[] {
  if (max <= min) max = min + 1;
  const raw = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const first = Math.floor(min / step) * step;
  const values: number[] = [];
  for (let v = first; v <= max + step * 1e-9 && values.length < 50; v += step) {
    values.push(Number(v.toPrecision(12)));
  }
  if (values[values.length - 1]! < max)
    values.push(Number((first + values.length * step).toPrecision(12)));
  return values;
}

/** 1, 2, 5 × 10^k ticks from the power of ten below the smallest value to above the largest. */
export function logTicks(values: number[]): number[] {
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 1)));
  const result: number[] = [];
  for (let decade = low; decade < high; decade *= 10) {
    for (const m of [1, 2, 5]) result.push(Number((m * decade).toPrecision(6)));
  }
  result.push(high);
  return result;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (Math.abs(value) >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 440;
  const margin = { left: 78, right: 24, top: options.subtitle ? 64 : 48, bottom: 96 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = options.series.flatMap((s) => s.points);
  const guideYs = (options.guides ?? []).map((g) => g.y);
  const xs = ticks(0, Math.max(1, ...all.map(([x]) => x)));
  const yValues = [...all.map(([, y]) => y), ...guideYs];
  const ys = options.logY
    ? logTicks(yValues.filter((y) => y > 0))
    : ticks(0, Math.max(1, ...yValues));
  const xMax = xs[xs.length - 1]!;
  const yMin = ys[0]!;
  const yMax = ys[ys.length - 1]!;
  const px = (x: number) => margin.left + (x / xMax) * plotW;
  const py = options.logY
    ? (y: number) =>
        margin.top +
        plotH -
        ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) /
          (Math.log10(yMax) - Math.log10(yMin))) *
          plotH
    : (y: number) => margin.top + plotH - (y / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  if (options.subtitle) {
    out.push(
      `<text x="${width / 2}" y="44" text-anchor="middle" fill="#57606a">${escapeXml(options.subtitle)}</text>`,
    );
  }
  for (const y of ys) {
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${py(y)}" y2="${py(y)}" stroke="#eaeef2"/>`,
      `<text x="${margin.left - 8}" y="${py(y) + 4}" text-anchor="end" fill="#24292f">${formatTick(y)}</text>`,
    );
  }
  for (const x of xs) {
    out.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#24292f"/>`,
      `<text x="${px(x)}" y="${margin.top + plotH + 20}" text-anchor="middle" fill="#24292f">${formatTick(x)}</text>`,
    );
  }
  out.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#24292f"/>`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#24292f"/>`,
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 42}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(20 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  (options.guides ?? []).forEach((guide, i) => {
    if (guide.y > yMax || guide.y < yMin) return;
    // Alternate the labels' sides so close guides do not overlap.
    const [x, anchor] = i % 2 === 0 ? [margin.left + plotW - 4, 'end'] : [margin.left + 4, 'start'];
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${py(guide.y)}" y2="${py(guide.y)}" stroke="#6e7781" stroke-dasharray="2 4"/>`,
      `<text x="${x}" y="${py(guide.y) - 5}" text-anchor="${anchor}" fill="#6e7781">${escapeXml(guide.label)}</text>`,
    );
  });
  options.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = [...series.points].sort((a, b) => a[0] - b[0]);
    const dash = series.dashed ? ' stroke-dasharray="7 5"' : '';
    if (points.length > 1) {
      const path = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(
        `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      );
    }
    for (const [x, y] of points) {
      out.push(
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${color}"/>`,
      );
    }
  });
  // Legend under the x-axis label, in columns.
  const legendY = margin.top + plotH + 66;
  const columnW = plotW / Math.max(1, Math.min(3, options.series.length));
  options.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const x = margin.left + (i % 3) * columnW;
    const y = legendY + Math.floor(i / 3) * 18;
    const dash = series.dashed ? ' stroke-dasharray="7 5"' : '';
    out.push(
      `<line x1="${x}" x2="${x + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${x + 32}" y="${y}">${escapeXml(series.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
