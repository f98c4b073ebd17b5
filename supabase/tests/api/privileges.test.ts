/**
 * Least privilege for the API roles (anon, authenticated, service_role), read from the catalog and
 * probed through the Data API and Realtime as the frontend and the worker reach them.
 *
 * The allowlists below are the whole surface: every function an API role may EXECUTE and every
 * schema, table, column and sequence privilege it holds, in every schema the project owns. Adding a
 * function, a table or a column changes the list: decide who needs it, grant exactly that, and
 * update the allowlist in the same change (migration 20251201001600_least_privilege.sql explains
 * the defaults: new functions are executable by nobody but their owner until granted).
 *
 * Schemas left out, because they are not the project's: pg_catalog, information_schema and every
 * pg_* schema (PostgreSQL's own); auth (Supabase Auth's, owned by supabase_auth_admin; its jwt(),
 * uid() and role() must stay callable by every role, since RLS policies call them); supabase_migrations
 * (the Supabase CLI's migration history); and the schemas Supabase or its extensions create on a
 * project (realtime, _realtime, storage, extensions, graphql, graphql_public, vault, pgsodium,
 * pgsodium_masks, net, cron, supabase_functions, pgbouncer, _analytics, pgmq), none of which the local
 * stack has. Functions that belong to an extension are left out wherever they live. The test also
 * pins the set of schemas it covered, so a new project schema cannot slip past it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createClient, type RealtimePostgresChangesPayload, type SupabaseClient } from "@supabase/supabase-js";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { signUserToken } from "../../local/src/auth/user-token.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { openPool, inRolledBackTransaction } from "../support/db.ts";
import { bootstrapData, emit, invitationData, uniqueSubdomain } from "../support/events.ts";
import { successfulBootstrap, type Bootstrapped } from "../support/lifecycle.ts";
import { anonClient, platformAdminClient, serviceClient, userClient } from "../support/supabase.ts";

const pool = openPool(5);
after(() => pool.end());

const API_ROLES = ["anon", "authenticated", "service_role"] as const;

/** An organization with two invitations, and their token hashes (read from the events). */
let org: Bootstrapped;
let hashes: string[];
before(async () => {
  org = await successfulBootstrap(pool);
  const { rows } = await pool.query<{ hash: string }>(
    `select event_data ->> 'tokenHash' as hash from public.domain_events
     where stream_type = 'organization' and stream_id = $1 and event_type = $2`,
    [org.organizationId, EVENT_TYPES.invitationCreated]);
  hashes = rows.map((r) => r.hash);
  assert.equal(hashes.length, org.invitationIds.length);
});

const EXCLUDED_SCHEMAS = [
  "information_schema", "auth", "supabase_migrations",
  "realtime", "_realtime", "storage", "extensions", "graphql", "graphql_public", "vault", "pgsodium",
  "pgsodium_masks", "net", "cron", "supabase_functions", "pgbouncer", "_analytics", "pgmq",
];
/** `pg_catalog`, `pg_toast`, `pg_temp_N`… are excluded by prefix. */
const SCHEMA_FILTER = `n.nspname <> all($1::text[]) and n.nspname !~ '^pg_'`;

const DOMAIN_EVENTS_COLUMNS = "id,stream_id,stream_type,stream_version,event_type,event_data,event_metadata,created_at,global_position";
const ORGANIZATIONS_COLUMNS =
  "id,name,subdomain,contact_email,status,bootstrap_event_id,bootstrap_workflow_id,bootstrap_run_id,bootstrap_started_by," +
  "subdomain_provisioned_at,failure_reason,compensated_at,created_at,updated_at," +
  "deactivation_requested_at,deactivation_reason,deactivation_workflow_id,deactivation_run_id,deactivation_started_by,deactivated_at";
// No token_hash: invitation token hashes live in private.invitation_tokens, which no API role reaches.
const INVITATIONS_COLUMNS = "id,organization_id,email,role,status,expires_at,created_at,updated_at";

/** The project schemas this test covers. A new one must be added here, and its privileges below. */
const COVERED_SCHEMAS = ["private", "public"];

