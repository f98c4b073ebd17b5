/**
 * `npm start`: the whole local stack in the foreground, like `supabase start` plus
 * `temporal server start-dev`. Ctrl-C stops every child cleanly.
 */
import { defaultStackOptions } from "../config.ts";
import { describeStackError } from "../errors.ts";
import { consoleProgress } from "../log.ts";
import { startStack, type Stack } from "../stack.ts";
import { clearStackState, isProcessAlive, readStackState } from "../state.ts";

const progress = consoleProgress();
const options = defaultStackOptions();

function printSummary(stack: Stack): void {
  const rows: Array<[string, string]> = [
    ["API URL", stack.env.SUPABASE_URL],
    ["REST", `${stack.env.SUPABASE_URL}/rest/v1`],
    ["Realtime", `${stack.env.SUPABASE_URL.replace(/^http/, "ws")}/realtime/v1/websocket`],
    ["Functions", stack.env.FUNCTIONS_URL],
    ["JWKS", stack.env.SUPABASE_JWKS_URL],
    ["DB URL", stack.env.SUPABASE_DB_URL],
    ["Temporal", `${stack.env.TEMPORAL_ADDRESS} (namespace ${stack.env.TEMPORAL_NAMESPACE})`],
    ["Temporal Web UI", stack.env.TEMPORAL_UI_URL],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write("\nLocal stack is running.\n\n");
  for (const [k, v] of rows) process.stdout.write(`  ${k.padStart(width)}: ${v}\n`);
  process.stdout.write(
    "\n  Keys and URLs as env lines: npm run status\n  A user token:               npm run token -- --role platform_admin\n  Stop:                       Ctrl-C\n\n",
  );
}

async function main(): Promise<void> {
  const previous = readStackState(options.dataDir);
  if (previous && previous.pid !== process.pid && isProcessAlive(previous.pid)) {
    process.stderr.write(`✖ the local stack is already running (pid ${previous.pid})\n  fix: use it (npm run status), or stop it with Ctrl-C in its terminal\n`);
    process.exit(1);
  }
  let stack: Stack;
  try {
    stack = await startStack(options, progress);
  } catch (error) {
    process.stderr.write(`${describeStackError(error)}\n`);
    process.exit(1);
  }
  printSummary(stack);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    progress.step(`${signal}: stopping the local stack`);
    await stack.stop();
    clearStackState(options.dataDir);
    progress.done("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

void main();
