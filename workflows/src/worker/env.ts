import fs from "node:fs";
import path from "node:path";
import { createHmac } from "node:crypto";
import { z } from "zod";
import { BOOTSTRAP_TASK_QUEUE } from "@org-bootstrap/shared/workflow-contract.ts";
import type { ProviderConfig } from "../providers/index.ts";
import { parseReconcilerEnv, type ReconcilerConfig, type WorkerHttpConfig } from "../reconciler/config.ts";
import { temporalSecurity, temporalSecurityProblems, temporalSecurityShape, type TemporalSecurity } from "./temporal-connection.ts";

/**
 * The worker's configuration, validated once at startup. A bad environment produces one message
 * naming every problem and its fix (never a value of a secret), so a deploy fails at once and
 * says why — instead of the original failure mode of starting, logging "Listening…", and doing nothing.
 */

/** `host:port`, `[v6]:port`; what @temporalio/worker's NativeConnection accepts. */
const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

const present = (hint: string) => z.string({ error: (issue) => (issue.input === undefined ? `missing: ${hint}` : `must be text: ${hint}`) });
const httpUrl = (hint: string) =>
  present(hint).refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), `not an http(s) URL: ${hint}`);
const port = (hint: string) => z.coerce.number({ error: `not a port number: ${hint}` }).int().min(1).max(65535, `not a port number: ${hint}`);

const commonSchema = z.object({
  SUPABASE_URL: httpUrl("the project's API URL, e.g. http://127.0.0.1:54321 (`npm run status` prints it)"),
  SUPABASE_SERVICE_ROLE_KEY: present("the project's service_role key (or a secret key), from `npm run status` or the dashboard's API settings")
    .min(20, "too short to be a service_role key: copy it from `npm run status` or the dashboard's API settings"),
  TEMPORAL_ADDRESS: present("the Temporal frontend as host:port, e.g. 127.0.0.1:7233").refine(
    (value) => HOST_PORT.test(value) && Number(HOST_PORT.exec(value)?.[1]) <= 65535,
    "not host:port: use e.g. 127.0.0.1:7233 (no scheme, no path)",
  ),
  TEMPORAL_NAMESPACE: present("the Temporal namespace, e.g. default"),
  TEMPORAL_TASK_QUEUE: z.string().default(BOOTSTRAP_TASK_QUEUE),
  WORKFLOW_MODE: z.enum(["local", "production"], {
    error: (issue) =>
      issue.input === undefined
        ? "missing: set local (DNS and email go to files under LOCAL_OUTBOX_DIR) or production (real DNS API and SMTP)"
        : "must be local or production",
  }),
  NODE_ENV: z.enum(["development", "test", "production"], { error: "must be development, test or production" }).default("development"),
  INVITATION_TOKEN_SECRET: z.string().min(32, "too short: use at least 32 random characters, e.g. `openssl rand -hex 32`").optional(),
  /** The workflow bundle `npm run build` prebuilds (the container image sets it); unset: bundle the sources at startup. */
  WORKFLOW_BUNDLE_PATH: z
    .string()
    .refine((value) => fs.existsSync(value) && fs.statSync(value).isFile(), "no such file: set it to the path of the prebuilt workflow bundle (`npm run build` writes workflows/dist/worker/workflow-bundle.js)")
    .optional(),
  ...temporalSecurityShape,
});

const localSchema = z.object({
  LOCAL_OUTBOX_DIR: z.string().default(".local/outbox"),
  PLATFORM_BASE_DOMAIN: z.string().default("orgs.localhost"),
  DNS_TARGET: z.string().default("ingress.localhost"),
  EMAIL_FROM: z.string().default("Org Bootstrap <no-reply@localhost>"),
  APP_URL: httpUrl("where invitation links point, e.g. http://localhost:3000").default("http://localhost:3000"),
});

const whenProduction = "(required when WORKFLOW_MODE=production)";
const productionSchema = z.object({
  PLATFORM_BASE_DOMAIN: present(`the zone organizations live under, e.g. orgs.example.com ${whenProduction}`),
  DNS_TARGET: present(`the CNAME target for organization hosts, e.g. ingress.example.com ${whenProduction}`),
  DNS_API_URL: httpUrl("the DNS API base URL").default("https://api.cloudflare.com/client/v4"),
  DNS_ZONE_ID: present(`the DNS zone id from the DNS provider ${whenProduction}`),
  DNS_API_TOKEN: present(`an API token allowed to edit DNS records in the zone ${whenProduction}`),
  SMTP_HOST: present(`the SMTP submission server ${whenProduction}`),
  SMTP_PORT: port("e.g. 587 (STARTTLS) or 465 (TLS)").default(587),
  SMTP_SECURITY: z.enum(["starttls", "tls", "none"], { error: "must be starttls, tls or none" }).default("starttls"),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  EMAIL_FROM: present(`the sender of invitation emails, e.g. "Platform <no-reply@example.com>" ${whenProduction}`),
  APP_URL: httpUrl(`where invitation links point, e.g. https://app.example.com ${whenProduction}`),
  INVITATION_TOKEN_SECRET: present(`at least 32 random characters, e.g. \`openssl rand -hex 32\` ${whenProduction}`),
});

/**
 * Every variable the worker's own schemas read (the reconciler's are in reconciler/config.ts). The
 * deploy manifests' ConfigMap and Secret are checked against it (workflows/test/deploy-manifests.test.ts).
 */
export const WORKER_ENV_NAMES: readonly string[] = [
  ...new Set([...Object.keys(commonSchema.shape), ...Object.keys(localSchema.shape), ...Object.keys(productionSchema.shape)]),
];

