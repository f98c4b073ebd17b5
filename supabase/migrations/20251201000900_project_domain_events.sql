-- Projections are maintained in the same transaction as the event: an AFTER INSERT trigger applies
-- each event, so a projection conflict (a taken subdomain, an impossible transition) rolls the event
-- back too. rebuild_projections() replays through the same functions, so live and rebuilt rows agree.
--
-- Errors: 23503 when the organization or invitation an event refers to does not exist, P0001 for a
-- transition the current status forbids, 23505 for a taken subdomain or a duplicate id. Transitions
-- that are repeats of the current state (a retried activity) are accepted as no-ops where harmless.

create function private.require_organization_status(p_event public.domain_events) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_status text;
begin
  select o.status into v_status from public.organizations_projection o where o.id = p_event.stream_id for update;
  if v_status is null then
    raise exception '% refers to organization %, which has no organization.bootstrap.initiated event',
      p_event.event_type, p_event.stream_id
      using errcode = '23503';
  end if;
  return v_status;
end
$$;

create function private.forbid_transition(p_event public.domain_events, p_status text) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception '% is not allowed for % % in status %', p_event.event_type,
    split_part(p_event.event_type, '.', 1), p_event.stream_id, p_status
    using errcode = 'P0001';
end
$$;

create function private.project_bootstrap_initiated(p_event public.domain_events) returns void
language plpgsql
set search_path = ''
as $$
declare
  d jsonb := p_event.event_data;
  v_constraint text;
begin
  insert into public.organizations_projection
    (id, name, subdomain, contact_email, status, bootstrap_event_id, created_at, updated_at)
  values
    (p_event.stream_id, d ->> 'name', d ->> 'subdomain', d ->> 'contactEmail', 'provisioning', p_event.id,
     p_event.created_at, p_event.created_at);
exception when unique_violation then
  get stacked diagnostics v_constraint = constraint_name;
  if v_constraint = 'organizations_projection_subdomain_key' then
    raise exception 'subdomain "%" is already taken', d ->> 'subdomain'
      using errcode = '23505', hint = 'choose another subdomain';
  end if;
  raise exception 'organization % has already been bootstrapped', p_event.stream_id
    using errcode = '23505';
end
$$;

create function private.project_organization_event(p_event public.domain_events) returns void
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
      update public.organizations_projection o
      set bootstrap_workflow_id = d ->> 'workflowId',
          bootstrap_run_id = d ->> 'runId',
          bootstrap_started_by = d ->> 'startedBy',
          updated_at = p_event.created_at
      where o.id = p_event.stream_id and o.bootstrap_workflow_id is null;

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

create function private.project_invitation_event(p_event public.domain_events) returns void
language plpgsql
set search_path = ''
as $$
declare
  d jsonb := p_event.event_data;
  v_id uuid := (d ->> 'invitationId')::uuid;
  v_status text;
  v_next text;
  v_allowed_from text[];
begin
  if p_event.event_type = 'invitation.created' then
    perform private.require_organization_status(p_event);
    insert into public.invitations_projection
      (id, organization_id, email, role, token_hash, status, expires_at, created_at, updated_at)
    values
      (v_id, p_event.stream_id, d ->> 'email', d ->> 'role', d ->> 'tokenHash', 'pending',
       (d ->> 'expiresAt')::timestamptz, p_event.created_at, p_event.created_at);
    return;
  end if;

  case p_event.event_type
    when 'invitation.sent' then v_next := 'sent'; v_allowed_from := array['pending', 'sent'];
    when 'invitation.accepted' then v_next := 'accepted'; v_allowed_from := array['pending', 'sent', 'accepted'];
    when 'invitation.revoked' then v_next := 'revoked'; v_allowed_from := array['pending', 'sent', 'expired', 'revoked'];
    when 'invitation.expired' then v_next := 'expired'; v_allowed_from := array['pending', 'sent', 'expired'];
    else return; -- a known invitation event no projection needs
  end case;

  select i.status into v_status
  from public.invitations_projection i
  where i.id = v_id and i.organization_id = p_event.stream_id
  for update;
  if v_status is null then
    raise exception '% refers to invitation %, which organization % does not have', p_event.event_type, v_id, p_event.stream_id
      using errcode = '23503';
  end if;
  if not v_status = any (v_allowed_from) then
    raise exception '% is not allowed for invitation % in status %', p_event.event_type, v_id, v_status
      using errcode = 'P0001';
  end if;
  update public.invitations_projection i
  set status = v_next, updated_at = p_event.created_at
  where i.id = v_id and i.status <> v_next;
end
$$;

-- The single entry point for live projection and replay.
create function private.apply_domain_event(p_event public.domain_events) returns void
language plpgsql
set search_path = ''
as $$
begin
  -- Unknown event types and other streams (e.g. reconciler.canary) are stored, never projected.
  if p_event.stream_type <> 'organization' or not private.domain_event_contract() ? p_event.event_type then
    return;
  end if;
  if p_event.event_type like 'organization.%' then
    perform private.project_organization_event(p_event);
  elsif p_event.event_type like 'invitation.%' then
    perform private.project_invitation_event(p_event);
  end if;
end
$$;

create function private.project_domain_event() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.apply_domain_event(new);
  return null;
end
$$;

create trigger domain_events_project
  after insert on public.domain_events
  for each row execute function private.project_domain_event();
