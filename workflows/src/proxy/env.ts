/**
 * The proxy's configuration from the environment, validated once at startup: a bad
 * environment yields one message listing every problem with its fix (never a secret's
 * value), and the process exits before listening.
 */
import fs from "node:fs";
import { z } from "zod";
import type { ProxyOptions } from "./server.ts";
import type { UpstreamTls } from "./upstream.ts";

/** `host:port` or `[v6]:port`: no scheme, no path. */
const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

export const MIN_TOKEN_LENGTH = 32;

const present = (hint: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `missing: ${hint}` : `must be text: ${hint}`) });
const filePath = (what: string) =>
  z.string().refine((value) => fs.existsSync(value) && fs.statSync(value).isFile(), `no such file: set it to the path of ${what}`);

const schema = z.object({
  TEMPORAL_ADDRESS: present("the Temporal frontend as host:port, e.g. 127.0.0.1:7233").refine(
    (value) => HOST_PORT.test(value) && Number(HOST_PORT.exec(value)?.[1]) <= 65535,
    "not host:port: use e.g. 127.0.0.1:7233 (no scheme, no path)",
  ),
  TEMPORAL_NAMESPACE: present("the only Temporal namespace the proxy forwards to, e.g. default"),
  TEMPORAL_PROXY_TOKEN: present(`the bearer token callers must send, at least ${MIN_TOKEN_LENGTH} random characters (e.g. \`openssl rand -hex 32\`)`)
    .min(MIN_TOKEN_LENGTH, `too short: use at least ${MIN_TOKEN_LENGTH} random characters, e.g. \`openssl rand -hex 32\``),
  TEMPORAL_PROXY_PORT: z.coerce
    .number({ error: "not a port number: use e.g. 54329" })
    .int("not a port number: use e.g. 54329")
    .min(0, "not a port number: use e.g. 54329")
    .max(65535, "not a port number: use e.g. 54329")
    .default(54329),
  TEMPORAL_PROXY_HOST: z.string().default("127.0.0.1"),
  TEMPORAL_TLS_CERT: filePath("the client certificate (PEM) for mTLS to Temporal").optional(),
  TEMPORAL_TLS_KEY: filePath("the client certificate's private key (PEM)").optional(),
  TEMPORAL_TLS_CA: filePath("the CA bundle (PEM) that signed Temporal's server certificate").optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
});

/** Every variable the proxy reads (the deploy manifests are checked against it: workflows/test/deploy-manifests.test.ts). */
export const PROXY_ENV_NAMES: readonly string[] = Object.keys(schema.shape);

export type ProxyEnvResult = { ok: true; options: ProxyOptions } | { ok: false; problems: string[] };

/** Reads the proxy's options; empty variables count as unset. */
export function parseProxyEnv(rawEnv: NodeJS.ProcessEnv): ProxyEnvResult {
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined && value.trim() !== ""));
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.map(String).join(".") || "environment"}: ${issue.message}`);
  // Checked by hand rather than with .refine(), which zod skips while other fields have issues.
  if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined)) {
    problems.push("TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (mTLS) or neither");
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  const e = parsed.data;
  // TLS whenever any TLS setting or an API key is given: Temporal Cloud API keys require it.
  const wantsTls = Boolean(e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_CA || e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_SERVER_NAME);
  const tls: UpstreamTls | undefined = wantsTls
    ? {
        ...(e.TEMPORAL_TLS_CERT ? { cert: fs.readFileSync(e.TEMPORAL_TLS_CERT) } : {}),
        ...(e.TEMPORAL_TLS_KEY ? { key: fs.readFileSync(e.TEMPORAL_TLS_KEY) } : {}),
        ...(e.TEMPORAL_TLS_CA ? { ca: fs.readFileSync(e.TEMPORAL_TLS_CA) } : {}),
        ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : undefined;
  return {
    ok: true,
    options: {
      temporalAddress: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      token: e.TEMPORAL_PROXY_TOKEN,
      port: e.TEMPORAL_PROXY_PORT,
      host: e.TEMPORAL_PROXY_HOST,
      ...(tls ? { tls } : {}),
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
    },
  };
}

export function formatEnvProblems(problems: readonly string[]): string {
  const noun = problems.length === 1 ? "problem" : "problems";
  return [`✖ the Temporal proxy cannot start: ${problems.length} ${noun} in its environment`, ...problems.map((p) => `  - ${p}`)].join("\n");
}
