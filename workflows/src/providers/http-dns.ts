import { ApplicationFailure } from "@temporalio/activity";
import { FailureType } from "../workflows/failure-types.ts";
import type { DnsProvider, DnsRecord } from "./types.ts";

/**
 * DNS through a Cloudflare-style REST API (`/zones/{zone}/dns_records`, bearer token,
 * `{ success, errors, result }` envelopes). Creation is check-then-create, so a retried activity
 * finds the record its earlier attempt made instead of failing on "already exists". The record's
 * `comment` names the organization that owns it: removal touches only our own records.
 */
export interface HttpDnsOptions {
  /** e.g. `https://api.cloudflare.com/client/v4` */
  readonly apiUrl: string;
  readonly zoneId: string;
  readonly apiToken: string;
  /** Organizations live at `<subdomain>.<baseDomain>`. */
  readonly baseDomain: string;
  /** The CNAME target: the platform's ingress host. */
  readonly target: string;
  readonly timeoutMs?: number;
}

interface ApiRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  comment?: string | null;
}

/** The `comment` that marks a record as created for this organization. */
export function ownerComment(organizationId: string): string {
  return `org-bootstrap:${organizationId}`;
}

type ApiResult<T> =
  | { ok: true; result: T }
  | { ok: false; status: number; codes: number[]; message: string };

/** Cloudflare's "An A, AAAA, or CNAME record with that host already exists": a concurrent create won. */
const RECORD_ALREADY_EXISTS = 81053;

/** 429 and 5xx pass with time; any other refusal (bad token, bad zone, invalid record) will not. */
function failureFor(refusal: Extract<ApiResult<unknown>, { ok: false }>): ApplicationFailure {
  const transient = refusal.status === 429 || refusal.status >= 500;
  return ApplicationFailure.create({
    type: transient ? FailureType.DnsUnavailable : FailureType.DnsRejected,
    message: refusal.message,
    nonRetryable: !transient,
  });
}

export function httpDnsProvider(options: HttpDnsOptions): DnsProvider {
  const zoneUrl = `${options.apiUrl.replace(/\/+$/, "")}/zones/${encodeURIComponent(options.zoneId)}/dns_records`;

  async function request<T>(method: string, url: string, body?: unknown): Promise<ApiResult<T>> {
    const what = `DNS API ${method} ${new URL(url).pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${options.apiToken}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw ApplicationFailure.create({ type: FailureType.DnsUnavailable, message: `${what} failed: ${(error as Error).message}` });
    }
    const envelope = (await response.json().catch(() => undefined)) as
      | { success?: boolean; errors?: Array<{ code?: number; message?: string }>; result?: T }
      | undefined;
    if (response.ok && envelope?.success) return { ok: true, result: envelope.result as T };
    const errors = envelope?.errors ?? [];
    const detail = errors.map((e) => `${e.code ?? "?"} ${e.message ?? ""}`.trim()).join("; ") || response.statusText;
    return { ok: false, status: response.status, codes: errors.map((e) => e.code ?? 0), message: `${what} answered ${response.status}: ${detail}` };
  }

  async function findByName(name: string): Promise<ApiRecord | undefined> {
    const found = await request<ApiRecord[]>("GET", `${zoneUrl}?type=CNAME&name=${encodeURIComponent(name)}`);
    if (!found.ok) throw failureFor(found);
    return found.result[0];
  }

  function ours(found: ApiRecord, organizationId: string): DnsRecord {
    if (found.comment !== ownerComment(organizationId) || found.content !== options.target) {
      throw ApplicationFailure.create({
        type: FailureType.DnsRejected,
        message: `DNS name ${found.name} is already taken by another record`,
        nonRetryable: true,
      });
    }
    return { id: found.id, name: found.name, type: "CNAME", content: found.content };
  }

  return {
    async ensureRecord({ subdomain, organizationId }) {
      const name = `${subdomain}.${options.baseDomain}`;
      const existing = await findByName(name);
      if (existing) return ours(existing, organizationId);
      const created = await request<ApiRecord>("POST", zoneUrl, {
        type: "CNAME",
        name,
        content: options.target,
        ttl: 1,
        proxied: false,
        comment: ownerComment(organizationId),
      });
      if (created.ok) return ours(created.result, organizationId);
      if (created.codes.includes(RECORD_ALREADY_EXISTS)) {
        const winner = await findByName(name);
        if (winner) return ours(winner, organizationId);
      }
      throw failureFor(created);
    },
    async removeRecord({ subdomain, organizationId }) {
      const existing = await findByName(`${subdomain}.${options.baseDomain}`);
      if (!existing || existing.comment !== ownerComment(organizationId)) return false;
      const removed = await request<unknown>("DELETE", `${zoneUrl}/${encodeURIComponent(existing.id)}`);
      if (removed.ok || removed.status === 404) return true; // gone, by us or a concurrent attempt
      throw failureFor(removed);
    },
  };
}
