/**
 * Conformance: the worker's Realtime subscription, exactly as the reconciler makes it (channel,
 * table and filter, with the service role), against the target Supabase. SUBSCRIBED is only the
 * join's answer; the server says the subscription is live in a `system` message, and only changes
 * committed after that are delivered.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { WORKFLOW_TRIGGERS } from "@org-bootstrap/shared/triggers/index.ts";
import { CHANNEL_NAME, triggerEventsFilter } from "../../../workflows/src/reconciler/realtime-listener.ts";
import { supabaseEventStore } from "../../functions/organization-bootstrap/event-store.ts";
import { conformanceTarget, targetClient } from "./support/target.ts";

const target = conformanceTarget();

/** Resolves with the first value `register` passes to its callback, or rejects after `ms`. */
function first<T>(what: string, ms: number, register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

test(`Realtime (${target.name}): the reconciler's subscription is confirmed by the server, then delivers a bootstrap inserted through the function's store`, async () => {
  const supabase = targetClient(target, target.serviceRoleKey);
  const rows: Array<Record<string, unknown>> = [];
  let onRow: (row: Record<string, unknown>) => void = () => {};
  let onSystem: (payload: { status?: string; message?: string; extension?: string }) => void = () => {};
  const channel = supabase
    .channel(CHANNEL_NAME)
    .on("postgres_changes", { event: "INSERT", schema: "public", table: "domain_events", filter: triggerEventsFilter(WORKFLOW_TRIGGERS.map((t) => t.eventType)) }, (payload) => {
      rows.push(payload.new);
      onRow(payload.new);
    })
    .on("system", {}, (payload: { status?: string; message?: string; extension?: string }) => onSystem(payload));
  try {
    const live = first<{ status?: string; message?: string }>("system message for postgres_changes", 10_000, (resolve) => {
      onSystem = (payload) => {
        if (payload.extension === "postgres_changes") resolve(payload);
      };
    });
    await first<void>("SUBSCRIBED", 10_000, (resolve) => {
      channel.subscribe((status) => {
        if (status === "SUBSCRIBED") resolve();
      });
    });
    const system = await live;
    assert.equal(system.status, "ok", `the server refused the subscription: ${system.message}`);

    const organizationId = crypto.randomUUID();
    const delivered = first<Record<string, unknown>>("bootstrap row", 3_000, (resolve) => {
      onRow = (row) => {
        if (row.stream_id === organizationId) resolve(row);
      };
    });
    const subdomain = `conf-${crypto.randomBytes(4).toString("hex")}`;
    const emitted = await supabaseEventStore(supabase).emitInitiated(organizationId, { name: "Realtime Conformance", subdomain, contactEmail: "ops@conformance.test", admins: [{ email: "ada@conformance.test" }] }, { source: "edge" });
    assert.equal(emitted.ok, true);
    const row = await delivered;
    assert.equal(row.event_type, EVENT_TYPES.bootstrapInitiated);
    assert.equal(row.id, emitted.ok ? emitted.eventId : undefined);
  } finally {
    await supabase.removeChannel(channel);
  }
});
