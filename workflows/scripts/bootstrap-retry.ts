/**
 * `npm run bootstrap:retry -- --organization <id> [--reason "<why>"] [--by <you>] [--wait]`
 *
 * Starts a new run of a stuck organization's bootstrap: one whose run closed without success
 * (failed, terminated, timed out) while the organization is still provisioning. The worker reports
 * these (log line, `bootstrap_stuck_organizations`, /readyz `reconciler.stuck`). Anything else is
 * refused with the reason. See docs/operations.md.
 *
 * Connects with the worker's variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY or the
 * TEMPORAL_TLS_* files, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY); without TEMPORAL_ADDRESS, the
 * running local stack's.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Client } from "@temporalio/client";
import { NativeConnection } from "@temporalio/worker";
import { ORGANIZATIONS_PROJECTION } from "@org-bootstrap/shared/events/index.ts";
import { defaultStackOptions } from "../../supabase/local/src/config.ts";
import { isProcessAlive, readStackState } from "../../supabase/local/src/state.ts";
import { retryBootstrap, RetryRefused } from "../src/retry/bootstrap-retry.ts";
import { temporalConnectionOptions, temporalSecurity, temporalSecurityProblems, temporalSecurityShape } from "../src/worker/temporal-connection.ts";
import { createServiceClient } from "../src/worker/supabase-client.ts";

const USAGE = 'usage: npm run bootstrap:retry -- --organization <id> [--reason "<why>"] [--by <you>] [--wait]';
const WAIT_LIMIT_MS = 20 * 60_000;

function fail(message: string, fix?: string): never {
  process.stderr.write(`✖ ${message}\n  ${fix ? `fix: ${fix}` : USAGE}\n`);
  process.exit(1);
}

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1, "the Temporal frontend host:port the worker uses"),
  TEMPORAL_NAMESPACE: z.string().min(1).default("default"),
  TEMPORAL_UI_URL: z.url().optional(),
  SUPABASE_URL: z.url({ message: "must be the project URL, e.g. https://<ref>.supabase.co" }),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20, "the project's service_role key (or a secret key)"),
  ...temporalSecurityShape,
});

function connectionEnv(): z.infer<typeof envSchema> {
  let raw: Record<string, string | undefined> = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ""));
  if (!raw.TEMPORAL_ADDRESS) {
    const state = readStackState(defaultStackOptions().dataDir);
    if (!state || !isProcessAlive(state.pid)) {
      fail("no Temporal to talk to: TEMPORAL_ADDRESS is not set and the local stack is not running",
        "set the worker's variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, …), or `npm start`");
    }
    raw = { ...state.env, ...raw };
  }
  const parsed = envSchema.safeParse(raw);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)),
    ...temporalSecurityProblems(raw),
  ];
  if (!parsed.success || problems.length > 0) fail(`the environment is not usable:\n  - ${problems.join("\n  - ")}`, "set the variables above as the worker has them");
  return parsed.data;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        organization: { type: "string" },
        reason: { type: "string", default: "retried by an operator" },
        by: { type: "string", default: `${os.userInfo().username}@${os.hostname()}` },
        wait: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail((error as Error).message);
  }
  if (!args.organization) fail("--organization is required");

  const env = connectionEnv();
  const connection = await NativeConnection.connect(temporalConnectionOptions({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, ...temporalSecurity(env) }))
    .catch((error: unknown) => fail(`cannot reach Temporal at ${env.TEMPORAL_ADDRESS}: ${(error as Error).message}`, "check TEMPORAL_ADDRESS and its credentials"));
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const supabase = createServiceClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
  try {
    const started = await retryBootstrap({ client, supabase }, { organizationId: args.organization, requestedBy: args.by, reason: args.reason });
    const link = env.TEMPORAL_UI_URL
      ? `${env.TEMPORAL_UI_URL.replace(/\/$/, "")}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(started.workflowId)}/${started.runId}`
      : undefined;
    process.stdout.write(`✔ started run ${started.runId} of ${started.workflowId} (replaces ${started.previousStatus} run ${started.previousRunId})\n`);
    if (link) process.stdout.write(`  Web UI: ${link}\n`);
    if (args.wait) await waitUntilSettled(supabase, started.organizationId);
  } catch (error) {
    if (error instanceof RetryRefused) fail(error.message, error.fix ?? "see docs/operations.md, \"A stuck organization\"");
    throw error;
  } finally {
    await connection.close();
  }
}

/** Polls the projection until the organization leaves `provisioning`, printing each change. */
async function waitUntilSettled(supabase: ReturnType<typeof createServiceClient>, organizationId: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  process.stdout.write("… waiting for the organization to become active (Ctrl-C stops waiting, not the run)\n");
  while (Date.now() < deadline) {
    const { data } = await supabase.from(ORGANIZATIONS_PROJECTION).select("status").eq("id", organizationId).maybeSingle();
    const status = (data as { status?: string } | null)?.status;
    if (status && status !== "provisioning") {
      process.stdout.write(`${status === "active" ? "✔" : "✖"} organization ${organizationId} is ${status}\n`);
      if (status !== "active") process.exitCode = 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  fail(`organization ${organizationId} is still provisioning after ${WAIT_LIMIT_MS / 60_000} min`, "open the run in the Web UI");
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ bootstrap:retry failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
