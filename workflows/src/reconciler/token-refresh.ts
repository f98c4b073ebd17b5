import type { RealtimeClient } from "@supabase/supabase-js";
import { errorMessage, type ReconcilerLog } from "./log.ts";

/** Refresh this long before `exp`, so the server never closes the channel for an expired token. */
const MARGIN_MS = 60_000;
/** setTimeout's ceiling (~24.8 days); tokens living longer are checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The `exp` of a JWT in ms, or undefined for an opaque key or a JWT without one (local API keys). */
export function jwtExpiryMs(token: string | null | undefined): number | undefined {
  const payload = token?.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the Realtime access token fresh. supabase-js gives realtime-js an `accessToken` callback
 * (the signed-in session's token, else the client's key) and realtime-js calls it on every heartbeat;
 * this adds a refresh shortly before the current token's `exp`, so a user token never lapses between
 * heartbeats, and says once, plainly, when a token expires and no refresh changes it (a static key).
 * The service_role key of the local stack has no `exp`: then nothing is scheduled.
 */
export class TokenRefresher {
  private timer: NodeJS.Timeout | undefined;
  private warnedFor: number | undefined;

  constructor(private readonly realtime: RealtimeClient, private readonly log: ReconcilerLog) {}

  watch(minDelayMs = 1000): void {
    clearTimeout(this.timer);
    const expiresAt = jwtExpiryMs(this.realtime.accessTokenValue);
    if (expiresAt === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(minDelayMs, expiresAt - MARGIN_MS - Date.now()));
    this.timer = setTimeout(() => void this.refresh(expiresAt), delay);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async refresh(previousExpiry: number): Promise<void> {
    try {
      await this.realtime.setAuth();
    } catch (error) {
      this.log.warn("Realtime token refresh failed", { error: errorMessage(error) });
    }
    const expiresAt = jwtExpiryMs(this.realtime.accessTokenValue);
    const renewed = expiresAt === undefined || expiresAt > previousExpiry;
    if (!renewed && this.warnedFor !== expiresAt) {
      this.warnedFor = expiresAt;
      this.log.warn("the Realtime token expires and no refresh renews it: the channel will close then and be resubscribed", {
        expiresAt: new Date(expiresAt).toISOString(),
      });
    }
    // Not renewed: look again in a minute rather than spinning on a token that cannot change.
    this.watch(renewed ? 1000 : MARGIN_MS);
  }
}
