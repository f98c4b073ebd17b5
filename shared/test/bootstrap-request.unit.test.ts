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

test("labels with hyphens in positions 3 and 4 are refused: punycode xn-- (homographs) and every other ??--", () => {
  for (const subdomain of ["xn--80ak6aa92e", "XN--80AK6AA92E", "ab--cd", "zz--top", "a1--b"]) {
    assert.deepEqual(issuesOf({ ...valid, subdomain }), ["subdomain"], subdomain);
  }
  for (const subdomain of ["abc--d", "a--bc", "ab-cd", "acme-labs"]) {
    assert.equal(bootstrapRequestSchema.parse({ ...valid, subdomain }).subdomain, subdomain, `${subdomain} is an ordinary label`);
  }
});

test("the platform's own, mail, DNS, auto-discovery and environment names are reserved, whatever their case", () => {
  const reserved = ["administrator", "webmail", "autodiscover", "autoconfig", "mail", "smtp", "imap", "pop", "pop3", "ftp", "ns1", "ns2",
    "status", "billing", "support", "help", "docs", "static", "cdn", "assets", "postmaster", "hostmaster", "abuse", "security",
    "email", "wpad", "isatap", "localhost", "test", "dev", "staging", "Administrator", "WEBMAIL"];
  for (const subdomain of reserved) assert.deepEqual(issuesOf({ ...valid, subdomain }), ["subdomain"], subdomain);
  assert.equal(bootstrapRequestSchema.parse({ ...valid, subdomain: "acme-mail" }).subdomain, "acme-mail", "only the exact names are reserved");
});

test("bidi controls, zero-width characters and line or paragraph separators are refused in every free-text field", () => {
  const invisible = ["\u202E", "\u202D", "\u2066", "\u200B", "\u200E", "\uFEFF", "\u00AD", "\u2028", "\u2029"];
  for (const char of invisible) {
    const label = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    assert.deepEqual(issuesOf({ ...valid, name: `Acme${char}Corp` }), ["name"], `name with ${label}`);
    assert.deepEqual(issuesOf({ ...valid, admins: [{ email: "a@x.test", firstName: `A${char}da` }] }), ["admins.0.firstName"], `firstName with ${label}`);
    assert.deepEqual(issuesOf({ ...valid, admins: [{ email: "a@x.test", lastName: `Love${char}lace` }] }), ["admins.0.lastName"], `lastName with ${label}`);
  }
  // "moc.elppa" shown as "apple.com": the override the form must never pass on to e-mails and the Web UI.
  assert.deepEqual(issuesOf({ ...valid, name: "Acme \u202Emoc.elppa" }), ["name"]);
  assert.equal(bootstrapRequestSchema.parse({ ...valid, name: "Société Générale – Ωmega 株式会社" }).name, "Société Générale – Ωmega 株式会社");
});

test("the zero-width non-joiner and joiner pass inside a word, where Persian and Indic names need them, and nowhere else", () => {
  const persian = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"; // "mi-khaham": ZWNJ between two letters
  const malayalam = "\u0D15\u0D4D\u200D\u0D37"; // a virama (a mark), ZWJ, a letter
  assert.equal(bootstrapRequestSchema.parse({ ...valid, name: `Acme ${persian}` }).name, `Acme ${persian}`);
  assert.equal(bootstrapRequestSchema.parse({ ...valid, admins: [{ email: "a@x.test", firstName: malayalam }] }).admins[0]!.firstName, malayalam);
  for (const placed of ["\u200CAcme", "Acme\u200D", "Acme \u200C Corp", "Ac\u200C\u200Cme".replace("\u200C\u200C", "\u200C\u200B")]) {
    assert.deepEqual(issuesOf({ ...valid, name: placed }), ["name"], JSON.stringify(placed));
  }
});
