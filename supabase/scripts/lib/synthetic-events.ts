import type pg from "pg";

/**
 * Bulk synthetic history for plan checks and the benchmark, written with set-based INSERTs straight
 * into domain_events (as the table owner), so every row still passes the validation, ordering and
 * projection triggers exactly as emit_domain_event's inserts do.
 *
 * Shape: `organizations` bootstraps. All but `pending` of them completed (9 events each: initiated,
 * workflow_started, created, subdomain.provisioned, 2 × invitation.created, 2 × invitation.sent,
 * activated); the `pending` ones have only their initiated event and are the newest, as in production
 * where the reconciler keeps up and only the last few seconds are unstarted.
 */
export const EVENTS_PER_COMPLETED_BOOTSTRAP = 9;

export interface SyntheticHistory {
  readonly organizations: number;
  readonly pending: number;
  readonly events: number;
}

/** The number of bootstraps that gives about `events` events with `pending` of them unstarted. */
export function historyFor(events: number, pending: number): SyntheticHistory {
  const completed = Math.max(0, Math.floor((events - pending) / EVENTS_PER_COMPLETED_BOOTSTRAP));
  return { organizations: completed + pending, pending, events: completed * EVENTS_PER_COMPLETED_BOOTSTRAP + pending };
}

const STEPS: ReadonlyArray<{ version: number; type: string; data: string; pendingToo?: true }> = [
  {
    version: 1, type: "organization.bootstrap.initiated", pendingToo: true,
    data: `jsonb_build_object('name', 'Synthetic ' || n, 'subdomain', s.tag || '-' || n, 'contactEmail', 'ops-' || n || '@synthetic.test',
             'admins', jsonb_build_array(jsonb_build_object('email', 'a-' || n || '@synthetic.test'), jsonb_build_object('email', 'b-' || n || '@synthetic.test')))`,
  },
  { version: 2, type: "organization.bootstrap.workflow_started", data: `jsonb_build_object('workflowId', 'org-bootstrap-' || s.org_id, 'runId', md5(s.org_id::text), 'startedBy', 'edge')` },
  { version: 3, type: "organization.created", data: `'{}'::jsonb` },
  { version: 4, type: "organization.subdomain.provisioned", data: `jsonb_build_object('subdomain', s.tag || '-' || n)` },
  { version: 5, type: "invitation.created", data: invitation("s.invite_a", "'a-'") },
  { version: 6, type: "invitation.created", data: invitation("s.invite_b", "'b-'") },
  { version: 7, type: "invitation.sent", data: `jsonb_build_object('invitationId', s.invite_a)` },
  { version: 8, type: "invitation.sent", data: `jsonb_build_object('invitationId', s.invite_b)` },
  { version: 9, type: "organization.activated", data: `'{}'::jsonb` },
];

function invitation(idColumn: string, emailPrefix: string): string {
  return `jsonb_build_object('invitationId', ${idColumn}, 'email', ${emailPrefix} || n || '@synthetic.test', 'role', 'organization_admin',
            'tokenHash', encode(sha256(${idColumn}::text::bytea), 'hex'), 'expiresAt', s.created_at + interval '7 days')`;
}

export interface InsertOptions {
  /**
   * Commit after every this many bootstraps (the caller must not be inside a transaction). Needed for
   * large histories: each initiated event holds a transaction-scoped advisory lock on its subdomain, and
   * one transaction can hold only about max_locks_per_transaction × max_connections locks (12,800 here).
   * Without it, everything goes into the caller's current transaction.
   */
  readonly commitEvery?: number;
  readonly onProgress?: (organizationsDone: number) => void;
}

/** Inserts the history one statement per step (per batch). Events are spaced 10 ms apart in created_at, ending now. */
export async function insertSyntheticHistory(
  client: pg.ClientBase,
  history: SyntheticHistory,
  tag: string,
  options: InsertOptions = {},
): Promise<void> {
  await client.query(
    `create temporary table synthetic_orgs as
     select n, gen_random_uuid() as org_id, gen_random_uuid() as invite_a, gen_random_uuid() as invite_b,
            $2::text as tag, n > $1 - $3 as pending,
            clock_timestamp() - ($1 - n + 1) * interval '10 ms' * ${EVENTS_PER_COMPLETED_BOOTSTRAP} as created_at
     from generate_series(1, $1::int) as n`,
    [history.organizations, tag, history.pending],
  );
  const batch = options.commitEvery ?? history.organizations;
  for (let first = 1; first <= history.organizations; first += batch) {
    const last = Math.min(history.organizations, first + batch - 1);
    if (options.commitEvery) await client.query("begin");
    for (const step of STEPS) {
      await client.query(
        `insert into public.domain_events (stream_id, stream_type, stream_version, event_type, event_data, event_metadata, created_at)
         select s.org_id, 'organization', ${step.version}, '${step.type}', ${step.data}, '{"source":"synthetic"}'::jsonb,
                s.created_at + ${step.version - 1} * interval '1 ms'
         from synthetic_orgs s
         where s.n between $1 and $2 ${step.pendingToo ? "" : "and not s.pending"}
         order by s.n`,
        [first, last],
      );
    }
    if (options.commitEvery) await client.query("commit");
    options.onProgress?.(last);
  }
  await client.query("drop table synthetic_orgs");
}
