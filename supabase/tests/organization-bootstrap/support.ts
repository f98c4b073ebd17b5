import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import pg from "pg";
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import { Client, Connection } from "@temporalio/client";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { signUserToken } from "../../local/src/auth/user-token.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { parseWorkerEnv } from "../../../workflows/src/worker/env.ts";
import { startWorker, type RunningWorker } from "../../../workflows/src/worker/run-worker.ts";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";

export const FUNCTION = "organization-bootstrap";

/** A form that passes validation, with a subdomain nobody else uses. */
export function validForm(overrides: Record<string, unknown> = {}) {
  const suffix = crypto.randomBytes(4).toString("hex");
  return {
    name: `Acme ${suffix}`,
    subdomain: `acme-${suffix}`,
    contactEmail: `ops-${suffix}@acme.test`,
    admins: [{ email: `ada-${suffix}@acme.test`, firstName: "Ada" }, { email: `bob-${suffix}@acme.test` }],
    ...overrides,
  };
}

export async function userToken(appRole: string = PLATFORM_ADMIN_ROLE, ttlSeconds = 600): Promise<string> {
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  return signUserToken(keys, { appRole, ttlSeconds, sub: crypto.randomUUID() });
}

/** The frontend's client: the anon key plus the signed-in user's access token. */
export function frontend(): SupabaseClient {
  const env = stackEnv();
  return createClient(env.supabaseUrl, env.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
}

export interface InvokeResult {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly headers: Headers;
}

/** `supabase.functions.invoke` as a frontend calls it; returns the status and JSON body whatever the outcome. */
export async function invoke(
  options: {
    body?: unknown;
    token?: string | null;
    headers?: Record<string, string>;
    method?: "POST" | "GET" | "PUT" | "DELETE" | "PATCH";
    query?: string;
    /** The function to call (default organization-bootstrap). */
    functionName?: string;
  },
): Promise<InvokeResult> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? (await userToken())}`;
  const { data, error, response } = await frontend().functions.invoke(`${options.functionName ?? FUNCTION}${options.query ?? ""}`, {
    method: options.method ?? "POST",
    headers,
    ...(options.body !== undefined ? { body: options.body as string } : {}),
  });
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  }
  if (error) throw error;
  return { status: response?.status ?? 200, body: data as Record<string, any>, headers: response?.headers ?? new Headers() };
}

export async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: stackEnv().dbUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/**
 * Bootstrap requests recorded so far: what a refused request must not add to. (Counting every event
 * would race with workflows still writing theirs; the workflow never writes this event type.)
 */
export const countEvents = () =>
  withDb(async (db) =>
    Number((await db.query("select count(*) from public.domain_events where event_type = 'organization.bootstrap.initiated'")).rows[0].count));

export async function temporalClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const env = stackEnv();
  const connection = await Connection.connect({ address: env.temporalAddress });
  return { client: new Client({ connection, namespace: env.temporalNamespace }), close: () => connection.close() };
}

/** A real worker in this process, on the stack (local providers writing to a temp outbox). */
export async function startTestWorker(outboxDir: string): Promise<RunningWorker> {
  const env = stackEnv();
  const parsed = parseWorkerEnv({
    SUPABASE_URL: env.supabaseUrl,
    SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_NAMESPACE: env.temporalNamespace,
    WORKFLOW_MODE: "local",
    LOCAL_OUTBOX_DIR: outboxDir,
    NODE_ENV: "test",
  });
  assert.ok(parsed.ok, "the test worker's environment must be valid");
  return startWorker({ config: parsed.config });
}

/** A test worker for the enclosing suite: started before its tests, stopped and its outbox removed after. */
export function useTestWorker(): void {
  let worker: RunningWorker | undefined;
  let outboxDir: string | undefined;
  before(async () => {
    outboxDir = fs.mkdtempSync(path.join(os.tmpdir(), "outbox-"));
    worker = await startTestWorker(outboxDir);
  });
  after(async () => {
    await worker?.shutdown();
    if (outboxDir) fs.rmSync(outboxDir, { recursive: true, force: true });
  });
}
