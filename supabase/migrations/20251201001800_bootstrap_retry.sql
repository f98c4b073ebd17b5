-- bootstrap:retry, an operator's deliberate new run of a bootstrap whose run closed without success
-- (failed, terminated, timed out) while its organization is still provisioning. The new run records
-- organization.bootstrap.workflow_started with startedBy = 'retry' (keyed by its own run id, so it is
-- a new event), and the projection then names the new run.

alter table public.organizations_projection drop constraint organizations_projection_started_by_check;
alter table public.organizations_projection add constraint organizations_projection_started_by_check
  check (bootstrap_started_by in ('edge', 'realtime', 'sweep', 'retry'));

create or replace function private.project_organization_event(p_event public.domain_events) returns void
language plpgsql
set search_path = ''
as $$
declare
  d jsonb := p_event.event_data;
  v_status text;
begin
  if p_event.event_type = 'organization.bootstrap.initiated' then
    perform private.project_bootstrap_initiated(p_event);
    return;
  end if;

  v_status := private.require_organization_status(p_event);
  case p_event.event_type
    when 'organization.bootstrap.workflow_started' then
      -- The first path to record a start wins: a later record is a path that lost the race
      -- (Temporal answered "already started" to it), so it must not overwrite who did the work.
      -- A run an operator started with bootstrap:retry replaces the closed run it retries.
      update public.organizations_projection o
      set bootstrap_workflow_id = d ->> 'workflowId',
          bootstrap_run_id = d ->> 'runId',
          bootstrap_started_by = d ->> 'startedBy',
          updated_at = p_event.created_at
      where o.id = p_event.stream_id
        and (o.bootstrap_workflow_id is null or (d ->> 'startedBy' = 'retry' and o.bootstrap_run_id is distinct from d ->> 'runId'));

    when 'organization.created' then
      if v_status = 'failed' then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o set updated_at = p_event.created_at where o.id = p_event.stream_id;

    when 'organization.subdomain.provisioned' then
      if v_status = 'failed' then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o
      set subdomain_provisioned_at = coalesce(o.subdomain_provisioned_at, p_event.created_at),
          updated_at = p_event.created_at
      where o.id = p_event.stream_id;

    when 'organization.activated' then
      if v_status = 'failed' then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o
      set status = 'active', updated_at = p_event.created_at
      where o.id = p_event.stream_id and o.status <> 'active';

    when 'organization.bootstrap.failed' then
      if v_status = 'active' then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o
      set status = 'failed', failure_reason = d ->> 'reason', updated_at = p_event.created_at
      where o.id = p_event.stream_id;

    when 'organization.bootstrap.compensated' then
      if v_status <> 'failed' then perform private.forbid_transition(p_event, v_status); end if;
      -- Compensation has undone every step, DNS included: the subdomain is no longer provisioned and,
      -- with compensated_at set, drops out of the unique subdomain index for a new attempt.
      update public.organizations_projection o
      set compensated_at = coalesce(o.compensated_at, p_event.created_at),
          subdomain_provisioned_at = null,
          updated_at = p_event.created_at
      where o.id = p_event.stream_id;

    else
      null; -- a known organization event no projection needs
  end case;
end
$$;
