/**
 * The benchmark's stack in a process of its own, the way `npm start` runs it. In-process, the API
 * gateway (REST, Realtime, the Functions proxy) would share one event loop with the benchmark's own
 * clients, and the function's path crosses that gateway twice per request (the call, then its REST
 * write) while the floor never does: the benchmark would be measuring its own contention.
 *
 * Input: BENCH_STACK_OPTIONS, a JSON StackOptions. Output: progress lines, then "bench stack ready";
 * the stack's URLs and keys are in <dataDir>/stack.json as for `npm run status`. SIGTERM stops it.
 */
import { pathToFileURL } from "node:url";
import type { StackOptions } from "../../../local/src/config.ts";
import { describeStackError } from "../../../local/src/errors.ts";
import { consoleProgress } from "../../../local/src/log.ts";
import { startStack, type Stack } from "../../../local/src/stack.ts";
import { onStopRequest } from "../../../local/src/stop-requests.ts";

export const STACK_READY_LINE = "bench stack ready";

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_STACK_OPTIONS ?? "") as StackOptions;
  let stack: Stack | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack?.stop();
    process.exit(0);
  };
  // Also when the benchmark dies without stopping us (kill -9), rather than leave Postgres and Temporal running.
  onStopRequest(() => void stop());
  try {
    stack = await startStack(options, consoleProgress(process.stdout));
  } catch (error) {
    process.stderr.write(`${describeStackError(error)}\n`);
    process.exit(1);
  }
  if (stopping) {
    await stack.stop();
    process.exit(0);
  }
  process.stdout.write(`${STACK_READY_LINE}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void main();
