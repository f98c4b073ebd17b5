import { randomUUID } from "node:crypto";
import { ApplicationFailure } from "@temporalio/activity";
import { FailureType } from "../workflows/failure-types.ts";
import { appendLine, DNS_LOG, readLocalDnsRecords } from "./local-outbox.ts";
import type { DnsProvider, DnsRecord } from "./types.ts";

/**
 * Offline DNS: records live in the outbox's change log. Behaves like the real API where it
 * matters to the workflow: a name is unique (a second create by the same organization returns the
 * existing record, by anyone else it is a conflict), and deleting twice is harmless.
 */
export function localDnsProvider(options: { outboxDir: string; baseDomain: string; target: string }): DnsProvider {
  return {
    async ensureRecord({ subdomain, organizationId }) {
      const name = `${subdomain}.${options.baseDomain}`;
      const existing = readLocalDnsRecords(options.outboxDir).get(name);
      if (existing) {
        if (existing.organizationId === organizationId) return { id: existing.id, name, type: "CNAME", content: existing.content };
        throw ApplicationFailure.create({
          type: FailureType.DnsRejected,
          message: `DNS name ${name} is already taken by another record`,
          nonRetryable: true,
        });
      }
      const record: DnsRecord = { id: randomUUID(), name, type: "CNAME", content: options.target };
      appendLine(options.outboxDir, DNS_LOG, { at: new Date().toISOString(), action: "create", record: { ...record, organizationId } });
      return record;
    },
    async removeRecord({ subdomain, organizationId }) {
      const existing = readLocalDnsRecords(options.outboxDir).get(`${subdomain}.${options.baseDomain}`);
      if (!existing || existing.organizationId !== organizationId) return false;
      appendLine(options.outboxDir, DNS_LOG, { at: new Date().toISOString(), action: "delete", record: existing });
      return true;
    },
  };
}