/** Every function an API role may execute. Everything else (all of private.*) is the owner's only. */
const FUNCTION_ALLOWLIST = [
  "service_role EXECUTE public.emit_domain_event(p_stream_id uuid, p_stream_type text, p_event_type text, p_event_data jsonb, p_event_metadata jsonb)",
  "service_role EXECUTE public.emit_domain_event(p_stream_id uuid, p_stream_type text, p_stream_version integer, p_event_type text, p_event_data jsonb, p_event_metadata jsonb)",
  "service_role EXECUTE public.emit_domain_events(p_events jsonb)",
  "service_role EXECUTE public.maintenance_delete_organization(p_organization_id uuid)",
  "service_role EXECUTE public.maintenance_delete_organization(p_subdomain text)",
  "service_role EXECUTE public.pending_bootstrap_events(p_older_than interval, p_limit integer)",
  "service_role EXECUTE public.pending_trigger_events(p_older_than interval, p_limit integer)",
  "service_role EXECUTE public.rebuild_projections()",
  "service_role EXECUTE public.workflow_trigger_registry()",
].sort();

/** Every schema, table, column and sequence privilege an API role holds. */
const RELATION_ALLOWLIST = [
  "anon USAGE schema public",
  "authenticated USAGE schema public",
  "service_role USAGE schema public",
  `authenticated SELECT public.invitations_projection(${INVITATIONS_COLUMNS})`,
  `authenticated SELECT public.organizations_projection(${ORGANIZATIONS_COLUMNS})`,
  `service_role SELECT public.domain_events(${DOMAIN_EVENTS_COLUMNS})`,
  `service_role SELECT public.invitations_projection(${INVITATIONS_COLUMNS})`,
  `service_role SELECT public.organizations_projection(${ORGANIZATIONS_COLUMNS})`,
].sort();

/** The tables Realtime may publish changes of. */
const PUBLISHED_TABLES = ["public.domain_events", "public.invitations_projection", "public.organizations_projection"];

async function reachableFunctions(): Promise<string[]> {
  const { rows } = await pool.query<{ entry: string }>(
    `select r.role || ' EXECUTE ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as entry
     from pg_proc p
     join pg_namespace n on n.oid = p.pronamespace
     cross join unnest($2::text[]) as r(role)
     where ${SCHEMA_FILTER}
       and not exists (select from pg_depend d
                       where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
       and has_function_privilege(r.role, p.oid, 'EXECUTE')`,
    [EXCLUDED_SCHEMAS, API_ROLES],
  );
  return rows.map((row) => row.entry).sort();
}

async function reachableRelations(): Promise<string[]> {
  const { rows } = await pool.query<{ entry: string }>(
    `with roles as (select unnest($2::text[]) as role),
     schemas as (select n.oid, n.nspname from pg_namespace n where ${SCHEMA_FILTER})
     -- Schema USAGE and CREATE.
     select r.role || ' ' || priv || ' schema ' || s.nspname as entry
     from schemas s cross join roles r cross join unnest(array['USAGE', 'CREATE']) as priv
     where has_schema_privilege(r.role, s.oid, priv)
     union all
     -- Column privileges of tables, views, materialized views and foreign tables (a table-level
     -- grant counts for every column), one entry per role, privilege and relation.
     select r.role || ' ' || priv || ' ' || s.nspname || '.' || c.relname
            || '(' || string_agg(a.attname, ',' order by a.attnum) || ')'
     from pg_class c
     join schemas s on s.oid = c.relnamespace
     join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     cross join roles r cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) as priv
     where c.relkind in ('r', 'p', 'v', 'm', 'f') and has_column_privilege(r.role, c.oid, a.attnum, priv)
     group by r.role, priv, s.nspname, c.relname
     union all
     -- Table-level privileges that have no column form.
     select r.role || ' ' || priv || ' ' || s.nspname || '.' || c.relname
     from pg_class c
     join schemas s on s.oid = c.relnamespace
     cross join roles r cross join unnest(array['DELETE', 'TRUNCATE', 'TRIGGER']) as priv
     where c.relkind in ('r', 'p', 'v', 'm', 'f') and has_table_privilege(r.role, c.oid, priv)
     union all
     select r.role || ' ' || priv || ' sequence ' || s.nspname || '.' || c.relname
     from pg_class c
     join schemas s on s.oid = c.relnamespace
     cross join roles r cross join unnest(array['USAGE', 'SELECT', 'UPDATE']) as priv
     where c.relkind = 'S' and has_sequence_privilege(r.role, c.oid, priv)`,
    [EXCLUDED_SCHEMAS, API_ROLES],
  );
  return rows.map((row) => row.entry).sort();
}

