/**
 * `npm run check:function-bundle`: proves organization-bootstrap deploys as a unit, against the
 * running local stack (`npm start`). Bundles it into one file (function-bundle.ts), serves that
 * file alone under Deno (serve-function-bundle.ts), and sends it what a frontend sends: a CORS
 * preflight, an anonymous call, and a platform admin's bootstrap. Prints the bundle's size, its
 * cold start and each answer; exits 1 on the first wrong one. The organization it creates is a
 * real one on the local stack (`npm run db:cleanup` removes it).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { loadSigningKeys } from "../../supabase/local/src/auth/keys.ts";
import { signUserToken } from "../../supabase/local/src/auth/user-token.ts";
import { defaultStackOptions } from "../../supabase/local/src/config.ts";
import { isProcessAlive, readStackState } from "../../supabase/local/src/state.ts";
import { bundleFunction } from "./function-bundle.ts";
import { serveFunctionBundle, type ServedBundle } from "./serve-function-bundle.ts";

const FUNCTION = "organization-bootstrap";

function fail(message: string, fix?: string): never {
  process.stderr.write(`✖ ${message}\n${fix ? `  fix: ${fix}\n` : ""}`);
  process.exit(1);
}

const { dataDir } = defaultStackOptions();
const state = readStackState(dataDir);
if (!state || !isProcessAlive(state.pid)) fail("the local stack is not running", "start it with `npm start` (in another terminal)");
const env = state.env;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "function-bundle-"));
let served: ServedBundle | undefined;
try {
  const bundle = await bundleFunction(FUNCTION, path.join(dir, FUNCTION, "index.js"));
  const shared = bundle.inputs.filter((input) => input.startsWith("shared/")).length;
  const packages = new Set(bundle.inputs.flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []));
  process.stdout.write(
    `✔ ${FUNCTION} bundled into one file in ${bundle.ms} ms: ${(bundle.bytes / 1024 / 1024).toFixed(2)} MB, ` +
      `${bundle.inputs.length} modules (${shared} from shared/, packages: ${[...packages].sort().join(", ")})\n`,
  );

  served = await serveFunctionBundle(bundle.file, {
    SUPABASE_URL: env.SUPABASE_URL,
    SUPABASE_ANON_KEY: env.SUPABASE_ANON_KEY,
    SUPABASE_SERVICE_ROLE_KEY: env.SUPABASE_SERVICE_ROLE_KEY,
    TEMPORAL_PROXY_URL: env.TEMPORAL_PROXY_URL,
    TEMPORAL_PROXY_TOKEN: env.TEMPORAL_PROXY_TOKEN,
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
    ...(env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: env.TEMPORAL_UI_URL } : {}),
  });
  process.stdout.write(`✔ served alone by Deno (no deno.json, no node_modules, no npm or remote modules): listening after ${served.coldStartMs} ms\n`);

  const expect = async (what: string, response: Promise<Response>, status: number[]): Promise<Response> => {
    const answer = await response;
    if (!status.includes(answer.status)) fail(`${what}: HTTP ${answer.status}, expected ${status.join(" or ")}: ${await answer.text()}\n${served?.output() ?? ""}`);
    process.stdout.write(`✔ ${what}: HTTP ${answer.status}\n`);
    return answer;
  };
  await expect("CORS preflight", fetch(served.url, { method: "OPTIONS", headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" } }), [204]);
  await expect("POST without a token", fetch(served.url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } }), [401]);

  const keys = await loadSigningKeys(dataDir, `${env.SUPABASE_URL}/auth/v1`);
  const token = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, email: "platform-admin@example.test" });
  const suffix = crypto.randomBytes(3).toString("hex");
  const form = { name: `Bundle check ${suffix}`, subdomain: `bundle-check-${suffix}`, contactEmail: `ops@bundle-check-${suffix}.example.test`, admins: [{ email: `ada@bundle-check-${suffix}.example.test` }] };
  const started = await expect(
    "a platform admin's bootstrap",
    fetch(served.url, { method: "POST", body: JSON.stringify(form), headers: { "content-type": "application/json", authorization: `Bearer ${token}` } }),
    [200, 202],
  );
  const body = (await started.json()) as { status: string; workflowId: string; workflowUrl?: string };
  process.stdout.write(`  ${body.status}: ${body.workflowId}${body.workflowUrl ? `\n  Temporal Web UI: ${body.workflowUrl}` : ""}\n`);
  process.stdout.write(`  remove it with: npm run db:cleanup -- --subdomain ${form.subdomain}\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  await served?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
