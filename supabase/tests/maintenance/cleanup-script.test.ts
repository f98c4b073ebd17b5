/** `npm run db:cleanup` end to end: the script, supabase-js, the maintenance RPC, the append-only trigger. */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../local/src/paths.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { openPool } from "../support/db.ts";
import { successfulBootstrap } from "../support/lifecycle.ts";

const pool = openPool(3);
after(() => pool.end());
const env = stackEnv();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}


/** The npm script's command (tsx + the script) with the stack's URL and service-role key. */
async function cleanup(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
  const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const script = path.join(REPO_ROOT, "supabase/scripts/cleanup-organization.ts");
  const childEnv = { ...process.env, SUPABASE_URL: env.supabaseUrl, SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey, ...extraEnv };
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, [script, ...args], { env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function remaining(organizationId: string) {
  const { rows } = await pool.query(
    `select (select count(*)::int from public.domain_events where stream_id = $1) as events,
            (select count(*)::int from public.organizations_projection where id = $1) as organizations,
            (select count(*)::int from public.invitations_projection where organization_id = $1) as invitations`,
    [organizationId],
  );
  return rows[0];
}

test("db:cleanup --subdomain removes that organization's events and projection rows and says what it removed", async () => {
  const target = await successfulBootstrap(pool);
  const bystander = await successfulBootstrap(pool);
  const run = await cleanup(["--subdomain", target.subdomain]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout.trim(),
    `✔ removed organization ${target.organizationId} (${target.subdomain}): 10 event(s), 1 organization row(s), 2 invitation row(s)`,
  );
  assert.deepEqual(await remaining(target.organizationId), { events: 0, organizations: 0, invitations: 0 });
  assert.deepEqual(await remaining(bystander.organizationId), { events: 10, organizations: 1, invitations: 2 });
});

test("db:cleanup --organization-id for an unknown organization fails with one clear line", async () => {
  const id = crypto.randomUUID();
  const run = await cleanup(["--organization-id", id]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr.trim(), `✖ nothing to remove: organization ${id} has no events and no projection row`);
});

test("db:cleanup refuses bad arguments and a half-set environment before touching anything", async () => {
  const both = await cleanup(["--subdomain", "a", "--organization-id", crypto.randomUUID()]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^✖ give exactly one of --organization-id and --subdomain\n  fix: usage: npm run db:cleanup/);
  const badId = await cleanup(["--organization-id", "42"]);
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /^✖ --organization-id must be a UUID, got "42"\n/);
  const halfEnv = await cleanup(["--subdomain", "a"], { SUPABASE_SERVICE_ROLE_KEY: "" });
  assert.equal(halfEnv.code, 1);
  assert.match(halfEnv.stderr, /^✖ SUPABASE_SERVICE_ROLE_KEY is not set\n/);
});
