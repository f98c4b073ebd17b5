import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { StackError } from "../errors.ts";

const BOOTSTRAP_SQL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../sql/bootstrap.sql");

/** `20250101000000_name.sql` → version `20250101000000`, name `name` (the Supabase CLI's convention). */
export function parseMigrationFile(file: string): { version: string; name: string } | undefined {
  const match = /^(\d+)_(.+)\.sql$/.exec(file);
  return match ? { version: match[1]!, name: match[2]! } : undefined;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly skipped: number;
}

/**
 * Applies the Supabase bootstrap, then every `supabase/migrations/*.sql` not yet recorded in
 * supabase_migrations.schema_migrations, each in its own transaction, in version order.
 */
export async function migrate(databaseUrl: string, migrationsDir: string): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(fs.readFileSync(BOOTSTRAP_SQL, "utf8"));
    const done = new Set(
      (await client.query<{ version: string }>("select version from supabase_migrations.schema_migrations")).rows
        .map((row) => row.version),
    );
    const files = fs.existsSync(migrationsDir) ? fs.readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).sort() : [];
    const applied: string[] = [];
    for (const file of files) {
      const parsed = parseMigrationFile(file);
      if (!parsed) {
        throw new StackError(`migration file name ${file} is not <version>_<name>.sql`, `rename it, e.g. 20250101000000_${file}`);
      }
      if (done.has(parsed.version)) continue;
      const sql = fs.readFileSync(path.join(migrationsDir, file), "utf8");
      try {
        await client.query("begin");
        await client.query(sql);
        await client.query(
          "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
          [parsed.version, parsed.name, [sql]],
        );
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => {});
        const pgError = error as { message?: string; position?: string };
        throw new StackError(
          `migration ${file} failed: ${pgError.message ?? String(error)}`,
          `fix supabase/migrations/${file}; nothing from it was applied`,
        );
      }
      applied.push(file);
    }
    return { applied, skipped: done.size };
  } finally {
    await client.end();
  }
}
