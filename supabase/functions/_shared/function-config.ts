import { z } from "zod";
import { parseProjectKeys, type ProjectKeys } from "./jwks.ts";

/**
 * The settings every function of this project reads from the environment Supabase injects
 * (SUPABASE_*) plus the project's secrets (`supabase secrets set …`): who may call it (the project's
 * keys and Auth issuer) and where workflows start (the Temporal proxy). Each function adds its own.
 */
export const functionBaseShape = {
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
};

/** AUTH_ISSUER as given, else SUPABASE_URL/auth/v1; without a trailing slash, as Auth writes `iss`. */
export function resolveIssuer<T extends { SUPABASE_URL: string; AUTH_ISSUER?: string | undefined }>({ AUTH_ISSUER, ...config }: T): Omit<T, "AUTH_ISSUER"> & { AUTH_ISSUER: string } {
  return { ...config, AUTH_ISSUER: (AUTH_ISSUER ?? `${config.SUPABASE_URL.replace(/\/+$/, "")}/auth/v1`).replace(/\/+$/, "") };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses `env` with a function's schema; throws one ConfigError naming every problem and its fix. */
export function parseFunctionConfig<S extends z.ZodType>(functionName: string, schema: S, env: Readonly<Record<string, string | undefined>>): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  throw new ConfigError(`${functionName} is misconfigured: ${problems.join("; ")}`);
}

/** A Web UI link to the workflow, when TEMPORAL_UI_URL is set. */
export function workflowUrl(config: { TEMPORAL_UI_URL?: string | undefined; TEMPORAL_NAMESPACE: string }, workflowId: string): string | undefined {
  return config.TEMPORAL_UI_URL
    ? `${config.TEMPORAL_UI_URL.replace(/\/$/, "")}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`
    : undefined;
}
