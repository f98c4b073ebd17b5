/**
 * A stream of bootstrap requests as real admins send them: supabase-js `functions.invoke`, each
 * admin with their own token and an Idempotency-Key, retrying with the same key (and form) when the
 * answer is a 5xx or no answer at all — what a frontend that must not lose a click does. Anything
 * but 200 started / 202 queued / a retryable failure is recorded as a refusal (none is expected).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import WebSocket from "ws";
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import { signUserToken } from "../../../local/src/auth/user-token.ts";
import type { SigningKeys } from "../../../local/src/auth/keys.ts";

export interface Accepted {
  readonly organizationId: string;
  readonly eventId: string;
  readonly status: 200 | 202;
  readonly attempts: number;
  readonly admins: number;
}

export interface StreamTarget {
  readonly env: { readonly SUPABASE_URL: string; readonly SUPABASE_ANON_KEY: string };
  readonly keys: SigningKeys;
}

/** How long one bootstrap may keep retrying (the longest outage plus recovery). */
const GIVE_UP_MS = 120_000;

export function chaosForm(): BootstrapRequest {
  const tag = randomBytes(6).toString("hex");
  return {
    name: `Chaos ${tag}`,
    subdomain: `c-${tag}`,
    contactEmail: `ops@${tag}.chaos.test`,
    admins: [{ email: `ada@${tag}.chaos.test`, firstName: "Ada" }, { email: `bob@${tag}.chaos.test` }],
  };
}

export function frontendClient(url: string, anonKey: string): SupabaseClient {
  return createClient(url, anonKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } });
}

export class BootstrapStream {
  readonly accepted: Accepted[] = [];
  /** Requests that were refused for good (4xx) or never answered in time: each is a failure. */
  readonly refused: string[] = [];
  /** Every answer by HTTP status (0 = no answer: connection refused or reset). */
  readonly answers = new Map<number, number>();
  retries = 0;
  readonly done: Promise<void>;
  private readonly client: SupabaseClient;

  constructor(private readonly target: StreamTarget, readonly total: number, concurrency: number) {
    this.client = frontendClient(target.env.SUPABASE_URL, target.env.SUPABASE_ANON_KEY);
    let next = 0;
    const caller = async () => {
      while (next < total) {
        next += 1;
        await this.bootstrapOnce();
      }
    };
    this.done = Promise.all(Array.from({ length: concurrency }, caller)).then(() => undefined);
  }

  /** Resolves once `count` bootstraps were accepted (or the stream ended). */
  async whenAccepted(count: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.done.then(() => (ended = true));
    while (this.accepted.length < count && !ended) {
      if (Date.now() > deadline) throw new Error(`only ${this.accepted.length} of ${count} bootstraps accepted within ${timeoutMs} ms`);
      await delay(25);
    }
  }

  private count(status: number): void {
    this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
  }

  private async bootstrapOnce(): Promise<void> {
    const form = chaosForm();
    const token = await signUserToken(this.target.keys, { appRole: PLATFORM_ADMIN_ROLE, sub: randomUUID(), ttlSeconds: 3600 });
    const idempotencyKey = randomUUID();
    const giveUpAt = Date.now() + GIVE_UP_MS;
    for (let attempt = 1; ; attempt += 1) {
      let status = 0;
      let body: Record<string, unknown> = {};
      try {
        const result = await this.client.functions.invoke("organization-bootstrap", {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": idempotencyKey },
          body: form,
        });
        if (result.error instanceof FunctionsHttpError) {
          const response = result.error.context as Response;
          status = response.status;
          body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        } else if (!result.error) {
          status = result.response?.status ?? 200;
          body = result.data as Record<string, unknown>;
        }
      } catch {
        status = 0;
      }
      this.count(status);
      if (status === 200 || status === 202) {
        this.accepted.push({
          organizationId: String(body.organizationId),
          eventId: String(body.eventId),
          status,
          attempts: attempt,
          admins: form.admins.length,
        });
        return;
      }
      if ((status !== 0 && status < 500) || Date.now() > giveUpAt) {
        this.refused.push(`HTTP ${status} after ${attempt} attempt(s): ${JSON.stringify(body).slice(0, 300)}`);
        return;
      }
      this.retries += 1;
      await delay(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }
}
