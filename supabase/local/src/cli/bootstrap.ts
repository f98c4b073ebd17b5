/**
 * `npm run bootstrap -- --name "Acme" --subdomain acme --admin-email ada@acme.test [--admin-email …] [--contact-email …]`
 * bootstraps an organization against the running stack, as the frontend would (signed in as the
 * stack's demo platform admin), and follows it to the end.
 */
import { parseArgs } from "node:util";
import { defaultStackOptions } from "../config.ts";
import { describeStackError } from "../errors.ts";
import { isProcessAlive, readStackState } from "../state.ts";
import { bootstrapAndFollow } from "./bootstrap-demo.ts";
import { signInDemoAdmin } from "./demo-admin.ts";

const USAGE = 'usage: npm run bootstrap -- --name "Acme" --subdomain acme --admin-email ada@acme.test [--admin-email …] [--contact-email ops@acme.test]';

function fail(message: string, code = 2): never {
  process.stderr.write(`✖ ${message}\n  ${USAGE}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { name?: string; subdomain?: string; "admin-email"?: string[]; "contact-email"?: string };
  try {
    ({ values } = parseArgs({
      options: {
        name: { type: "string" },
        subdomain: { type: "string" },
        "admin-email": { type: "string", multiple: true },
        "contact-email": { type: "string" },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const missing = (["name", "subdomain", "admin-email"] as const).filter((key) => !values[key]);
  if (missing.length > 0) fail(`missing ${missing.map((k) => `--${k}`).join(", ")}`);

  const { dataDir } = defaultStackOptions();
  const state = readStackState(dataDir);
  if (!state || !isProcessAlive(state.pid)) {
    process.stderr.write("✖ the local stack is not running\n  fix: start it with `npm start` (in another terminal)\n");
    process.exit(1);
  }
  const adminEmails = values["admin-email"]!;
  // Signed in as the stack's demo platform admin, like the try-it page: a real session from Auth.
  const token = await signInDemoAdmin(state.env, dataDir).then(
    (admin) => admin.session.access_token,
    (error: unknown) => {
      process.stderr.write(`${describeStackError(error)}\n`);
      process.exit(1);
    },
  );
  process.stdout.write(`… bootstrapping "${values.name}" (${values.subdomain})\n`);
  const outcome = await bootstrapAndFollow(state.env, token, {
    name: values.name!,
    subdomain: values.subdomain!,
    contactEmail: values["contact-email"] ?? adminEmails[0]!,
    admins: adminEmails.map((email) => ({ email })),
  }, (line) => process.stdout.write(`${line}\n`));
  if (!outcome.ok) {
    process.stderr.write(`✖ ${outcome.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${outcome.status === "active" ? "✔" : "✖"} organization ${outcome.status}\n  Temporal Web UI: ${outcome.workflowUrl}\n`);
  process.exit(outcome.status === "active" ? 0 : 1);
}

void main();
