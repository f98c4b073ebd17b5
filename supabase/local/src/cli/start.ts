/**
 * `npm start`: the whole local stack in the foreground, like `supabase start` plus
 * `temporal server start-dev`. Ctrl-C stops every child cleanly.
 */
import { defaultStackOptions } from "../config.ts";
import { describeStackError } from "../errors.ts";
import { consoleProgress } from "../log.ts";
import { startStack, type Stack } from "../stack.ts";
import { clearStackState, isProcessAlive, readStackState } from "../state.ts";
import { onStopRequest } from "../stop-requests.ts";
import crypto from "node:crypto";
import path from "node:path";
import { followServiceLogs } from "../follow-logs.ts";
import { bootstrapAndFollow } from "./bootstrap-demo.ts";
import { signInDemoAdmin, type SignedInDemoAdmin } from "./demo-admin.ts";
import { bootProductFunctions } from "./boot-functions.ts";

const progress = consoleProgress();
const options = defaultStackOptions();

function printSummary(stack: Stack, demoAdmin: SignedInDemoAdmin | undefined): void {
  const rows: Array<[string, string]> = [
    ["Try it (browser)", `${stack.env.SUPABASE_URL}/`],
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
  if (demoAdmin) {
    // A local-only account (random password per data dir): the try-it page signs in with it.
    process.stdout.write(`\n  Demo platform admin (local only): ${demoAdmin.credentials.email} / ${demoAdmin.credentials.password}\n`);
  }
  process.stdout.write(
    `\n  Service logs:               shown below as they are written; JSON lines in ${path.join(options.dataDir, "logs")}\n` +
    "  Keys and URLs as env lines: npm run status\n  Make a user platform admin: npm run admin:grant -- --email <addr>  (admin:revoke takes it back)\n  A token without signing in: npm run token -- --role platform_admin  (developer shortcut)\n  Stop:                       Ctrl-C\n\n",
  );
}

/** The demo admin signed up, granted and signed in through Auth, as any admin is made; a failure is a warning. */
async function createDemoAdmin(stack: Stack): Promise<SignedInDemoAdmin | undefined> {
  progress.step("signing in the demo platform admin (sign-up, admin:grant, sign-in)");
  try {
    const demoAdmin = await signInDemoAdmin(stack.env, options.dataDir);
    progress.done(`demo platform admin ${demoAdmin.credentials.email} signed in`);
    return demoAdmin;
  } catch (error) {
    progress.warn(describeStackError(error).replace(/^✖ /, ""));
    return undefined;
  }
}

/** One organization bootstrapped the way the frontend does it, followed to the end (START_DEMO=0 skips it). */
async function runDemo(stack: Stack, demoAdmin: SignedInDemoAdmin): Promise<void> {
  const suffix = crypto.randomBytes(3).toString("hex");
  const token = demoAdmin.session.access_token;
  process.stdout.write(`Demo: bootstrapping "Demo ${suffix}" (subdomain demo-${suffix}) through the edge function\n`);
  const outcome = await bootstrapAndFollow(stack.env, token, {
    name: `Demo ${suffix}`,
    subdomain: `demo-${suffix}`,
    contactEmail: `ops@demo-${suffix}.example.test`,
    admins: [{ email: `ada@demo-${suffix}.example.test`, firstName: "Ada" }],
  }, (line) => process.stdout.write(`${line}\n`));
  if (outcome.ok) {
    process.stdout.write(`${outcome.status === "active" ? "✔" : "✖"} demo organization ${outcome.status}\n  Temporal Web UI: ${outcome.workflowUrl}\n\n`);
  } else {
    progress.warn(`the demo bootstrap did not finish: ${outcome.message}`);
  }
}

async function main(): Promise<void> {
  const previous = readStackState(options.dataDir);
  if (previous && previous.pid !== process.pid && isProcessAlive(previous.pid)) {
    process.stderr.write(`✖ the local stack is already running (pid ${previous.pid})\n  fix: use it (npm run status), or stop it with Ctrl-C in its terminal\n`);
    process.exit(1);
  }
  // Signals are handled from the first moment, so Ctrl-C during startup still stops every child.
  let stack: Stack | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!stack) {
      // Still starting: startStack finishes its current step, then everything it started is stopped below.
      progress.step(`${signal}: stopping as soon as the current step ends`);
      return;
    }
    progress.step(`${signal}: stopping the local stack`);
    await stack.stop();
    clearStackState(options.dataDir);
    progress.done("stopped");
    process.exit(0);
  };
  onStopRequest((reason) => void shutdown(reason));

  try {
    stack = await startStack(options, progress);
  } catch (error) {
    process.stderr.write(`${describeStackError(error)}\n`);
    process.exit(1);
  }
  if (stopping) {
    // A signal arrived while starting: stop what was started.
    await stack.stop();
    clearStackState(options.dataDir);
    progress.done("stopped");
    process.exit(0);
  }
  await bootProductFunctions(stack.env.FUNCTIONS_URL, progress);
  const demoAdmin = await createDemoAdmin(stack);
  printSummary(stack, demoAdmin);
  // From here on the functions', the proxy's and the worker's lines, readable (the demo's among them).
  followServiceLogs(path.join(options.dataDir, "logs"), (line) => process.stdout.write(`${line}\n`), {
    color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
  });
  if (demoAdmin && stack.worker && process.env.START_DEMO !== "0") await runDemo(stack, demoAdmin);
}

void main();