/** The listings are only as good as their schema filter: it must see exactly the project's schemas. */
async function assertCoveredSchemas(): Promise<void> {
  const { rows } = await pool.query<{ nspname: string }>(
    `select n.nspname from pg_namespace n where ${SCHEMA_FILTER} order by 1`, [EXCLUDED_SCHEMAS]);
  assert.deepEqual(rows.map((r) => r.nspname), COVERED_SCHEMAS, "a schema appeared or vanished: cover it here (or exclude it, saying why)");
  const { rows: [count] } = await pool.query<{ n: number }>(
    "select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'private'");
  assert.ok(count!.n >= 10, `expected the event store's private functions, found ${count!.n}`);
}

test("the functions anon, authenticated and service_role can execute are exactly the allowlisted ones", async () => {
  await assertCoveredSchemas();
  assert.deepEqual(await reachableFunctions(), FUNCTION_ALLOWLIST);
});

test("the schemas, columns, tables and sequences the API roles can reach are exactly the allowlisted ones", async () => {
  await assertCoveredSchemas();
  assert.deepEqual(await reachableRelations(), RELATION_ALLOWLIST);
});

test("no private.* function is executable by PUBLIC, anon, authenticated or service_role", async () => {
  const { rows } = await pool.query<{ fn: string; role: string }>(
    `select p.oid::regprocedure::text as fn, r.role
     from pg_proc p cross join unnest(array['public', 'anon', 'authenticated', 'service_role']) as r(role)
     where p.pronamespace = 'private'::regnamespace and has_function_privilege(r.role, p.oid, 'EXECUTE')
     order by 1, 2`);
  assert.deepEqual(rows, [], "private functions executable by an API role (or by PUBLIC, which every role inherits)");
});

test("a function a later migration creates is executable by nobody but its owner until granted, in private and in public", async () => {
  // Migrations run as postgres, on a project as locally (supabase/local/src/postgres/migrate.ts).
  const probed = await inRolledBackTransaction(pool, async (client) => {
    await client.query("set local role postgres");
    await client.query("create function private.privileges_probe() returns integer language sql as 'select 1'");
    await client.query("create function public.privileges_probe() returns integer language sql as 'select 1'");
    const { rows: grants } = await client.query<{ fn: string; role: string }>(
      `select p.oid::regprocedure::text as fn, r.role
       from pg_proc p cross join unnest(array['public', 'anon', 'authenticated', 'service_role']) as r(role)
       where p.proname = 'privileges_probe' and has_function_privilege(r.role, p.oid, 'EXECUTE')
       order by 1, 2`);
    return grants;
  });
  assert.deepEqual(probed, [], "a newly created function is executable by an API role without an explicit GRANT");
});

function assertNoHash(what: string, value: unknown): void {
  const text = JSON.stringify(value) ?? "";
  assert.ok(!text.includes("token_hash"), `${what}: the response names token_hash: ${text}`);
  for (const hash of hashes) assert.ok(!text.includes(hash), `${what}: the response carries an invitation token hash`);
}

test("token_hash is unreadable through the Data API for every API role, platform admins and service_role included", async () => {
  const callers: Array<[string, SupabaseClient]> = [
    ["anon", anonClient()],
    ["authenticated without a role", await userClient("viewer")],
    ["authenticated platform admin", await platformAdminClient()],
    ["service_role", serviceClient()],
  ];
  for (const [who, client] of callers) {
    const named = await client.from("invitations_projection").select("id,token_hash").eq("organization_id", org.organizationId);
    assert.notEqual(named.error, null, `${who}: select token_hash must fail, got ${JSON.stringify(named.data)}`);
    assertNoHash(`${who} select=id,token_hash`, named.data);

    // The frontend's select("*"): rows (for those RLS lets see them), never the hash.
    const star = await client.from("invitations_projection").select("*").eq("organization_id", org.organizationId);
    assertNoHash(`${who} select=*`, star.data);
    if (who === "authenticated platform admin" || who === "service_role") {
      assert.equal(star.error, null, `${who}: ${JSON.stringify(star.error)}`);
      assert.deepEqual(star.data?.map((row) => row.id).sort(), [...org.invitationIds].sort(), `${who} still reads the invitations`);
    }

    // No filter on it either (a filter would be an oracle for the hash).
    const filtered = await client.from("invitations_projection").select("id").eq("token_hash", hashes[0]!);
    assert.notEqual(filtered.error, null, `${who}: filtering on token_hash must fail, got ${JSON.stringify(filtered.data)}`);

    // Nor through the table that holds it, nor the schema it lives in.
    const table = await client.from("invitation_tokens").select("*");
    assert.notEqual(table.error, null, `${who}: public.invitation_tokens must not exist, got ${JSON.stringify(table.data)}`);
    const privateSchema = await client.schema("private").from("invitation_tokens").select("*");
    assert.equal(privateSchema.status, 406, `${who}: the private schema is not exposed: ${JSON.stringify(privateSchema.error)}`);

    // domain_events carries the hash in invitation.created: only service_role (the worker) reads events.
    const events = await client.from("domain_events").select("event_data").eq("stream_id", org.organizationId).eq("event_type", EVENT_TYPES.invitationCreated);
    if (who === "service_role") assert.equal(events.error, null);
    else assert.equal(events.error?.code, "42501", `${who}: domain_events must be denied, got ${JSON.stringify(events)}`);
  }
});

