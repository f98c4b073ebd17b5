-- Deactivating an organization, the second event-triggered workflow (organization-deactivate):
-- organization.deactivation.requested (by the edge function, or by anyone with SQL) starts
-- organizationDeactivateWorkflow through the trigger registry; the workflow waits for the bootstrap,
-- revokes the open invitations, removes the DNS record and records organization.deactivated.
--
-- The subdomain is NOT released: a deactivated organization keeps it (the unique index counts every
-- organization that was not compensated), so a name a customer used never silently moves to another
-- one. Freeing it is a deliberate act: `npm run maintenance:delete-organization` removes the whole
-- organization, subdomain included.

alter table public.organizations_projection
  add column deactivation_requested_at timestamptz,
  add column deactivation_reason text,
  add column deactivation_workflow_id text,
  add column deactivation_run_id text,
  add column deactivation_started_by text,
  add column deactivated_at timestamptz,
  add constraint organizations_projection_deactivation_started_by_check
    check (deactivation_started_by in ('edge', 'realtime', 'sweep', 'retry')),
  add constraint organizations_projection_deactivated_when_requested
    check (deactivated_at is null or (deactivation_requested_at is not null and status = 'deactivated'));

alter table public.organizations_projection drop constraint organizations_projection_status_check;
alter table public.organizations_projection add constraint organizations_projection_status_check
  check (status in ('provisioning', 'active', 'failed', 'deactivated'));

-- A bootstrap that failed while a deactivation waited for it may be compensated, then deactivated.
alter table public.organizations_projection drop constraint organizations_projection_compensated_only_when_failed;
alter table public.organizations_projection add constraint organizations_projection_compensated_only_when_failed
  check (compensated_at is null or status in ('failed', 'deactivated'));

comment on column public.organizations_projection.deactivation_requested_at is
  'Set by organization.deactivation.requested: a deactivation is under way until deactivated_at.';
comment on column public.organizations_projection.deactivation_started_by is
  'Which path started the deactivation workflow first: edge | realtime | sweep.';

create or replace function private.domain_event_contract() returns jsonb
language sql immutable parallel safe
set search_path = ''
as $$
  select '{
    "organization.bootstrap.initiated":        {"stream_type": "organization", "required": {"name": "string", "subdomain": "string", "contactEmail": "string", "admins": "array"}},
    "organization.bootstrap.workflow_started": {"stream_type": "organization", "required": {"workflowId": "string", "runId": "string", "startedBy": "string"}},
    "organization.created":                    {"stream_type": "organization", "required": {}},
    "organization.subdomain.provisioned":      {"stream_type": "organization", "required": {"subdomain": "string"}},
    "invitation.created":                      {"stream_type": "organization", "required": {"invitationId": "string", "email": "string", "role": "string", "tokenHash": "string", "expiresAt": "string"}},
    "invitation.sent":                         {"stream_type": "organization", "required": {"invitationId": "string"}},
    "invitation.accepted":                     {"stream_type": "organization", "required": {"invitationId": "string"}},
    "invitation.revoked":                      {"stream_type": "organization", "required": {"invitationId": "string"}},
    "invitation.expired":                      {"stream_type": "organization", "required": {"invitationId": "string"}},
    "organization.activated":                  {"stream_type": "organization", "required": {}},
    "organization.bootstrap.failed":           {"stream_type": "organization", "required": {"reason": "string"}},
    "organization.bootstrap.compensated":      {"stream_type": "organization", "required": {}},
    "organization.deactivation.requested":     {"stream_type": "organization", "required": {"reason": "string"}},
    "organization.deactivation.workflow_started": {"stream_type": "organization", "required": {"workflowId": "string", "runId": "string", "startedBy": "string"}},
    "organization.deactivated":                {"stream_type": "organization", "required": {}},
    "reconciler.canary":                       {"stream_type": "reconciler",   "required": {}}
  }'::jsonb
$$;

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
      if v_status in ('failed', 'deactivated') then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o set updated_at = p_event.created_at where o.id = p_event.stream_id;

    when 'organization.subdomain.provisioned' then
      if v_status in ('failed', 'deactivated') then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o
      set subdomain_provisioned_at = coalesce(o.subdomain_provisioned_at, p_event.created_at),
          updated_at = p_event.created_at
      where o.id = p_event.stream_id;

    when 'organization.activated' then
      if v_status in ('failed', 'deactivated') then perform private.forbid_transition(p_event, v_status); end if;
      update public.organizations_projection o
      set status = 'active', updated_at = p_event.created_at
      where o.id = p_event.stream_id and o.status <> 'active';

    when 'organization.bootstrap.failed' then
      if v_status in ('active', 'deactivated') then perform private.forbid_transition(p_event, v_status); end if;
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

    when 'organization.deactivation.requested' then
      -- One deactivation per organization, of one that is (or is becoming) active: a failed bootstrap
      -- is undone by its compensation, and a second request would start nothing new.
      if v_status not in ('provisioning', 'active') then perform private.forbid_transition(p_event, v_status); end if;
      if exists (select 1 from public.organizations_projection o where o.id = p_event.stream_id and o.deactivation_requested_at is not null) then
        raise exception 'organization % is already being deactivated', p_event.stream_id
          using errcode = 'P0001', hint = 'deactivation_requested_at is set: watch organizations_projection for status deactivated';
      end if;
      update public.organizations_projection o
      set deactivation_requested_at = p_event.created_at,
          deactivation_reason = d ->> 'reason',
          updated_at = p_event.created_at
      where o.id = p_event.stream_id;

    when 'organization.deactivation.workflow_started' then
      -- As for the bootstrap: the first path to record the start is the one that started it.
      update public.organizations_projection o
      set deactivation_workflow_id = d ->> 'workflowId',
          deactivation_run_id = d ->> 'runId',
          deactivation_started_by = d ->> 'startedBy',
          updated_at = p_event.created_at
      where o.id = p_event.stream_id and o.deactivation_workflow_id is null and o.deactivation_requested_at is not null;

    when 'organization.deactivated' then
      if not exists (select 1 from public.organizations_projection o where o.id = p_event.stream_id and o.deactivation_requested_at is not null) then
        raise exception 'organization.deactivated is not allowed for organization % without a deactivation request', p_event.stream_id
          using errcode = 'P0001';
      end if;
      update public.organizations_projection o
      set status = 'deactivated',
          deactivated_at = coalesce(o.deactivated_at, p_event.created_at),
          updated_at = p_event.created_at
      where o.id = p_event.stream_id;

    else
      null; -- a known organization event no projection needs
  end case;
end
$$;
