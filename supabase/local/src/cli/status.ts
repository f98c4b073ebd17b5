/**
 * `npm run status`: the running stack as KEY=VALUE lines (like `supabase status -o env`),
 * so `eval "$(npm run -s status)"` or `--env-file` work. Exits 1 when the stack is down.
 */
import { defaultStackOptions } from "../config.ts";
import { readStackState, isProcessAlive } from "../state.ts";

const options = defaultStackOptions();
const state = readStackState(options.dataDir);

async function gatewayAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/_stack/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (!state || !isProcessAlive(state.pid) || !(await gatewayAnswers(state.env.SUPABASE_URL))) {
    process.stderr.write("✖ the local stack is not running\n  fix: start it with `npm start` (in another terminal)\n");
    process.exit(1);
  }
  for (const [key, value] of Object.entries(state.env)) process.stdout.write(`${key}=${JSON.stringify(value)}\n`);
}

void main();
