import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { installDebianPackages } from "../debian.ts";
import { StackError } from "../errors.ts";
import type { Progress } from "../log.ts";

const REQUIRED = ["initdb", "postgres"] as const;

function hasServerBinaries(dir: string): boolean {
  return REQUIRED.every((bin) => fs.existsSync(path.join(dir, bin)));
}

/**
 * Finds the Postgres server binaries: PG_BIN_DIR, then `pg_config --bindir`,
 * then Debian's /usr/lib/postgresql/<newest>/bin.
 */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
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
  return candidates.find(hasServerBinaries);
}

/**
 * The Postgres server binaries, installed from Debian when they are nowhere and this process may
 * (as root); otherwise a StackError with the fix. PG_BIN_DIR set but wrong is never "fixed" by an install.
 */
export function ensurePostgresBinDir(progress: Progress, env: NodeJS.ProcessEnv = process.env): string {
  const found = findPostgresBinDir(env);
  if (found) return found;
  if (env.PG_BIN_DIR) {
    throw new StackError(
      `PG_BIN_DIR (${env.PG_BIN_DIR}) holds no Postgres server binaries (initdb, postgres)`,
      "point it at the folder holding initdb and postgres, or unset it (Debian: `apt-get install -y postgresql`)",
    );
  }
  try {
    installDebianPackages(["postgresql"], progress, "the Postgres server binaries (initdb, postgres)");
  } catch (error) {
    // The install's own fix (the exact command) first, then the other ways out.
    if (error instanceof StackError) throw new StackError(error.message, `${error.fix}; or set PG_BIN_DIR to their folder, or point SUPABASE_DB_URL at a running Postgres`);
    throw error;
  }
  const installed = findPostgresBinDir(env);
  if (!installed) throw new StackError("apt-get installed postgresql, but its server binaries were not found", "set PG_BIN_DIR to their folder");
  return installed;
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

/**
 * The first folder on the way to `dir` that `account` may not enter (no search permission for it),
 * if any. Running as root, the server runs as the `postgres` account, and a data folder under a
 * private one (mktemp's 0700, say) makes initdb fail with a bare "Permission denied".
 */
export function unenterableFolder(dir: string, account: { uid: number; gid: number }): string | undefined {
  const folders: string[] = [];
  for (let folder = path.resolve(dir); ; folder = path.dirname(folder)) {
    folders.unshift(folder);
    if (path.dirname(folder) === folder) break;
  }
  for (const folder of folders) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(folder);
    } catch {
      return undefined; // not created yet: mkdir makes it, and chown hands the cluster's part over
    }
    const searchable = stat.uid === account.uid ? stat.mode & 0o100 : stat.gid === account.gid ? stat.mode & 0o010 : stat.mode & 0o001;
    if (!searchable) return folder;
  }
  return undefined;
}
