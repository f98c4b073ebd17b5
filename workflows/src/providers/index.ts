import { httpDnsProvider } from "./http-dns.ts";
import { localDnsProvider } from "./local-dns.ts";
import { localEmailProvider } from "./local-email.ts";
import { smtpEmailProvider } from "./smtp-email.ts";
import type { Providers } from "./types.ts";

export type { DnsProvider, DnsRecord, EmailMessage, EmailProvider, Providers } from "./types.ts";

/** What WORKFLOW_MODE selects: files under an outbox folder, or the real DNS API and SMTP server. */
export type ProviderConfig =
  | {
      readonly mode: "local";
      readonly outboxDir: string;
      readonly baseDomain: string;
      readonly dnsTarget: string;
      readonly emailFrom: string;
    }
  | {
      readonly mode: "production";
      readonly dns: { apiUrl: string; zoneId: string; apiToken: string; baseDomain: string; target: string };
      readonly smtp: { host: string; port: number; security: "starttls" | "tls" | "none"; user?: string; password?: string };
      readonly emailFrom: string;
    };

export function createProviders(config: ProviderConfig): Providers {
  switch (config.mode) {
    case "local":
      return {
        dns: localDnsProvider({ outboxDir: config.outboxDir, baseDomain: config.baseDomain, target: config.dnsTarget }),
        email: localEmailProvider({ outboxDir: config.outboxDir, from: config.emailFrom }),
      };
    case "production":
      return {
        dns: httpDnsProvider(config.dns),
        email: smtpEmailProvider({ ...config.smtp, from: config.emailFrom }),
      };
    default: {
      const unknownMode: never = config;
      throw new Error(`unknown provider mode ${JSON.stringify(unknownMode)}`);
    }
  }
}
