/**
 * Who may bootstrap, end to end as on a real project: a user signs up and signs in through
 * supabase-js, `npm run admin:grant` gives the role, the custom access token hook puts it into the
 * next access token, and the edge function lets the user in; `admin:revoke` and a refresh take it
 * away again. No token is minted by the test.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { adminRoleCli, decodeClaims, frontendClient, newCredentials, signUpNewUser } from "../../local/test/support/auth-users.ts";
import { invoke, useTestWorker, temporalClient, validForm } from "./support.ts";

/** The CLI's outcome whether it succeeds or not. */
async function cli(action: "grant" | "revoke", args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await adminRoleCli(action, args, env);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("organization-bootstrap: roles through sign-in, admin:grant and admin:revoke", () => {
  useTestWorker();

  test("signed up: 403; after admin:grant and a new sign-in: 200 started; after admin:revoke and a refresh: 403 again", async () => {
    const user = await signUpNewUser("bootstrapper");
    const signedIn = await frontendClient().auth.signInWithPassword({ email: user.email, password: user.password });
    assert.equal(signedIn.error, null);
    const refused = await invoke({ body: validForm(), token: signedIn.data.session!.access_token });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "forbidden");

    const granted = await cli("grant", ["--email", user.email]);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, new RegExp(`${user.email} \\(user ${user.session.user.id}\\) is now ${PLATFORM_ADMIN_ROLE}`));
    assert.match(granted.stdout, /sign in again/);
    // The token from before the grant is unchanged: the hook runs only when a token is issued.
    assert.equal((await invoke({ body: validForm(), token: signedIn.data.session!.access_token })).status, 403);

    const client = frontendClient();
    const again = await client.auth.signInWithPassword({ email: user.email, password: user.password });
    assert.equal(again.error, null);
    assert.equal(decodeClaims(again.data.session!.access_token)[APP_ROLE_CLAIM], PLATFORM_ADMIN_ROLE);
    const started = await invoke({ body: validForm(), token: again.data.session!.access_token });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.status, "started");
    const temporal = await temporalClient();
    try {
      await temporal.client.workflow.getHandle(started.body.workflowId).result();
    } finally {
      await temporal.close();
    }

    const revoked = await cli("revoke", ["--email", user.email]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`is no longer ${PLATFORM_ADMIN_ROLE}`));
    const refreshed = await client.auth.refreshSession();
    assert.equal(refreshed.error, null);
    assert.equal(APP_ROLE_CLAIM in decodeClaims(refreshed.data.session!.access_token), false);
    const refusedAgain = await invoke({ body: validForm(), token: refreshed.data.session!.access_token });
    assert.equal(refusedAgain.status, 403, JSON.stringify(refusedAgain.body));
  });

  test("admin:grant twice and admin:revoke of a non-admin say so and succeed; --db-url is honoured", async () => {
    const user = await signUpNewUser("idempotent");
    assert.equal((await cli("grant", ["--email", user.email])).code, 0);
    const twice = await cli("grant", ["--email", user.email.toUpperCase(), "--db-url", process.env.SUPABASE_DB_URL!], { ...process.env, SUPABASE_DB_URL: "" });
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /already was platform_admin/);
    assert.equal((await cli("revoke", ["--email", user.email])).code, 0);
    const notAdmin = await cli("revoke", ["--email", user.email]);
    assert.equal(notAdmin.code, 0, notAdmin.stderr);
    assert.match(notAdmin.stdout, /was not platform_admin/);
  });

  test("an unknown e-mail, a bad argument or an unreachable database: one clear line, non-zero exit, no stack trace", async () => {
    const unknown = await cli("grant", ["--email", newCredentials().email]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^✖ no user with the e-mail \S+@example\.test\n {2}fix: /);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, "no stack trace");

    const usage = await cli("grant", ["--mail", "x@example.test"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Unknown option '--mail'/);
    assert.equal((await cli("revoke", [])).code, 2);

    const password = "s3cret-in-the-url";
    const down = await cli("grant", ["--email", "x@example.test", "--db-url", `postgresql://postgres:${password}@127.0.0.1:1/postgres`]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^✖ cannot connect to 127\.0\.0\.1:1: nothing listens there\n/);
    assert.doesNotMatch(down.stderr, new RegExp(password), "the password is never printed");
  });
});
