/**
 * organization-bootstrap against the running stack, as an attacker or a careless client calls it
 * (and the reliability suite's "hostile callers" scenario): tokens signed by the project's own key but with claims Auth would never issue, loose
 * input, Idempotency-Keys at the length limit, one key raced with different forms, and status reads
 * with an upper-case id.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { importJWK, SignJWT, type JWTPayload } from "jose";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { countEvents, invoke, temporalClient, useTestWorker, userToken, validForm, withDb } from "../organization-bootstrap/support.ts";
import { recordScenario } from "./support/record.ts";
import { chaosSizes } from "./support/scale.ts";

/** A platform admin's token signed with the stack's real key: valid claims, changed by `changes` (undefined removes one). */
async function signedByTheProject(changes: Record<string, unknown> = {}): Promise<string> {
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const stored = JSON.parse(fs.readFileSync(path.join(env.dataDir, "auth", "signing-key.json"), "utf8")) as { privateJwk: Record<string, unknown> };
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: `${env.supabaseUrl}/auth/v1`, aud: "authenticated", sub: crypto.randomUUID(), role: "authenticated",
    app_role: PLATFORM_ADMIN_ROLE, iat: now, exp: now + 600, session_id: crypto.randomUUID(), ...changes,
  };
  const present = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return new SignJWT(present).setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT" }).sign(await importJWK(stored.privateJwk, "ES256"));
}

/** Rounds of the five-form race: one round can miss the race by luck, all of them rarely. */
const ROUNDS = chaosSizes().scale === "full" ? 30 : 6;

