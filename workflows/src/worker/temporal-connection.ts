import fs from "node:fs";
import { z } from "zod";
import type { NativeConnectionOptions } from "@temporalio/worker";

/**
 * How the worker reaches a Temporal that is not a local dev server: Temporal Cloud with an API key,
 * or any Temporal (Cloud or self-hosted) with mTLS. The variable names are the proxy's
 * (workflows/src/proxy/env.ts), so one Secret can serve both.
 */
const filePath = (what: string) =>
  z.string().refine((value) => fs.existsSync(value) && fs.statSync(value).isFile(), `no such file: set it to the path of ${what}`);

export const temporalSecurityShape = {
  /** Temporal Cloud API key: sent as `authorization: Bearer …`; implies TLS. */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS_CERT: filePath("the client certificate (PEM) for mTLS to Temporal").optional(),
  TEMPORAL_TLS_KEY: filePath("the client certificate's private key (PEM)").optional(),
  TEMPORAL_TLS_CA: filePath("the CA bundle (PEM) that signed Temporal's server certificate").optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
};

type SecurityEnv = { [K in keyof typeof temporalSecurityShape]?: string | undefined };

export interface TemporalSecurity {
  /** Undefined: plaintext (a local dev server). */
  readonly tls?: NonNullable<Exclude<NativeConnectionOptions["tls"], boolean | null>>;
  readonly apiKey?: string;
}

/** Checked by hand rather than with .refine(), which zod skips while other fields have issues. */
export function temporalSecurityProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined)
    ? ["TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (mTLS) or neither"]
    : [];
}

/** TLS whenever any TLS setting or an API key is given: Temporal Cloud API keys require it. */
export function temporalSecurity(env: SecurityEnv): TemporalSecurity {
  const wantsTls = Boolean(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA || env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_SERVER_NAME);
  return {
    ...(wantsTls
      ? {
          tls: {
            ...(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY
              ? { clientCertPair: { crt: fs.readFileSync(env.TEMPORAL_TLS_CERT), key: fs.readFileSync(env.TEMPORAL_TLS_KEY) } }
              : {}),
            ...(env.TEMPORAL_TLS_CA ? { serverRootCACertificate: fs.readFileSync(env.TEMPORAL_TLS_CA) } : {}),
            ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
          },
        }
      : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

/** NativeConnection.connect's options for the worker's (single, shared) connection. */
export function temporalConnectionOptions(temporal: { address: string; namespace: string } & TemporalSecurity): NativeConnectionOptions {
  return {
    address: temporal.address,
    ...(temporal.tls ? { tls: temporal.tls } : {}),
    // The namespace header routes an API-key call on Temporal Cloud's regional endpoints; the proxy sends it too.
    ...(temporal.apiKey ? { apiKey: temporal.apiKey, metadata: { "temporal-namespace": temporal.namespace } } : {}),
  };
}
