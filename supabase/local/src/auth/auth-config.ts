import fs from "node:fs";
import path from "node:path";
import { parseConfigToml } from "../config-toml.ts";
import { StackError } from "../errors.ts";

/** The `[auth]` settings of supabase/config.toml that the local Auth stand-in honours. */
export interface AuthConfig {
  /** Access token lifetime in seconds (`jwt_expiry`). */
  readonly jwtExpirySeconds: number;
  /** `enable_signup` and `[auth.email] enable_signup`: both must be on for e-mail sign-ups. */
  readonly signupEnabled: boolean;
  readonly emailProviderEnabled: boolean;
  readonly refreshTokenRotation: boolean;
  /** Seconds during which an already-rotated refresh token may still be exchanged. */
  readonly refreshTokenReuseIntervalSeconds: number;
  readonly minimumPasswordLength: number;
  /** Each string is a set of characters of which a password needs at least one (GoTrue's RequiredCharacters). */
  readonly requiredCharacterSets: readonly string[];
  /** `"public"."custom_access_token_hook"` when the hook is enabled (GoTrue's HookName). */
  readonly customAccessTokenHook?: { readonly uri: string; readonly functionName: string };
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
const SYMBOLS = "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~";
/** The CLI's password_requirements values, as GoTrue's GOTRUE_PASSWORD_REQUIRED_CHARACTERS (supabase/cli pkg/config/auth.go). */
const PASSWORD_REQUIREMENTS: Readonly<Record<string, readonly string[]>> = {
  "": [],
  letters_digits: [LOWER + UPPER, DIGITS],
  lower_upper_letters_digits: [LOWER, UPPER, DIGITS],
  lower_upper_letters_digits_symbols: [LOWER, UPPER, DIGITS, SYMBOLS],
};

/** GoTrue's defaults (and the CLI's config template), used when config.toml does not say. */
const DEFAULTS = { jwtExpirySeconds: 3600, reuseInterval: 10, minimumPasswordLength: 6 } as const;
/** GoTrue raises a minimum below 6 to 6 (internal/conf/configuration.go). */
const LOWEST_PASSWORD_LENGTH = 6;
/** Postgres identifiers as GoTrue accepts them in a pg-functions URI (internal/conf/configuration.go). */
const PG_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;

/**
 * Settings that are valid for the real CLI and change nothing the stand-in serves (redirects, mail,
 * e-mail change): accepted. Everything else in [auth] is refused below, so config.toml never asks
 * for behaviour the local stack would silently not have.
 */
const INERT_AUTH_KEYS = new Set(["enabled", "site_url", "additional_redirect_urls"]);
const INERT_EMAIL_KEYS = new Set(["double_confirm_changes", "secure_password_change", "max_frequency", "otp_length", "otp_expiry"]);

export function readAuthConfig(file: string): AuthConfig {
  if (!fs.existsSync(file)) return parseAuthConfig("", file);
  return parseAuthConfig(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file) || file);
}

