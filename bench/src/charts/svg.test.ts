import { describe, expect, it } from 'vitest';
import { lineChart, logTicks, ticks } from './svg.js';

describe('chart axes', () => {
  it('uses round ticks that cover the data', () => {
    expect(ticks(0, 9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0, 19_500)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    expect(logTicks([0.8, 340])).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });
});

describe('lineChart', () => {
  it('draws every series with its name in the legend, escaping text', () => {
    const svg = lineChart({
      title: 'Latency <p99> & rate',
      xLabel: 'rate',
      yLabel: 'ms',
      logY: true,
      series: [
        {
          name: 'ours',
          points: [
            [100, 2],
            [500, 8],
            [1000, 40],
          ],
        },
        {
          name: 'bare',
          points: [
            [100, 1],
            [500, 3],
          ],
          dashed: true,
        },
      ],
      guides: [{ y: 100, label: 'limit' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).toContain('Latency &lt;p99&gt; &amp; rate');
    expect(svg).toContain('>ours</text>');
    expect(svg).toContain('stroke-dasharray="7 5"');
    expect(svg).toContain('>limit</text>');
    expect(svg).not.toContain('NaN');
  });
});