export interface WorkerConfig {
  readonly supabaseUrl: string;
  readonly serviceRoleKey: string;
  /** `tls` and `apiKey` (TEMPORAL_API_KEY, TEMPORAL_TLS_*) for Temporal Cloud or an mTLS frontend; see temporal-connection.ts. */
  readonly temporal: { readonly address: string; readonly namespace: string; readonly taskQueue: string } & TemporalSecurity;
  /** A prebuilt workflow bundle (WORKFLOW_BUNDLE_PATH); undefined bundles the workflow sources at startup. */
  readonly workflowBundlePath?: string;
  readonly nodeEnv: "development" | "test" | "production";
  readonly providers: ProviderConfig;
  readonly invitations: {
    /** Invitation links are `${appUrl}/invitations/accept?token=…`. */
    readonly appUrl: string;
    /** Key for deriving invitation tokens (see activities/invitation-token.ts). */
    readonly tokenSecret: string;
  };
  /** RECONCILE_*, CANARY_*, RECONCILER_ENABLED (reconciler/config.ts). */
  readonly reconciler: ReconcilerConfig;
  /** WORKER_HTTP_HOST, WORKER_HTTP_PORT: /healthz, /readyz, /metrics. */
  readonly http: WorkerHttpConfig;
}

export type EnvResult = { ok: true; config: WorkerConfig } | { ok: false; problems: string[] };

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "environment"}: ${issue.message}`);
}

/** Reads the worker's configuration; empty variables count as unset. */
export function parseWorkerEnv(rawEnv: NodeJS.ProcessEnv, cwd = process.cwd()): EnvResult {
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined && value.trim() !== ""));
  const common = commonSchema.safeParse(env);
  const mode = env.WORKFLOW_MODE === "production" ? "production" : env.WORKFLOW_MODE === "local" ? "local" : undefined;
  const local = mode === "local" ? localSchema.safeParse(env) : undefined;
  const production = mode === "production" ? productionSchema.safeParse(env) : undefined;
  const reconciler = parseReconcilerEnv(env, mode ?? "local");
  const problems = [
    ...(common.success ? [] : problemsOf(common.error)),
    ...(local && !local.success ? problemsOf(local.error) : []),
    ...(production && !production.success ? problemsOf(production.error) : []),
    ...(reconciler.ok ? [] : reconciler.problems),
    // Checked by hand rather than with .refine(), which zod skips while other fields have issues.
    ...(mode === "production" && (env.SMTP_USER === undefined) !== (env.SMTP_PASSWORD === undefined)
      ? ["SMTP_USER, SMTP_PASSWORD: set both or neither"]
      : []),
    ...temporalSecurityProblems(env),
  ];
  if (!common.success || !reconciler.ok || problems.length > 0) return { ok: false, problems };

  const c = common.data;
  let providers: ProviderConfig;
  let tokenSecret: string;
  let appUrl: string;
  if (production?.success) {
    const p = production.data;
    providers = {
      mode: "production",
      dns: { apiUrl: p.DNS_API_URL, zoneId: p.DNS_ZONE_ID, apiToken: p.DNS_API_TOKEN, baseDomain: p.PLATFORM_BASE_DOMAIN, target: p.DNS_TARGET },
      smtp: {
        host: p.SMTP_HOST,
        port: p.SMTP_PORT,
        security: p.SMTP_SECURITY,
        ...(p.SMTP_USER !== undefined && p.SMTP_PASSWORD !== undefined ? { user: p.SMTP_USER, password: p.SMTP_PASSWORD } : {}),
      },
      emailFrom: p.EMAIL_FROM,
    };
    tokenSecret = p.INVITATION_TOKEN_SECRET;
    appUrl = p.APP_URL;
  } else if (local?.success) {
    const l = local.data;
    providers = {
      mode: "local",
      outboxDir: path.resolve(cwd, l.LOCAL_OUTBOX_DIR),
      baseDomain: l.PLATFORM_BASE_DOMAIN,
      dnsTarget: l.DNS_TARGET,
      emailFrom: l.EMAIL_FROM,
    };
    // Local mode needs no extra secret to be tried out: a key derived from the service_role key is
    // as private as that key, and stable across worker restarts (which is all tokens need, see
    // activities/invitation-token.ts).
    tokenSecret = c.INVITATION_TOKEN_SECRET ?? createHmac("sha256", c.SUPABASE_SERVICE_ROLE_KEY).update("invitation-token-secret").digest("hex");
    appUrl = l.APP_URL;
  } else {
    return { ok: false, problems: ["WORKFLOW_MODE: must be local or production"] };
  }
  return {
    ok: true,
    config: {
      supabaseUrl: c.SUPABASE_URL,
      serviceRoleKey: c.SUPABASE_SERVICE_ROLE_KEY,
      temporal: { address: c.TEMPORAL_ADDRESS, namespace: c.TEMPORAL_NAMESPACE, taskQueue: c.TEMPORAL_TASK_QUEUE, ...temporalSecurity(c) },
      ...(c.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: path.resolve(cwd, c.WORKFLOW_BUNDLE_PATH) } : {}),
      nodeEnv: c.NODE_ENV,
      providers,
      invitations: { appUrl: appUrl.replace(/\/+$/, ""), tokenSecret },
      reconciler: reconciler.reconciler,
      http: reconciler.http,
    },
  };
}

/** The message `main.ts` prints before exiting 1. */
export function formatEnvProblems(problems: readonly string[]): string {
  const noun = problems.length === 1 ? "problem" : "problems";
  return [`✖ the worker cannot start: ${problems.length} ${noun} in its environment`, ...problems.map((p) => `  - ${p}`)].join("\n");
}
