import { z } from "zod";

/**
 * The body of `POST /functions/v1/organization-bootstrap`: the "new organization" form.
 * One schema for the edge function, the CLI and the tests; strict, so unknown keys are errors.
 */

/**
 * Subdomains a tenant may not take: they would shadow the platform's own hosts (api, auth, status),
 * receive its mail or certificates (mail, mx, postmaster, hostmaster and the other RFC 2142 mailbox
 * names that CAs and mail providers trust for domain validation), be auto-discovered by clients
 * (autodiscover, autoconfig, wpad, isatap), or pass for the operator (admin, billing, security).
 * Compared after lower-casing. Generous on purpose: a name can be released later, never taken back
 * from a tenant. (Names shorter than 3 characters are refused anyway; they are listed so that the
 * list stays right if that minimum changes.)
 */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  // the platform's own hosts and services
  "www", "api", "app", "apps", "auth", "login", "logout", "signin", "signup", "sso", "oauth", "id", "account", "accounts",
  "admin", "administrator", "root", "system", "internal", "console", "dashboard", "portal", "manage", "panel",
  "supabase", "temporal", "realtime", "functions", "rest", "graphql", "storage", "db", "database", "gateway", "proxy",
  "static", "assets", "cdn", "media", "images", "img", "files", "download", "downloads", "upload", "uploads",
  "status", "health", "metrics", "monitoring", "grafana", "support", "help", "docs", "documentation", "blog", "news",
  "billing", "pay", "payment", "payments", "invoice", "invoices", "security", "legal", "privacy", "terms",
  // environments
  "localhost", "local", "test", "testing", "dev", "development", "staging", "stage", "preview", "demo", "sandbox", "prod", "production", "beta",
  // mail and the mailbox names trusted for domain validation (RFC 2142, CA/B Forum)
  "mail", "email", "webmail", "smtp", "imap", "pop", "pop3", "mx", "mx1", "mx2", "postmaster", "hostmaster", "webmaster",
  "abuse", "noc", "noreply", "no-reply", "info", "contact", "sales", "marketing",
  // DNS, file transfer, client auto-configuration
  "ns", "ns1", "ns2", "ns3", "ns4", "dns", "ftp", "sftp", "ssh", "vpn", "autodiscover", "autoconfig", "wpad", "isatap",
]);

/** RFC 1123 label: letters, digits and inner hyphens; 3–63 characters here. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/**
 * Hyphens in the third and fourth positions are reserved for encodings (RFC 5891 §4.2.3.1): `xn--` is
 * punycode, which displays as another script (`xn--80ak6aa92e` is shown as "аррӏе", a homograph of
 * "apple"), and every other `??--` is kept for future ones.
 */
const RESERVED_LABEL_FORM = /^..--/;

export const MAX_ADMINS = 10;

/**
 * Text Postgres can store and people can read: no control characters (jsonb refuses \u0000 outright,
 * which would otherwise surface as a 500), no unpaired UTF-16 surrogates (not valid Unicode), and no
 * invisible formatting: format characters (category Cf: bidi overrides and isolates such as U+202E,
 * which reverse what follows in e-mails and the Temporal UI; zero-width spaces; the BOM; soft
 * hyphens) and line and paragraph separators (U+2028, U+2029: Zl, Zp), which break a one-line name
 * into several. One exception: the zero-width non-joiner and joiner (U+200C, U+200D) between two
 * letters or marks, where Persian and Indic scripts need them to spell a name; they reorder nothing.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const JOINER_IN_A_WORD = /(?<=[\p{L}\p{M}])[\u200C\u200D](?=[\p{L}\p{M}])/gu;
const INVISIBLE_FORMATTING = /[\p{Cf}\p{Zl}\p{Zp}]/u;
const hasInvisibleFormatting = (value: string) => INVISIBLE_FORMATTING.test(value.replace(JOINER_IN_A_WORD, ""));
export const printable = (schema: z.ZodString) =>
  schema
    .refine((value) => !CONTROL_CHARACTER.test(value), "must not contain control characters")
    .refine((value) => !LONE_SURROGATE.test(value), "must be valid Unicode text")
    .refine((value) => !hasInvisibleFormatting(value), "must not contain invisible formatting characters (bidi controls, zero-width characters, line separators)");

const email = z.string().trim().max(254).pipe(z.email({ message: "must be an email address" })).transform((value) => value.toLowerCase());
const personName = printable(z.string().trim().min(1).max(100));

export const adminInviteSchema = z.strictObject({
  email,
  firstName: personName.optional(),
  lastName: personName.optional(),
});

export const bootstrapRequestSchema = z.strictObject({
  name: printable(z.string().trim().min(2, "must be at least 2 characters").max(100, "must be at most 100 characters")),
  subdomain: z
    .string()
    .trim()
    .toLowerCase()
    .min(3, "must be at least 3 characters")
    .max(63, "must be at most 63 characters")
    .regex(DNS_LABEL, "must be a DNS label: letters, digits and inner hyphens")
    .refine((value) => !RESERVED_LABEL_FORM.test(value), "must not have hyphens in its 3rd and 4th characters (reserved for encodings such as punycode xn--)")
    .refine((value) => !RESERVED_SUBDOMAINS.has(value), "is reserved"),
  contactEmail: email,
  admins: z
    .array(adminInviteSchema)
    .min(1, "needs at least one admin")
    .max(MAX_ADMINS, `allows at most ${MAX_ADMINS} admins`)
    .refine((admins) => new Set(admins.map((a) => a.email)).size === admins.length, "has the same email twice"),
});

export type BootstrapRequest = z.infer<typeof bootstrapRequestSchema>;
export type AdminInvite = z.infer<typeof adminInviteSchema>;

/** Field-level issues as the API returns them: `[{path: "admins.0.email", message}]`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}
