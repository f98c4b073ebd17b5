-- pending_bootstrap_events: organization.bootstrap.initiated events whose stream has no
-- organization.bootstrap.workflow_started event yet, older than p_older_than, oldest first.
-- The reconciler's sweep calls it (service_role) and starts a workflow for each.
--
-- Why it reads the projection and not domain_events alone: the projection row is inserted by the
-- initiated event and gets bootstrap_workflow_id from the first workflow_started event, in the same
-- transaction as each event, so "bootstrap_workflow_id is null" is exactly "no workflow_started event".
-- A partial index over those rows holds only the pending ones, so the query costs O(pending) however
-- long the history. The event-only alternative (partial index on initiated events by created_at plus an
-- anti-join on workflow_started events) must walk every started bootstrap older than the first pending
-- one. `npm run bench:event-store` on 1,000,000 events (111,200 bootstraps, 100 pending; 2 shared
-- cores): this query p50 1.2 ms / p95 8.1 ms per call (0.2 ms inside Postgres), the event-only
-- anti-join with its best partial indexes p50 105 ms / p95 135 ms, growing with the history.

create index organizations_projection_awaiting_workflow_idx
  on public.organizations_projection (created_at, id)
  where bootstrap_workflow_id is null;

create function public.pending_bootstrap_events(
  p_older_than interval default interval '0 seconds',
  p_limit integer default 100
) returns setof public.domain_events
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_older_than is null or p_older_than < interval '0 seconds' then
    raise exception 'p_older_than must be a non-negative interval' using errcode = '22023';
  end if;
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception 'p_limit must be between 1 and 10000' using errcode = '22023';
  end if;
  return query
    select e.*
    from public.organizations_projection o
    join public.domain_events e on e.id = o.bootstrap_event_id
    where o.bootstrap_workflow_id is null
      and o.created_at <= now() - p_older_than
    order by o.created_at, o.id
    limit p_limit;
end
$$;

comment on function public.pending_bootstrap_events(interval, integer) is
  'Bootstrap events with no workflow_started event yet, older than p_older_than, oldest first (the reconciler sweep).';

revoke all on function public.pending_bootstrap_events(interval, integer) from public, anon, authenticated;
grant execute on function public.pending_bootstrap_events(interval, integer) to service_role;
