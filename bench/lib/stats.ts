/**
 * Summary statistics of repeated measurements: the median as the headline, the interquartile
 * range and the extremes as the spread (medians and quartiles resist the outliers a shared,
 * busy machine produces; means do not).
 */

/** Median and spread of one series of measurements. */
export interface Summary {
  /** Number of measurements. */
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  /** Interquartile range relative to the median, in percent: the headline noise figure. */
  iqrPct: number;
}

/** The q-quantile (0..1) by linear interpolation between closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Median of a series. */
export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Median, quartiles and extremes of a series. */
export function summarize(values: readonly number[]): Summary {
  const m = median(values);
  const p25 = quantile(values, 0.25);
  const p75 = quantile(values, 0.75);
  return {
    n: values.length,
    median: m,
    p25,
    p75,
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    iqrPct: m !== 0 ? ((p75 - p25) / Math.abs(m)) * 100 : Number.NaN,
  };
}

/**
 * The order of the contenders in round `round`: rotated by one each round (A B C, B C A, C A B),
 * so that none is always first after a pause or always last before a GC, and drift of the
 * machine (other load, CPU frequency, the daemon's caches) is shared out evenly.
 */
export function rotation<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const shift = round % n;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
