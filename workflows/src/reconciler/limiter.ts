/**
 * At most `limit` tasks at once; the rest wait their turn in arrival order. A burst of Realtime
 * events (replicas × events) would otherwise fire every start at once, and each would wait out its
 * deadline behind the others in Temporal's queue: measured with 200 events on two replicas against the
 * dev server, dozens of starts timed out that a queue of 16 gets through.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, not ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
