import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapRequestSchema, toFieldIssues } from "../src/bootstrap-request.ts";

const valid = {
  name: "  Acme Corp ",
  subdomain: "ACME-labs",
  contactEmail: "Ops@Acme.test",
  admins: [{ email: "ada@acme.test", firstName: "Ada" }],
};

/** The distinct field paths a body is rejected for. */
function issuesOf(body: unknown): string[] {
  const result = bootstrapRequestSchema.safeParse(body);
  assert.equal(result.success, false, "expected the body to be rejected");
  return [...new Set(toFieldIssues(result.error!).map((issue) => issue.path))].sort();
}

test("a valid request is normalised: trimmed name, lower-cased subdomain and emails", () => {
  const parsed = bootstrapRequestSchema.parse(valid);
  assert.equal(parsed.name, "Acme Corp");
  assert.equal(parsed.subdomain, "acme-labs");
  assert.equal(parsed.contactEmail, "ops@acme.test");
  assert.deepEqual(parsed.admins, [{ email: "ada@acme.test", firstName: "Ada" }]);
});

test("every field's violations are reported with its path", () => {
  assert.deepEqual(issuesOf({ ...valid, name: "A" }), ["name"]);
  assert.deepEqual(issuesOf({ ...valid, name: "x".repeat(101) }), ["name"]);
  assert.deepEqual(issuesOf({ ...valid, subdomain: "ab" }), ["subdomain"]);
  assert.deepEqual(issuesOf({ ...valid, subdomain: "a".repeat(64) }), ["subdomain"]);
  assert.deepEqual(issuesOf({ ...valid, subdomain: "-acme" }), ["subdomain"]);
  assert.deepEqual(issuesOf({ ...valid, subdomain: "ac_me" }), ["subdomain"]);
  assert.deepEqual(issuesOf({ ...valid, subdomain: "WWW" }), ["subdomain"]);
  assert.deepEqual(issuesOf({ ...valid, contactEmail: "nope" }), ["contactEmail"]);
  assert.deepEqual(issuesOf({ ...valid, admins: [] }), ["admins"]);
  assert.deepEqual(issuesOf({ ...valid, admins: Array.from({ length: 11 }, (_, i) => ({ email: `a${i}@x.test` })) }), ["admins"]);
  assert.deepEqual(issuesOf({ ...valid, admins: [{ email: "a@x.test" }, { email: "A@x.test" }] }), ["admins"]);
  assert.deepEqual(issuesOf({ ...valid, admins: [{ email: "bad" }] }), ["admins.0.email"]);
});

test("control characters and broken Unicode in names are refused (Postgres could not store them)", () => {
  assert.deepEqual(issuesOf({ ...valid, name: "Acme\u0000Corp" }), ["name"]);
  assert.deepEqual(issuesOf({ ...valid, name: "Acme\u001bCorp" }), ["name"]);
  assert.deepEqual(issuesOf({ ...valid, name: "Acme \uD800 Corp" }), ["name"]);
  assert.deepEqual(issuesOf({ ...valid, admins: [{ email: "a@x.test", firstName: "A\uDC00" }] }), ["admins.0.firstName"]);
  assert.equal(bootstrapRequestSchema.parse({ ...valid, name: "Acme 😀 Ünïcödé" }).name, "Acme 😀 Ünïcödé");
});

test("wrong types, unknown keys and missing fields are rejected", () => {
  assert.deepEqual(issuesOf({ ...valid, name: 42 }), ["name"]);
  assert.deepEqual(issuesOf({ ...valid, admins: "ada@acme.test" }), ["admins"]);
  assert.deepEqual(issuesOf({ ...valid, plan: "enterprise" }), ["(body)"]);
  assert.deepEqual(issuesOf({ ...valid, admins: [{ email: "a@x.test", role: "owner" }] }), ["admins.0"]);
  assert.deepEqual(issuesOf({}), ["admins", "contactEmail", "name", "subdomain"]);
  assert.deepEqual(issuesOf(null), ["(body)"]);
});
