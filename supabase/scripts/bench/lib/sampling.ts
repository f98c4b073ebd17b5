/**
 * Timing several ways of doing one thing against each other: each sampler returns one call's
 * duration; they take turns call by call, so whatever drifts on the machine meanwhile (load, a
 * growing table) reaches each of them alike.
 */
import { summarize, type Summary } from "./stats.ts";

/** `warmup` rounds untimed, then `runs` runs of `calls` rounds; per sampler, one Summary per run. */
export async function sampleInTurn(
  samplers: ReadonlyArray<() => Promise<number>>,
  options: { readonly runs: number; readonly calls: number; readonly warmup: number },
): Promise<Summary[][]> {
  for (let i = 0; i < options.warmup; i += 1) for (const sample of samplers) await sample();
  const perRun: Summary[][] = samplers.map(() => []);
  for (let run = 0; run < options.runs; run += 1) {
    const samples: number[][] = samplers.map(() => []);
    for (let i = 0; i < options.calls; i += 1) {
      for (const [index, sample] of samplers.entries()) samples[index]!.push(await sample());
    }
    samples.forEach((values, index) => perRun[index]!.push(summarize(values)));
  }
  return perRun;
}

/** A sampler timing `call` alone: its input comes from `prepare`, run before the timer starts. */
export function timedCall<T>(prepare: () => T, call: (input: T) => Promise<unknown>): () => Promise<number> {
  return async () => {
    const input = prepare();
    const began = performance.now();
    await call(input);
    return performance.now() - began;
  };
}