/** Reads `[auth]`; every problem is reported at once, one per line, and stops the stack from starting. */
export function parseAuthConfig(text: string, source: string): AuthConfig {
  const doc = parseConfigToml(text, source);
  const problems: string[] = [];
  const auth = table(doc.auth, "[auth]", problems);
  const email = table(auth.email, "[auth.email]", problems);
  const hooks = table(auth.hook, "[auth.hook]", problems);

  const bool = (section: Record<string, unknown>, name: string, key: string, fallback: boolean): boolean => {
    const value = section[key];
    if (value === undefined) return fallback;
    if (typeof value === "boolean") return value;
    problems.push(`${name} ${key} must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const count = (key: string, fallback: number, min: number, max: number): number => {
    const value = auth[key];
    if (value === undefined) return fallback;
    if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
    problems.push(`[auth] ${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  };

  const handled = new Set(["jwt_expiry", "enable_signup", "enable_refresh_token_rotation", "refresh_token_reuse_interval", "minimum_password_length", "password_requirements", "enable_anonymous_sign_ins", "enable_manual_linking", "email", "hook"]);
  for (const key of Object.keys(auth)) {
    if (!handled.has(key) && !INERT_AUTH_KEYS.has(key)) problems.push(`[auth] ${key} is not implemented by the local stack's Auth (remove it, or use supabase start)`);
  }
  for (const key of Object.keys(email)) {
    if (key !== "enable_signup" && key !== "enable_confirmations" && !INERT_EMAIL_KEYS.has(key)) {
      problems.push(`[auth.email] ${key} is not implemented by the local stack's Auth`);
    }
  }
  if (auth.enabled === false) problems.push("[auth] enabled = false: the product needs Auth (its users sign in)");
  if (bool(auth, "[auth]", "enable_anonymous_sign_ins", false)) problems.push("[auth] enable_anonymous_sign_ins = true is not implemented by the local stack's Auth");
  if (bool(auth, "[auth]", "enable_manual_linking", false)) problems.push("[auth] enable_manual_linking = true is not implemented by the local stack's Auth");
  if (bool(email, "[auth.email]", "enable_confirmations", false)) {
    problems.push("[auth.email] enable_confirmations = true needs a mailer, which the local stack does not have (signUp would never return a session)");
  }

  const requirements = auth.password_requirements ?? "";
  const requiredCharacterSets = typeof requirements === "string" ? PASSWORD_REQUIREMENTS[requirements] : undefined;
  if (!requiredCharacterSets) {
    problems.push(`[auth] password_requirements must be one of ${Object.keys(PASSWORD_REQUIREMENTS).map((k) => JSON.stringify(k)).join(", ")}`);
  }

  let customAccessTokenHook: AuthConfig["customAccessTokenHook"];
  for (const [name, value] of Object.entries(hooks)) {
    const hook = table(value, `[auth.hook.${name}]`, problems);
    if (!bool(hook, `[auth.hook.${name}]`, "enabled", false)) continue;
    if (name !== "custom_access_token") {
      problems.push(`[auth.hook.${name}] is not implemented by the local stack's Auth (only custom_access_token is)`);
      continue;
    }
    const parsed = parseHookUri(hook.uri, hook.secrets);
    if (typeof parsed === "string") problems.push(`[auth.hook.custom_access_token] ${parsed}`);
    else customAccessTokenHook = parsed;
  }

  const config: AuthConfig = {
    jwtExpirySeconds: count("jwt_expiry", DEFAULTS.jwtExpirySeconds, 1, 604_800),
    signupEnabled: bool(auth, "[auth]", "enable_signup", true),
    emailProviderEnabled: bool(email, "[auth.email]", "enable_signup", true),
    refreshTokenRotation: bool(auth, "[auth]", "enable_refresh_token_rotation", true),
    refreshTokenReuseIntervalSeconds: count("refresh_token_reuse_interval", DEFAULTS.reuseInterval, 0, 86_400),
    minimumPasswordLength: Math.max(LOWEST_PASSWORD_LENGTH, count("minimum_password_length", DEFAULTS.minimumPasswordLength, 0, 72)),
    requiredCharacterSets: requiredCharacterSets ?? [],
    ...(customAccessTokenHook ? { customAccessTokenHook } : {}),
  };
  if (problems.length > 0) {
    throw new StackError(`${source} has ${problems.length} problem(s) in [auth]:\n  - ${problems.join("\n  - ")}`, `edit ${source}`);
  }
  return config;
}

/** `pg-functions://<database>/<schema>/<function>` → GoTrue's quoted `"schema"."function"`; other schemes are refused. */
function parseHookUri(uri: unknown, secrets: unknown): { uri: string; functionName: string } | string {
  if (typeof uri !== "string" || uri === "") return "uri is required when enabled = true";
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return `uri ${JSON.stringify(uri)} is not a URI`;
  }
  if (parsed.protocol !== "pg-functions:") return `uri must be pg-functions://… (HTTP hooks are not implemented by the local stack's Auth), got ${JSON.stringify(uri)}`;
  if (secrets !== undefined) return "secrets is unsupported for a pg-functions URI (as in the Supabase CLI)";
  const [schema, name] = parsed.pathname.split("/").slice(1);
  if (!schema || !name || !PG_NAME.test(schema) || !PG_NAME.test(name)) {
    return `uri must name a schema and a function, pg-functions://postgres/<schema>/<function>, got ${JSON.stringify(uri)}`;
  }
  return { uri, functionName: `"${schema}"."${name}"` };
}

function table(value: unknown, name: string, problems: string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)) return value as Record<string, unknown>;
  problems.push(`${name} must be a table`);
  return {};
}
