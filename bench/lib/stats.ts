/** Median and spread of a small sample. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Half the min-max range as a fraction of the median (0.05 = ±5%). */
  spread: number;
  n: number;
}

export function summarize(samples: readonly number[]): Summary {
  const s = samples.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN, spread: NaN, n: 0 };
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], spread: (s[s.length - 1] - s[0]) / 2 / median, n: s.length };
}

/** How much faster polysql is than a contender (>1 = polysql faster), whatever the unit's direction. */
export function speedRatio(polysql: number, other: number, higherIsBetter: boolean): number {
  return higherIsBetter ? polysql / other : other / polysql;
}

/** Compact human number: 12,345 / 1.23M / 0.512. */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  if (abs >= 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (abs >= 1_000_000) return `${(n / 1_000_000).toFixed(2)}M`;
  if (abs >= 1000) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(digits)).toString();
}