describe("organization-bootstrap: claims, input, idempotency and status hardening", () => {
  useTestWorker();

  test("a token signed by the project's key is refused 401 for a wrong aud or iss, no exp, an empty or non-UUID sub, or a future nbf", async () => {
    const env = stackEnv();
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Record<string, unknown>]> = [
      ["a foreign aud", { aud: "some-other-app" }],
      ["another project's iss", { iss: "https://another-ref.supabase.co/auth/v1" }],
      ["the gateway's address as iss, not Auth's", { iss: env.supabaseUrl }],
      ["no iss", { iss: undefined }],
      ["no exp", { exp: undefined }],
      ["an empty sub", { sub: "" }],
      ["a sub that is not a UUID", { sub: "admin" }],
      ["nbf in an hour", { nbf: now + 3600 }],
    ];
    for (const [name, changes] of cases) {
      const before = await countEvents();
      const { status, body } = await invoke({ body: validForm(), token: await signedByTheProject(changes) });
      assert.equal(status, 401, `${name}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, "unauthorized");
      assert.equal(await countEvents(), before, `${name}: nothing may be written`);
      const read = await invoke({ method: "GET", query: `?organizationId=${crypto.randomUUID()}`, token: await signedByTheProject(changes) });
      assert.equal(read.status, 401, `${name} (GET)`);
    }
    // The same claims, unchanged, are a real user's (iss is this stack's Auth): accepted.
    const { status, body } = await invoke({ body: validForm(), token: await signedByTheProject() });
    assert.equal(status, 200, JSON.stringify(body));
  });

  test("punycode and other ??-- labels, near-reserved names, and invisible formatting in names are refused 422", async () => {
    const bodies: Array<[string, Record<string, unknown>]> = [
      ["xn--80ak6aa92e (shown as аррӏе)", validForm({ subdomain: "xn--80ak6aa92e" })],
      ["ab--cd", validForm({ subdomain: "ab--cd" })],
      ["administrator", validForm({ subdomain: "administrator" })],
      ["webmail", validForm({ subdomain: "webmail" })],
      ["autodiscover", validForm({ subdomain: "autodiscover" })],
      ["a name with U+202E", validForm({ name: "Acme \u202Emoc.elppa" })],
      ["a name with U+2028", validForm({ name: "Acme\u2028Corp" })],
      ["an admin's first name with a zero-width space", validForm({ admins: [{ email: "ada@acme.test", firstName: "A\u200Bda" }] })],
    ];
    for (const [name, body] of bodies) {
      const before = await countEvents();
      const answer = await invoke({ body });
      assert.equal(answer.status, 422, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, "validation_failed", name);
      assert.equal(await countEvents(), before, `${name}: nothing may be written`);
    }
  });

  test("Idempotency-Keys of 190 to 200 characters never get a 5xx, and each replays to the same answer", async () => {
    const token = await userToken();
    for (const length of [190, 191, 199, 200]) {
      const key = `${length}-`.padEnd(length, "k");
      const form = validForm();
      const first = await invoke({ body: form, token, headers: { "Idempotency-Key": key } });
      assert.equal(first.status, 200, `${length} characters: ${JSON.stringify(first.body)}`);
      const again = await invoke({ body: form, token, headers: { "Idempotency-Key": key } });
      assert.equal(again.status, 200, `${length} characters, replayed: ${JSON.stringify(again.body)}`);
      assert.deepEqual(again.body, first.body);
    }
  });

  test("five concurrent requests with one Idempotency-Key and five forms: the 2xx answer is the recorded form, the others 422", async () => {
    // Several rounds (a new caller and key each): one round can miss the race by luck, all of them rarely.
    const began = Date.now();
    const tally: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const token = await userToken();
      const key = `race-${crypto.randomUUID()}`;
      const forms = Array.from({ length: 5 }, () => validForm());
      const answers = await Promise.all(forms.map((body) => invoke({ body, token, headers: { "Idempotency-Key": key } })));
      const statuses = answers.map((a) => a.status);
      for (const status of statuses) tally[String(status)] = (tally[String(status)] ?? 0) + 1;
      assert.ok(statuses.every((s) => s === 200 || s === 202 || s === 422), `round ${round}: only 2xx and 422: ${statuses.join(", ")}`);
      const winners = answers.map((answer, i) => ({ answer, form: forms[i]! })).filter(({ answer }) => answer.status < 300);
      assert.equal(winners.length, 1, `round ${round}: exactly one form is accepted: ${statuses.join(", ")}`);
      for (const loser of answers.filter((a) => a.status === 422)) assert.equal(loser.body.error.code, "idempotency_key_reused");
      const { answer, form } = winners[0]!;
      await withDb(async (db) => {
        const events = (await db.query(
          "select id, event_data from domain_events where stream_id = $1 and event_type = 'organization.bootstrap.initiated'", [answer.body.organizationId])).rows;
        assert.equal(events.length, 1, "one recorded form");
        assert.equal(events[0].id, answer.body.eventId, "the answer names the recorded event");
        assert.equal(events[0].event_data.subdomain, form.subdomain, "the recorded form is the answered one");
        assert.equal(events[0].event_data.name, form.name);
        const organization = (await db.query("select name, subdomain from organizations_projection where id = $1", [answer.body.organizationId])).rows[0];
        assert.deepEqual(organization, { name: form.name, subdomain: form.subdomain });
        const lost = forms.filter((f) => f !== form).map((f) => f.subdomain);
        const stray = await db.query("select count(*)::int as n from organizations_projection where subdomain = any($1)", [lost]);
        assert.equal(stray.rows[0].n, 0, "no refused form left an organization");
      });
    }
    recordScenario({
      group: "hostile callers", scenario: "one Idempotency-Key, five forms at once", scale: chaosSizes().scale,
      faults: ["the same key with five different forms, concurrently"], bootstraps: ROUNDS, inputs: ROUNDS * 4,
      answers: tally, lost: 0, duplicated: 0, notes: [`${ROUNDS} rounds: each recorded exactly one form and answered it; the other four got 422`], durationMs: Date.now() - began,
    });
  });

  test("GET with an upper-case organizationId reports the finished run, as the lower-case id does", async () => {
    const created = await invoke({ body: validForm() });
    assert.equal(created.status, 200);
    const temporal = await temporalClient();
    try {
      await temporal.client.workflow.getHandle(created.body.workflowId).result();
    } finally {
      await temporal.close();
    }
    const lower = await invoke({ method: "GET", query: `?organizationId=${created.body.organizationId}` });
    const upper = await invoke({ method: "GET", query: `?organizationId=${String(created.body.organizationId).toUpperCase()}` });
    assert.equal(upper.status, 200, JSON.stringify(upper.body));
    assert.equal(upper.body.workflow.status, "COMPLETED");
    assert.equal(upper.body.organization.status, "active");
    assert.deepEqual({ ...upper.body, workflow: { status: upper.body.workflow.status } }, { ...lower.body, workflow: { status: lower.body.workflow.status } });
  });
});
