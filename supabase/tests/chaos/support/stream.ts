/**
 * A stream of bootstrap requests as real admins send them: supabase-js `functions.invoke`, each
 * admin with their own token and an Idempotency-Key, retrying with the same key (and form) when the
 * answer is a 5xx or no answer at all — what a frontend that must not lose a click does. Anything
 * but 200 started / 202 queued / a retryable failure is recorded as a refusal (none is expected).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
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
  return createClient(url, anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
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
    const outcome = await invokeUntilAnswered(this.client, this.target.keys, "organization-bootstrap", form, (status) => this.count(status));
    this.retries += outcome.attempts - 1;
    if (outcome.status === 200 || outcome.status === 202) {
      this.accepted.push({
        organizationId: String(outcome.body.organizationId),
        eventId: String(outcome.body.eventId),
        status: outcome.status,
        attempts: outcome.attempts,
        admins: form.admins.length,
      });
    } else {
      this.refused.push(`HTTP ${outcome.status} after ${outcome.attempts} attempt(s): ${JSON.stringify(outcome.body).slice(0, 300)}`);
    }
  }
}

/**
 * One request as a frontend that must not lose a click sends it: a platform admin's token, one
 * Idempotency-Key, retried with the same key (and body) after a 5xx or no answer, until a 2xx, a 4xx
 * or GIVE_UP_MS. `count` sees every answer's status (0: none).
 */
async function invokeUntilAnswered(
  client: SupabaseClient,
  keys: SigningKeys,
  functionName: string,
  body: unknown,
  count: (status: number) => void,
): Promise<{ status: number; body: Record<string, unknown>; attempts: number }> {
  const token = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub: randomUUID(), ttlSeconds: 3600 });
  const idempotencyKey = randomUUID();
  const giveUpAt = Date.now() + GIVE_UP_MS;
  for (let attempt = 1; ; attempt += 1) {
    let status = 0;
    let answer: Record<string, unknown> = {};
    try {
      const result = await client.functions.invoke(functionName, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": idempotencyKey },
        body: body as Record<string, unknown>,
      });
      if (result.error instanceof FunctionsHttpError) {
        const response = result.error.context as Response;
        status = response.status;
        answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      } else if (!result.error) {
        status = result.response?.status ?? 200;
        answer = result.data as Record<string, unknown>;
      }
    } catch {
      status = 0;
    }
    count(status);
    if (status === 200 || status === 202 || (status !== 0 && status < 500) || Date.now() > giveUpAt) return { status, body: answer, attempts: attempt };
    await delay(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
  }
}

export interface AcceptedDeactivation {
  readonly organizationId: string;
  readonly eventId: string;
  readonly status: 200 | 202;
}

/**
 * Deactivation requests for `organizationIds` (active organizations), sent like the bootstraps and
 * interleaved with them: the second trigger under the same faults.
 */
export class DeactivationStream {
  readonly accepted: AcceptedDeactivation[] = [];
  readonly refused: string[] = [];
  readonly answers = new Map<number, number>();
  retries = 0;
  readonly done: Promise<void>;
  private readonly client: SupabaseClient;

  /** `pace(i)`: resolves when the i-th request (0-based) may go, so they spread over the bootstraps. */
  constructor(target: StreamTarget, organizationIds: readonly string[], concurrency: number, pace: (index: number) => Promise<void> = () => Promise.resolve()) {
    this.client = frontendClient(target.env.SUPABASE_URL, target.env.SUPABASE_ANON_KEY);
    const queue = [...organizationIds];
    let index = 0;
    const caller = async () => {
      for (let organizationId = queue.shift(); organizationId; organizationId = queue.shift()) {
        await pace(index++);
        const outcome = await invokeUntilAnswered(this.client, target.keys, "organization-deactivate",
          { organizationId, reason: "chaos: deactivated during a fault" },
          (status) => this.answers.set(status, (this.answers.get(status) ?? 0) + 1));
        this.retries += outcome.attempts - 1;
        if (outcome.status === 200 || outcome.status === 202) {
          this.accepted.push({ organizationId, eventId: String(outcome.body.eventId), status: outcome.status });
        } else {
          this.refused.push(`${organizationId}: HTTP ${outcome.status} after ${outcome.attempts} attempt(s): ${JSON.stringify(outcome.body).slice(0, 300)}`);
        }
      }
    };
    this.done = Promise.all(Array.from({ length: Math.max(1, concurrency) }, caller)).then(() => undefined);
  }
}
