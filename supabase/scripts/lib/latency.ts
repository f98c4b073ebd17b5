export interface Latency {
  readonly repeats: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

/** Runs `fn` `repeats` times after 5 warm-up calls; milliseconds per call. */
export async function measure(repeats: number, fn: () => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < 5; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { repeats, p50: at(0.5), p95: at(0.95), max: samples.at(-1)! };
}

export function formatLatency(l: Latency): string {
  return `p50 ${l.p50.toFixed(2)} ms  p95 ${l.p95.toFixed(2)} ms  max ${l.max.toFixed(2)} ms  (${l.repeats} runs)`;
}
