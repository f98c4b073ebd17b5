-- The minimum every known event must carry, checked on insert so a bad writer cannot corrupt the
-- projections. The full payload schemas (formats, lengths, optional keys) are the zod schemas in
-- shared/src/events/payloads.ts; supabase/tests checks that the two agree. Unknown event types are
-- stored unchecked and ignored by the projections (forward compatibility).

create function private.domain_event_contract() returns jsonb
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
    "reconciler.canary":                       {"stream_type": "reconciler",   "required": {}}
  }'::jsonb
$$;

create function private.validate_domain_event() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_contract jsonb := private.domain_event_contract() -> new.event_type;
  v_problems text[] := '{}';
  v_key text;
  v_type text;
begin
  if new.event_metadata ? 'idempotency_key'
     and (jsonb_typeof(new.event_metadata -> 'idempotency_key') <> 'string'
          or char_length(new.event_metadata ->> 'idempotency_key') not between 1 and 200) then
    raise exception 'event_metadata.idempotency_key must be a string of 1 to 200 characters'
      using errcode = '22023';
  end if;

  if v_contract is null then
    return new;
  end if;

  if new.stream_type is distinct from v_contract ->> 'stream_type' then
    raise exception '% belongs on a stream of type %, not %',
      new.event_type, v_contract ->> 'stream_type', coalesce(new.stream_type, 'null')
      using errcode = '22023';
  end if;

  for v_key, v_type in select key, value #>> '{}' from jsonb_each(v_contract -> 'required') order by key loop
    if jsonb_typeof(new.event_data -> v_key) is distinct from v_type then
      v_problems := v_problems || format('%s (%s)', v_key, v_type);
    end if;
  end loop;
  if cardinality(v_problems) > 0 then
    raise exception '% event_data lacks required key(s): %', new.event_type, array_to_string(v_problems, ', ')
      using errcode = '22023',
            hint = 'payload schemas are in shared/src/events/payloads.ts';
  end if;
  return new;
end
$$;

-- BEFORE INSERT triggers fire in name order: validate (1) before ordering (2).
create trigger domain_events_1_validate
  before insert on public.domain_events
  for each row execute function private.validate_domain_event();
