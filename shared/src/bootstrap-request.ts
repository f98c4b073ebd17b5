import { z } from "zod";

/**
 * The body of `POST /functions/v1/organization-bootstrap`: the "new organization" form.
 * One schema for the edge function, the CLI and the tests; strict, so unknown keys are errors.
 */

/** Subdomains that would shadow the platform's own hosts. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  "www", "api", "admin", "app", "auth", "login", "mail", "smtp", "imap", "pop", "ftp", "ns1", "ns2",
  "static", "assets", "cdn", "status", "support", "help", "docs", "blog", "dashboard", "console",
  "supabase", "temporal", "internal", "localhost", "root", "system",
]);

/** RFC 1123 label: letters, digits and inner hyphens; 3–63 characters here. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export const MAX_ADMINS = 10;

/**
 * Text Postgres can store and people can read: no control characters (jsonb refuses \u0000 outright,
 * which would otherwise surface as a 500) and no unpaired UTF-16 surrogates (not valid Unicode).
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const printable = (schema: z.ZodString) =>
  schema
    .refine((value) => !CONTROL_CHARACTER.test(value), "must not contain control characters")
    .refine((value) => !LONE_SURROGATE.test(value), "must be valid Unicode text");

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
