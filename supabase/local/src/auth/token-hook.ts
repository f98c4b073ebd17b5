import crypto from "node:crypto";
import { AuthError, internalError } from "./auth-error.ts";
import type { AuthTx } from "./auth-db.ts";

/** How the token being issued was earned (GoTrue's models.AuthenticationMethod names). */
export type AuthenticationMethod = "password" | "token_refresh";

/** GoTrue's hookspgfunc timeout: the hook's statement may run at most 2 s. */
const HOOK_TIMEOUT_MS = 2000;

/**
 * Calls the custom access token hook the way Supabase Auth does (internal/hooks/hookspgfunc):
 * `select "schema"."function"($1)` inside the token's transaction, as supabase_auth_admin (the
 * transaction's role), with a 2 s statement timeout, the event {metadata, user_id, claims,
 * authentication_method}. Returns the claims to sign, after GoTrue's checks on the output.
 */
export async function runCustomAccessTokenHook(
  tx: AuthTx,
  functionName: string,
  event: { userId: string; claims: Record<string, unknown>; authenticationMethod: AuthenticationMethod; ip?: string },
): Promise<Record<string, unknown>> {
  const input = {
    metadata: {
      uuid: crypto.randomUUID(),
      time: new Date().toISOString(),
      name: "customize-access-token",
      ...(event.ip ? { ip_address: event.ip } : {}),
    },
    user_id: event.userId,
    claims: event.claims,
    authentication_method: event.authenticationMethod,
  };
  let output: unknown;
  try {
    await tx.query(`set local statement_timeout to '${HOOK_TIMEOUT_MS}'`);
    // functionName is `"schema"."name"`, built from identifiers checked when config.toml was read.
    const { rows } = await tx.query<{ output: unknown }>(`select ${functionName}($1::jsonb) as output`, [JSON.stringify(input)]);
    await tx.query("set local statement_timeout to default");
    output = rows[0]?.output;
  } catch (error) {
    // GoTrue answers a failing hook with a bare 500; the database's reason goes to the log only.
    console.error(`[auth] custom access token hook ${functionName} failed: ${(error as Error).message}`);
    throw internalError("error generating jwt token");
  }
  return checkHookOutput(output);
}

/** The hook may answer `{error: {http_code, message}}` to refuse the token (internal/hooks/hookserrors). */
function checkHookOutput(output: unknown): Record<string, unknown> {
  if (!isObject(output)) throw internalError("Error unmarshaling JSON output.");
  if (isObject(output.error) && typeof output.error.message === "string" && output.error.message !== "") {
    const code = typeof output.error.http_code === "number" && output.error.http_code > 0 ? output.error.http_code : 500;
    throw new AuthError(code, code === 500 ? "unexpected_failure" : "unknown", output.error.message);
  }
  if (!("claims" in output)) throw internalError("output claims field is missing");
  if (!isObject(output.claims)) throw internalError("Error unmarshaling JSON output.");
  const problems = claimProblems(output.claims);
  if (problems.length > 0) {
    throw internalError(`output claims do not conform to the expected schema: \n${problems.map((p) => `- ${p}\n`).join("")}`);
  }
  return output.claims;
}

type JsonType = "string" | "integer" | "object" | "array";
/** GoTrue's MinimumViableTokenSchema (internal/tokens/service.go): types of the known claims, and which are required. */
const CLAIM_TYPES: Readonly<Record<string, readonly JsonType[]>> = {
  aud: ["string", "array"],
  exp: ["integer"],
  jti: ["string"],
  iat: ["integer"],
  iss: ["string"],
  nbf: ["integer"],
  sub: ["string"],
  email: ["string"],
  phone: ["string"],
  app_metadata: ["object"],
  user_metadata: ["object"],
  role: ["string"],
  aal: ["string"],
  amr: ["array"],
  session_id: ["string"],
  client_id: ["string"],
};
const REQUIRED_CLAIMS = ["aud", "exp", "iat", "sub", "email", "phone", "role", "aal", "session_id", "is_anonymous"] as const;

/** One line per violation, worded like gojsonschema's. */
export function claimProblems(claims: Record<string, unknown>): string[] {
  const problems = REQUIRED_CLAIMS.filter((name) => !(name in claims)).map((name) => `(root): ${name} is required`);
  for (const [name, types] of Object.entries(CLAIM_TYPES)) {
    if (!(name in claims)) continue;
    const given = jsonType(claims[name]);
    if (!types.includes(given as JsonType)) problems.push(`${name}: Invalid type. Expected: ${types.join(", ")}, given: ${given}`);
  }
  if (Array.isArray(claims.amr) && claims.amr.some((entry) => typeof entry !== "string" && !isObject(entry))) {
    problems.push("amr: Must validate at least one schema (anyOf)");
  }
  return problems;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
