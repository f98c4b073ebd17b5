import { z } from "zod";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { parseProjectKeys, type ProjectKeys } from "./jwks.ts";

/**
 * The function's settings, read once from the environment Supabase injects
 * (SUPABASE_*) plus its secrets (`supabase secrets set …`). A bad value stops the
 * function at boot with one message naming every problem and its fix.
 */
const configSchema = z.object({
  SUPABASE_URL: z.url({ message: "must be the project URL, e.g. https://<ref>.supabase.co (Supabase injects it)" }),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20, "is required (Supabase injects it)"),
  /**
   * The project's keys as JSON, `{keys: [...]}` or a bare array (Supabase injects it); when absent
   * they are fetched from SUPABASE_URL/auth/v1/.well-known/jwks.json.
   */
  SUPABASE_JWKS: z
    .string()
    .optional()
    .transform((text, context): ProjectKeys | undefined => {
      if (text === undefined || text.trim() === "") return undefined;
      try {
        return parseProjectKeys(text);
      } catch (error) {
        context.addIssue({ code: "custom", message: `${(error as Error).message}: unset it to use the project's JWKS endpoint` });
        return z.NEVER;
      }
    }),
  /**
   * Only for projects whose Auth still signs with the legacy shared secret (HS256) and whose
   * SUPABASE_JWKS does not carry it: the project's JWT secret. Without it such tokens are checked
   * by asking the project's Auth, one round trip per request.
   */
  LEGACY_JWT_SECRET: z.string().min(32, "must be the project's legacy JWT secret (32+ characters): supabase secrets set LEGACY_JWT_SECRET=…").optional(),
  /**
   * The `iss` every user token must carry: the project's Auth URL. Unset, it is SUPABASE_URL/auth/v1,
   * right for a hosted project (https://<ref>.supabase.co/auth/v1). Set it where the two differ:
   * under `supabase functions serve` SUPABASE_URL is http://kong:8000 while tokens say
   * http://127.0.0.1:54321/auth/v1. (Not SUPABASE_AUTH_ISSUER: the CLI skips secrets named SUPABASE_*.)
   */
  AUTH_ISSUER: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z
      .url({
        protocol: /^https?$/,
        message: "must be the iss claim of the project's user tokens, its Auth URL such as https://<ref>.supabase.co/auth/v1 (under supabase functions serve: http://127.0.0.1:54321/auth/v1); unset it to use SUPABASE_URL/auth/v1",
      })
      .optional(),
  ),
  TEMPORAL_PROXY_URL: z.url({ message: "must be the gRPC-web proxy's URL: supabase secrets set TEMPORAL_PROXY_URL=https://…" }),
  TEMPORAL_PROXY_TOKEN: z.string().min(32, "must be the proxy's bearer token (32+ characters): supabase secrets set TEMPORAL_PROXY_TOKEN=…"),
  TEMPORAL_NAMESPACE: z.string().min(1).default("default"),
  /** Link to the workflow in the Web UI in responses and logs, when set. */
  TEMPORAL_UI_URL: z.url().optional(),
  /** How long a request may wait for StartWorkflowExecution before answering 202 queued. */
  BOOTSTRAP_START_BUDGET_MS: z.coerce.number().int().min(100).max(10_000).default(2000),
  /** The value of the `app_role` claim that may bootstrap organizations. */
  BOOTSTRAP_ADMIN_ROLE: z.string().min(1).default(PLATFORM_ADMIN_ROLE),
  /** Per caller: burst size and sustained requests per minute before 429, for POST (bootstraps). */
  BOOTSTRAP_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(30),
  BOOTSTRAP_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  /**
   * The same for GET (status reads), in a bucket of their own: a frontend polls, so it is more
   * generous, and a caller polling hard never uses up its bootstraps (nor the reverse).
   */
  BOOTSTRAP_STATUS_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(60),
  BOOTSTRAP_STATUS_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
}).transform(({ AUTH_ISSUER, ...config }) => ({
  ...config,
  /** Resolved: AUTH_ISSUER as given, else SUPABASE_URL/auth/v1; without a trailing slash, as Auth writes `iss`. */
  AUTH_ISSUER: (AUTH_ISSUER ?? `${config.SUPABASE_URL.replace(/\/+$/, "")}/auth/v1`).replace(/\/+$/, ""),
}));

export type BootstrapConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): BootstrapConfig {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  throw new ConfigError(`organization-bootstrap is misconfigured: ${problems.join("; ")}`);
}
