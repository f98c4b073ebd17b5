import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Client, Connection } from "@temporalio/client";
import { startStack, type Stack } from "../src/stack.ts";
import { freeStackPorts } from "../src/net.ts";
import { silentProgress } from "../src/log.ts";
import { MIGRATIONS_DIR } from "../src/paths.ts";

async function withTemporal<T>(stack: Stack, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS });
  try {
    return await fn(new Client({ connection, namespace: stack.env.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

test("restarting the stack keeps Postgres data and Temporal history, and applies no migration twice", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-restart-"));
  fs.chmodSync(dataDir, 0o755); // the database server may run as the `postgres` user
  const workflowId = `restart-check-${Date.now()}`;
  let stack: Stack | undefined;
  try {
    stack = await startStack({ dataDir, ports: await freeStackPorts(), ephemeral: false, proxy: false, worker: false }, silentProgress);
    const migrationFiles = fs.readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith(".sql"));
    assert.ok(migrationFiles.length > 0);
    assert.equal(stack.appliedMigrations.length, migrationFiles.length, "a fresh database gets every migration");
    const db = new pg.Client({ connectionString: stack.env.SUPABASE_DB_URL });
    await db.connect();
    await db.query("create table restart_probe (id int primary key, note text)");
    await db.query("insert into restart_probe values (1, 'kept')");
    const migrationsBefore = (await db.query("select count(*)::int as n from supabase_migrations.schema_migrations")).rows[0].n;
    await db.end();
    await withTemporal(stack, (client) =>
      client.workflow.start("restartProbeWorkflow", { taskQueue: "restart-probe", workflowId, args: [] }),
    );
    await stack.stop();

    // Second start: new ports on purpose, same data folder.
    stack = await startStack({ dataDir, ports: await freeStackPorts(), ephemeral: false, proxy: false, worker: false }, silentProgress);
    assert.deepEqual(stack.appliedMigrations, [], "no migration may be applied again");
    const db2 = new pg.Client({ connectionString: stack.env.SUPABASE_DB_URL });
    await db2.connect();
    const rows = (await db2.query("select note from restart_probe where id = 1")).rows;
    const migrationsAfter = (await db2.query("select count(*)::int as n from supabase_migrations.schema_migrations")).rows[0].n;
    await db2.end();
    assert.deepEqual(rows, [{ note: "kept" }]);
    assert.equal(migrationsAfter, migrationsBefore);
    const description = await withTemporal(stack, (client) => client.workflow.getHandle(workflowId).describe());
    assert.equal(description.type, "restartProbeWorkflow");
    assert.equal(description.status.name, "RUNNING");
    await withTemporal(stack, (client) => client.workflow.getHandle(workflowId).terminate("test done"));
  } finally {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
