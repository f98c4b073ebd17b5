import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { StackError } from "../errors.ts";

const REQUIRED = ["initdb", "postgres"] as const;

function hasServerBinaries(dir: string): boolean {
  return REQUIRED.every((bin) => fs.existsSync(path.join(dir, bin)));
}

/**
 * Finds the Postgres server binaries: PG_BIN_DIR, then `pg_config --bindir`,
 * then Debian's /usr/lib/postgresql/<newest>/bin.
 */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (env.PG_BIN_DIR) candidates.push(env.PG_BIN_DIR);
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // pg_config is optional; Debian ships it only with the dev package.
  }
  const debianRoot = "/usr/lib/postgresql";
  if (fs.existsSync(debianRoot)) {
    const versions = fs.readdirSync(debianRoot).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debianRoot, v, "bin")));
  }
  const found = candidates.find(hasServerBinaries);
  if (!found) {
    throw new StackError(
      "Postgres server binaries (initdb, postgres) were not found",
      "install them (Debian: `apt-get install -y postgresql`), set PG_BIN_DIR to their folder, or point SUPABASE_DB_URL at a running Postgres",
    );
  }
  return found;
}

/** Postgres refuses to run as root: find the unprivileged account to run it as. */
export function serverAccount(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new StackError(
      "running as root, and there is no `postgres` user to run the database server as",
      "create one (`useradd --system postgres`) or run `npm start` as a normal user",
    );
  }
}
