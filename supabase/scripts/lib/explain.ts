import type pg from "pg";

/**
 * The plan of the query inside a pending-events function (public.pending_bootstrap_events, public.pending_trigger_events), as it really runs (plpgsql, SECURITY
 * DEFINER, so EXPLAIN on the call would show only "Function Scan"): auto_explain logs the nested
 * statement's plan, and client_min_messages = log sends that log line to this session as a notice.
 * Needs a superuser session (LOAD); settings are transaction-local when called inside a transaction.
 */
export function explainPendingBootstrapEvents(client: pg.ClientBase, olderThan: string, limit: number): Promise<string> {
  return explainPendingQuery(client, "pending_bootstrap_events", "organizations_projection", olderThan, limit);
}

/** The same for public.pending_trigger_events, the generic sweep query over every trigger. */
export function explainPendingTriggerEvents(client: pg.ClientBase, olderThan: string, limit: number): Promise<string> {
  return explainPendingQuery(client, "pending_trigger_events", "events_awaiting_workflow", olderThan, limit);
}

async function explainPendingQuery(client: pg.ClientBase, fn: string, marker: string, olderThan: string, limit: number): Promise<string> {
  const plans: string[] = [];
  const onNotice = (notice: { message?: string | undefined }) => {
    if (notice.message?.includes("plan:")) plans.push(notice.message);
  };
  client.on("notice", onNotice);
  try {
    await client.query("load 'auto_explain'");
    await client.query(`select set_config('auto_explain.log_min_duration', '0', true),
                               set_config('auto_explain.log_nested_statements', 'on', true),
                               set_config('auto_explain.log_analyze', 'on', true),
                               set_config('auto_explain.log_timing', 'on', true),
                               set_config('client_min_messages', 'log', true)`);
    await client.query(`select * from public.${fn}(p_older_than => $1::interval, p_limit => $2)`, [olderThan, limit]);
    await client.query(`select set_config('auto_explain.log_min_duration', '-1', true), set_config('client_min_messages', 'notice', true)`);
  } finally {
    client.off("notice", onNotice);
  }
  const nested = plans.find((plan) => plan.includes(marker));
  if (!nested) throw new Error(`auto_explain reported no plan for the pending query (got ${plans.length} plan(s))`);
  return nested;
}