/** A Realtime subscriber as the try page makes one: a user token (or the service key) on the socket. */
async function subscriber(who: "platform_admin" | "service_role", tables: readonly string[]) {
  const env = stackEnv();
  let client: SupabaseClient;
  if (who === "service_role") {
    client = createClient(env.supabaseUrl, env.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false },
    });
  } else {
    const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    const token = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: crypto.randomUUID() });
    client = createClient(env.supabaseUrl, env.anonKey, {
      accessToken: async () => token,
    });
    await client.realtime.setAuth(token);
  }
  const received: Array<RealtimePostgresChangesPayload<Record<string, unknown>>> = [];
  let status: string | undefined;
  let channel = client.channel(`privileges-${who}-${crypto.randomBytes(3).toString("hex")}`);
  for (const table of tables) {
    channel = channel.on("postgres_changes", { event: "*", schema: "public", table }, (change) => received.push(change));
  }
  channel
    .on("system", {}, (payload: { extension?: string; status?: string; message?: string }) => {
      if (payload.extension === "postgres_changes") status = payload.status === "ok" ? "ok" : `refused: ${payload.message}`;
    })
    .subscribe();
  const deadline = Date.now() + 10_000;
  while (status === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.equal(status, "ok", `${who}: the Realtime subscription was not confirmed`);
  return { received, close: () => client.removeAllChannels() };
}

test("token_hash reaches no API role through Realtime, and no domain_events content reaches a platform admin", async () => {
  const { rows } = await pool.query<{ name: string }>(
    "select schemaname || '.' || tablename as name from pg_publication_tables where pubname = 'supabase_realtime' order by 1");
  assert.deepEqual(rows.map((r) => r.name), PUBLISHED_TABLES, "only these tables are published");

  const admin = await subscriber("platform_admin", ["invitations_projection", "domain_events"]);
  const service = await subscriber("service_role", ["invitations_projection"]);
  try {
    const organizationId = crypto.randomUUID();
    const subdomain = uniqueSubdomain("priv");
    const invitation = invitationData(`ada@${subdomain}.test`);
    await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(subdomain));
    await emit(pool, organizationId, EVENT_TYPES.invitationCreated, invitation);
    await emit(pool, organizationId, EVENT_TYPES.invitationSent, { invitationId: invitation.invitationId });
    hashes = [...hashes, invitation.tokenHash];

    const changesOf = (received: typeof admin.received) =>
      received.filter((c) => c.table === "invitations_projection" && (c.new as { id?: string }).id === invitation.invitationId);
    const deadline = Date.now() + 10_000;
    while ((changesOf(admin.received).length < 2 || changesOf(service.received).length < 2) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const [who, received] of [["platform admin", admin.received], ["service_role", service.received]] as const) {
      const changes = changesOf(received);
      assert.deepEqual(changes.map((c) => c.eventType), ["INSERT", "UPDATE"], `${who} receives the invitation's changes`);
      for (const change of changes) {
        assert.equal((change.new as { email?: string }).email, invitation.email, `${who} receives the other columns`);
        assertNoHash(`${who} Realtime ${change.eventType}`, { new: change.new, old: change.old });
      }
    }
    // domain_events (whose invitation.created carries the hash) is not readable by authenticated: real
    // Realtime then sends that role's subscriptions a record-less "Error 401: Unauthorized" change
    // (apply_rls.sql, "The claims role does not have SELECT permission to the primary key"); the
    // local stand-in sends nothing. Either way no event content reaches a platform admin.
    // Changes are delivered in commit order: the events came before the projection changes above.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const change of admin.received.filter((c) => c.table === "domain_events")) {
      assert.deepEqual(change.new, {}, `a platform admin receives no domain_events content: ${JSON.stringify(change)}`);
      assertNoHash("platform admin Realtime domain_events", change);
    }
  } finally {
    await admin.close();
    await service.close();
  }
});
