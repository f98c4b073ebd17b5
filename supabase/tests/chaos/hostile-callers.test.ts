/**
 * Hostile callers of organization-bootstrap: forged, tampered, expired and alg-none tokens, keys of
 * another project, admin claims where a user can write them, a replayed Idempotency-Key with another
 * form, and a flood from one caller while a legitimate admin keeps working. Each refusal writes
 * nothing; the flood is bounded by the documented per-caller limit (BOOTSTRAP_RATE_BURST 30,
 * BOOTSTRAP_RATE_PER_MINUTE 120, per function instance) and costs the legitimate admin nothing.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createHmac, randomUUID } from "node:crypto";
import { generateKeyPair, importJWK, SignJWT, type JWTPayload } from "jose";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { signUserToken } from "../../local/src/auth/user-token.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { countEvents, frontend, temporalClient, validForm, withDb } from "../organization-bootstrap/support.ts";
import { recordScenario } from "./support/record.ts";
import { chaosSizes } from "./support/scale.ts";

const sizes = chaosSizes();
const started: string[] = [];
const BURST = 30;
const PER_MINUTE = 120;

after(async () => {
  const { client, close } = await temporalClient();
  for (const id of started) await client.workflow.getHandle(bootstrapWorkflowId(id)).terminate("hostile-callers test done").catch(() => undefined);
  await close();
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly retryAfter: string | null;
}

async function call(authorization: string | undefined, form: unknown, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  const { data, error, response } = await frontend().functions.invoke("organization-bootstrap", {
    method: "POST",
    headers: { ...(authorization !== undefined ? { Authorization: authorization } : {}), ...extraHeaders },
    body: form as Record<string, unknown>,
  });
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any>, retryAfter: res.headers.get("retry-after") };
  }
  if (error) throw error;
  const body = data as Record<string, any>;
  if (typeof body.organizationId === "string") started.push(body.organizationId);
  return { status: response?.status ?? 200, body, retryAfter: null };
}

const b64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** A platform admin's claims as the stack's Auth issues them (its `iss` included); undefined in `extra` removes a claim. */
function adminClaims(extra: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: `${stackEnv().supabaseUrl}/auth/v1`, sub: randomUUID(), aud: "authenticated", role: "authenticated", app_role: PLATFORM_ADMIN_ROLE, iat: now, exp: now + 600, ...extra,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

async function ourPrivateKey() {
  const stored = JSON.parse(fs.readFileSync(path.join(stackEnv().dataDir, "auth", "signing-key.json"), "utf8")) as { privateJwk: Record<string, unknown> };
  return importJWK(stored.privateJwk, "ES256");
}

test("forged, tampered, expired and foreign tokens are refused with 401/403 and write nothing", async () => {
  const began = Date.now();
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const ours = await ourPrivateKey();
  const other = await generateKeyPair("ES256", { extractable: true });
  const otherRs = await generateKeyPair("RS256", { extractable: true });
  const signOurs = (claims: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT", ...header }).sign(ours);
  const viewer = await signUserToken(keys, { appRole: "viewer", sub: randomUUID() });
  const [vHeader, , vSignature] = viewer.split(".");
  const hsConfusion = (() => {
    // Algorithm confusion: HS256 "signed" with our public key as the shared secret.
    const signingInput = `${b64url({ alg: "HS256", typ: "JWT", kid: keys.kid })}.${b64url(adminClaims())}`;
    return `${signingInput}.${createHmac("sha256", JSON.stringify(keys.jwks.keys[0])).update(signingInput).digest("base64url")}`;
  })();
  const now = Math.floor(Date.now() / 1000);

  const cases: Array<[string, string | undefined, number]> = [
    ["no Authorization header", undefined, 401],
    ["alg none", `Bearer ${b64url({ alg: "none", typ: "JWT" })}.${b64url(adminClaims())}.`, 401],
    ["alg none with our kid", `Bearer ${b64url({ alg: "none", kid: keys.kid })}.${b64url(adminClaims())}.`, 401],
    ["HS256 keyed with our public key", `Bearer ${hsConfusion}`, 401],
    ["a viewer's token with an admin payload pasted in", `Bearer ${vHeader}.${b64url(adminClaims())}.${vSignature}`, 401],
    ["our header and claims without a signature", `Bearer ${vHeader}.${b64url(adminClaims())}.`, 401],
    ["expired a minute ago", `Bearer ${await signOurs(adminClaims({ iat: now - 700, exp: now - 60 }))}`, 401],
    ["not valid for another hour (nbf)", `Bearer ${await signOurs(adminClaims({ nbf: now + 3600 }))}`, 401],
    ["our key, another app's aud", `Bearer ${await signOurs(adminClaims({ aud: "another-app" }))}`, 401],
    ["our key, another project's iss", `Bearer ${await signOurs(adminClaims({ iss: "https://another-ref.supabase.co/auth/v1" }))}`, 401],
    ["our key, no iss", `Bearer ${await signOurs(adminClaims({ iss: undefined }))}`, 401],
    ["our key, no exp (never expires)", `Bearer ${await signOurs(adminClaims({ exp: undefined }))}`, 401],
    ["our key, an empty sub", `Bearer ${await signOurs(adminClaims({ sub: "" }))}`, 401],
    ["our key, a sub that is not a user id", `Bearer ${await signOurs(adminClaims({ sub: "root" }))}`, 401],
    ["another project's key, claiming our kid", `Bearer ${await new SignJWT(adminClaims()).setProtectedHeader({ alg: "ES256", kid: keys.kid }).sign(other.privateKey)}`, 401],
    ["another project's service_role key", `Bearer ${await new SignJWT({ role: "service_role", iss: "supabase" }).setProtectedHeader({ alg: "ES256" }).setIssuedAt().setExpirationTime("1h").sign(other.privateKey)}`, 401],
    ["RS256 from a key of our kid's name", `Bearer ${await new SignJWT(adminClaims()).setProtectedHeader({ alg: "RS256", kid: keys.kid }).sign(otherRs.privateKey)}`, 401],
    ["our anon key", `Bearer ${env.anonKey}`, 401],
    ["our service_role key (an API key, not a user)", `Bearer ${env.serviceRoleKey}`, 401],
    ["a service_role token carrying the admin claim", `Bearer ${await signOurs({ ...adminClaims(), role: "service_role" })}`, 401],
    ["a 9,000-character token", `Bearer ${"a".repeat(9_000)}`, 401],
    ["Basic instead of Bearer", `Basic ${Buffer.from("admin:admin").toString("base64")}`, 401],
    ["a viewer", `Bearer ${viewer}`, 403],
    ["admin role in user_metadata (which users can edit), not in app_role", `Bearer ${await signOurs(adminClaims({ app_role: undefined, user_metadata: { app_role: PLATFORM_ADMIN_ROLE } }))}`, 403],
    ["an app_role that only looks like the admin's", `Bearer ${await signOurs(adminClaims({ app_role: "platform_admin " }))}`, 403],
  ];
  const answers: Record<string, number> = {};
  for (const [name, authorization, expected] of cases) {
    const before = await countEvents();
    const answer = await call(authorization, validForm());
    answers[String(answer.status)] = (answers[String(answer.status)] ?? 0) + 1;
    assert.equal(answer.status, expected, `${name}: ${JSON.stringify(answer.body)}`);
    assert.equal(await countEvents(), before, `${name}: nothing written`);
  }
  recordScenario({
    group: "hostile callers", scenario: "forged and foreign tokens", scale: sizes.scale, faults: cases.map(([name]) => name),
    bootstraps: 0, inputs: cases.length, answers, lost: 0, duplicated: 0, notes: [], durationMs: Date.now() - began,
  });
});

test("a replayed Idempotency-Key: the same form gets the same answer, another form 422, another user a different organization", async () => {
  const began = Date.now();
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const alice = `Bearer ${await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: randomUUID() })}`;
  const mallory = `Bearer ${await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: randomUUID() })}`;
  const key = { "Idempotency-Key": randomUUID() };
  const form = validForm();
  const before = await countEvents();

  const first = await call(alice, form, key);
  assert.ok([200, 202].includes(first.status), JSON.stringify(first.body));
  const replay = await call(alice, form, key);
  assert.equal(replay.body.organizationId, first.body.organizationId);
  assert.equal(replay.body.eventId, first.body.eventId);
  const otherForm = await call(alice, validForm(), key);
  assert.equal(otherForm.status, 422);
  assert.equal(otherForm.body.error.code, "idempotency_key_reused");
  // Keys are per user: Mallory replaying Alice's key gets an organization of her own, not Alice's.
  const stolen = await call(mallory, validForm(), key);
  assert.ok([200, 202].includes(stolen.status), JSON.stringify(stolen.body));
  assert.notEqual(stolen.body.organizationId, first.body.organizationId);
  assert.equal(await countEvents(), before + 2, "one event for Alice's key, one for Mallory's");
  recordScenario({
    group: "hostile callers", scenario: "replayed idempotency key", scale: sizes.scale,
    faults: ["same key and form replayed", "same key, another form", "same key, another user"], bootstraps: 2, inputs: 4,
    answers: { [first.status]: 1, [`${replay.status} (replay)`]: 1, "422": 1, [`${stolen.status} (other user)`]: 1 }, lost: 0, duplicated: 0,
    notes: [], durationMs: Date.now() - began,
  });
});

test(`a flood of ${sizes.floodRequests} requests from one admin is held to the per-caller limit (429), while another admin loses nothing`, async () => {
  const began = Date.now();
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const flooderId = randomUUID();
  const flooder = `Bearer ${await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: flooderId })}`;
  const legit = `Bearer ${await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: randomUUID() })}`;

  const flood: Answer[] = [];
  let next = 0;
  const floodStart = Date.now();
  const flooding = Promise.all(Array.from({ length: 25 }, async () => {
    while (next < sizes.floodRequests) {
      next += 1;
      flood.push(await call(flooder, validForm()));
    }
  }));
  const legitAnswers: Answer[] = [];
  const legitLatencies: number[] = [];
  while (next < sizes.floodRequests || legitAnswers.length < 5) {
    const t = performance.now();
    legitAnswers.push(await call(legit, validForm()));
    legitLatencies.push(performance.now() - t);
    if (legitAnswers.length >= 20) break;
  }
  await flooding;
  const floodSeconds = (Date.now() - floodStart) / 1000;

  const statuses: Record<string, number> = {};
  for (const a of flood) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
  const acceptedFlood = flood.filter((a) => a.status === 200 || a.status === 202);
  const limited = flood.filter((a) => a.status === 429);
  assert.equal(acceptedFlood.length + limited.length, flood.length, `only 2xx and 429: ${JSON.stringify(statuses)}`);
  const allowance = BURST + Math.ceil((PER_MINUTE * floodSeconds) / 60) + 1;
  assert.ok(acceptedFlood.length <= allowance, `${acceptedFlood.length} accepted in ${floodSeconds.toFixed(1)} s; the limit allows ${allowance}`);
  assert.ok(limited.length >= flood.length - allowance, "the rest were refused");
  for (const a of limited) {
    assert.equal(a.body.error?.code, "rate_limited");
    assert.ok(Number(a.retryAfter) >= 1, "429 carries Retry-After");
  }
  // Events: exactly one per accepted flood request, none for a refused one; every legitimate bootstrap stored.
  const flooderEvents = await withDb(async (db) => Number((await db.query(
    "select count(*) from public.domain_events where event_type = 'organization.bootstrap.initiated' and event_metadata ->> 'actor_user_id' = $1", [flooderId])).rows[0].count));
  assert.equal(flooderEvents, acceptedFlood.length);
  for (const answer of legitAnswers) assert.ok(answer.status === 200 || answer.status === 202, `the legitimate admin was served: ${answer.status} ${JSON.stringify(answer.body)}`);
  const legitStored = await withDb(async (db) => Number((await db.query(
    "select count(*) from public.domain_events where event_type = 'organization.bootstrap.initiated' and id = any($1::uuid[])",
    [legitAnswers.map((a) => a.body.eventId)])).rows[0].count));
  assert.equal(legitStored, legitAnswers.length, "nothing lost for the legitimate admin");
  legitLatencies.sort((a, b) => a - b);
  recordScenario({
    group: "hostile callers", scenario: "flood from one admin", scale: sizes.scale,
    faults: [`${sizes.floodRequests} requests from one admin, 25 at a time`], bootstraps: legitAnswers.length, inputs: flood.length,
    answers: statuses, lost: 0, duplicated: 0,
    notes: [
      `${acceptedFlood.length} flood requests accepted in ${floodSeconds.toFixed(1)} s (limit: burst ${BURST} + ${PER_MINUTE}/min), ${limited.length} refused with 429`,
      `the other admin's ${legitAnswers.length} bootstraps meanwhile: all accepted, p50 ${legitLatencies[Math.floor(legitLatencies.length / 2)]!.toFixed(0)} ms`,
    ],
    durationMs: Date.now() - began,
  });
});
