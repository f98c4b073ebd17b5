import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import pg from "pg";
import { DB_PASSWORD, HOST, dbUrl } from "../config.ts";
import { StackError } from "../errors.ts";
import { consoleProgress, type Progress } from "../log.ts";
import { isPortFree } from "../net.ts";
import { startService, waitUntilReady, type ServiceProcess } from "../child-process.ts";
import { ensurePostgresBinDir, serverAccount, unenterableFolder } from "./binaries.ts";

export interface RunningPostgres {
  readonly url: string;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

function chownTree(dir: string, account: { uid: number; gid: number } | undefined): void {
  if (!account) return;
  fs.chownSync(dir, account.uid, account.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, account);
    else fs.chownSync(full, account.uid, account.gid);
  }
}

/** Creates the cluster once (initdb); later starts reuse it, so data survives restarts. */
function ensureCluster(binDir: string, dataDir: string, account: ReturnType<typeof serverAccount>): boolean {
  if (fs.existsSync(path.join(dataDir, "PG_VERSION"))) return false;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(path.dirname(dataDir), "pwfile");
  fs.writeFileSync(pwFile, DB_PASSWORD, { mode: 0o600 });
  chownTree(dataDir, account);
  if (account) fs.chownSync(pwFile, account.uid, account.gid);
  try {
    execFileSync(
      path.join(binDir, "initdb"),
      ["-D", dataDir, "-U", "postgres", "--pwfile", pwFile, "--auth-local=trust", "--auth-host=scram-sha-256",
        "--encoding=UTF8", "--locale=C.UTF-8"],
      { stdio: "pipe", ...(account ?? {}) },
    );
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split("\n").at(-1) ?? String(error);
    const blocked = account && unenterableFolder(dataDir, account);
    if (blocked) {
      throw new StackError(
        `initdb failed: the database server runs as the \`postgres\` account (we are root), which may not enter ${blocked}`,
        `let it through (chmod o+x ${blocked}) or set LOCAL_STACK_DIR to a folder it can enter`,
      );
    }
    throw new StackError(`initdb failed: ${stderr}`, "check that the data folder is writable and the disk has space");
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  return true;
}

/**
 * Runs a real Postgres server on loopback with logical decoding enabled
 * (Realtime reads changes through a pgoutput replication slot).
 */
export async function startPostgres(options: {
  dataDir: string;
  port: number;
  ephemeral?: boolean;
  onInit?: () => void;
  /** Where an install of the server binaries reports its progress. */
  progress?: Progress;
}): Promise<RunningPostgres> {
  const binDir = ensurePostgresBinDir(options.progress ?? consoleProgress());
  const account = serverAccount();
  const clusterDir = path.join(options.dataDir, "postgres");
  const pgData = path.join(clusterDir, "data");
  const socketDir = path.join(clusterDir, "run");
  if (!(await isPortFree(options.port))) {
    throw new StackError(
      `port ${options.port} (Postgres) is already in use`,
      "stop whatever listens there (another `npm start` or `supabase start`?), or set SUPABASE_DB_URL to use that database",
    );
  }
  fs.mkdirSync(clusterDir, { recursive: true });
  if (ensureCluster(binDir, pgData, account)) options.onInit?.();
  fs.mkdirSync(socketDir, { recursive: true });
  chownTree(socketDir, account);

  const settings: Record<string, string> = {
    listen_addresses: HOST,
    port: String(options.port),
    unix_socket_directories: socketDir,
    wal_level: "logical",
    max_replication_slots: "20",
    max_wal_senders: "20",
    max_connections: "200",
    shared_buffers: "128MB",
    // With asynchronous commit, logical decoding (Realtime) sees a commit only once the WAL writer
    // flushes it: every 200 ms by default, which made test-stack Realtime ~175 ms p50 instead of ~4 ms.
    ...(options.ephemeral ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off", wal_writer_delay: "10ms" } : {}),
  };
  const args = ["-D", pgData, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  const processHandle = startService("postgres", path.join(binDir, "postgres"), args, {
    logDir: path.join(options.dataDir, "logs"),
    ...(account ?? {}),
  });
  const url = dbUrl(options.port);
  await waitUntilReady(processHandle, "Postgres", async () => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  });
  return {
    url,
    process: processHandle,
    // SIGINT is Postgres' "fast" shutdown: roll back open transactions, then checkpoint.
    stop: async () => {
      if (processHandle.child.exitCode === null) processHandle.child.kill("SIGINT");
      const timer = setTimeout(() => processHandle.child.kill("SIGKILL"), 15_000);
      await processHandle.exited;
      clearTimeout(timer);
    },
  };
}
