/**
 * Latency statistics for the benchmarks. Percentiles are nearest-rank (the sample at rank
 * ceil(q·n)), so every figure printed is a latency that was really observed.
 */
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    mean,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * One figure from repeated runs: the median of each statistic over the runs (so one run disturbed
 * by another process on this shared machine does not decide the figure); n is the total sample count.
 */
export function medianOfRuns(runs: readonly Summary[]): Summary {
  const of = (key: keyof Summary) => median(runs.map((run) => run[key]));
  return { n: runs.reduce((sum, run) => sum + run.n, 0), p50: of("p50"), p95: of("p95"), p99: of("p99"), mean: of("mean"), max: of("max") };
}

export const ms = (value: number, digits = 1): string => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : "n/a");
export const ratio = (value: number, floor: number): string => (floor > 0 && Number.isFinite(value) ? `${(value / floor).toFixed(2)}×` : "n/a");
