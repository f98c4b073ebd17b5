/**
 * `npm run token -- --role <app role> [--sub <uuid>] [--email <addr>] [--ttl <seconds>]`
 * prints a user access token signed by the local stack's key (role `authenticated`,
 * the application role in the `app_role` claim).
 */
import { parseArgs } from "node:util";
import { defaultStackOptions, DEFAULT_PORTS, HOST } from "../config.ts";
import { loadSigningKeys } from "../auth/keys.ts";
import { signUserToken, DEFAULT_USER_TOKEN_TTL_SECONDS } from "../auth/user-token.ts";
import { readStackState } from "../state.ts";
import fs from "node:fs";
import path from "node:path";

const USAGE = "usage: npm run token -- --role <app role> [--sub <uuid>] [--email <addr>] [--ttl <seconds>]";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(message: string): never {
  process.stderr.write(`✖ ${message}\n  ${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { role?: string; sub?: string; email?: string; ttl?: string };
  try {
    ({ values } = parseArgs({
      options: { role: { type: "string" }, sub: { type: "string" }, email: { type: "string" }, ttl: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const problems: string[] = [];
  if (!values.role || !/^[a-z][a-z0-9_]{0,62}$/.test(values.role)) problems.push("--role must be an application role such as platform_admin");
  if (values.sub !== undefined && !UUID.test(values.sub)) problems.push("--sub must be a UUID");
  if (values.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(values.email)) problems.push("--email must be an email address");
  const ttl = values.ttl === undefined ? DEFAULT_USER_TOKEN_TTL_SECONDS : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 3600) problems.push("--ttl must be whole seconds between 1 and 604800");
  if (problems.length > 0) fail(problems.join("; "));

  const { dataDir } = defaultStackOptions();
  if (!fs.existsSync(path.join(dataDir, "auth", "signing-key.json"))) {
    process.stderr.write("✖ the local stack has no signing key yet\n  fix: run `npm start` once\n");
    process.exit(1);
  }
  const supabaseUrl = readStackState(dataDir)?.env.SUPABASE_URL ?? `http://${HOST}:${DEFAULT_PORTS.api}`;
  const keys = await loadSigningKeys(dataDir, `${supabaseUrl}/auth/v1`);
  const token = await signUserToken(keys, {
    appRole: values.role!,
    ttlSeconds: ttl,
    ...(values.sub ? { sub: values.sub } : {}),
    ...(values.email ? { email: values.email } : {}),
  });
  process.stdout.write(`${token}\n`);
}

void main();
