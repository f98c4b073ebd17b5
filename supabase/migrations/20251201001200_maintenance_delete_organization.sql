-- The deliberate maintenance path: remove one (test) organization's events and projection rows.
-- It is the only code that sets event_store.maintenance, which the append-only trigger honours for
-- DELETE; the flag is transaction-local and switched off again before returning. service_role only;
-- used by `npm run db:cleanup` (supabase/scripts/cleanup-organization.ts).

create function public.maintenance_delete_organization(p_organization_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_subdomain text;
  v_invitations bigint;
  v_organizations bigint;
  v_events bigint;
begin
  if p_organization_id is null then
    raise exception 'p_organization_id is required' using errcode = '22004';
  end if;
  -- Waits for in-flight emits on this stream, and keeps new ones out until we commit.
  perform private.lock_stream('organization', p_organization_id);
  perform set_config('event_store.maintenance', 'on', true);

  delete from public.invitations_projection i where i.organization_id = p_organization_id;
  get diagnostics v_invitations = row_count;
  delete from public.organizations_projection o where o.id = p_organization_id returning o.subdomain into v_subdomain;
  get diagnostics v_organizations = row_count;
  delete from public.domain_events e where e.stream_type = 'organization' and e.stream_id = p_organization_id;
  get diagnostics v_events = row_count;

  perform set_config('event_store.maintenance', 'off', true);
  return jsonb_build_object(
    'organization_id', p_organization_id,
    'subdomain', v_subdomain,
    'events', v_events,
    'organizations', v_organizations,
    'invitations', v_invitations);
end
$$;

create function public.maintenance_delete_organization(p_subdomain text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  select coalesce(array_agg(o.id order by o.created_at), '{}') into v_ids
  from public.organizations_projection o
  where lower(o.subdomain) = lower(p_subdomain);
  if cardinality(v_ids) = 0 then
    raise exception 'no organization has subdomain "%"', p_subdomain
      using errcode = 'P0002', hint = 'to remove events without a projection row, pass the organization id';
  end if;
  if cardinality(v_ids) > 1 then
    raise exception '% organizations have used subdomain "%": %', cardinality(v_ids), p_subdomain,
      array_to_string(v_ids, ', ')
      using errcode = 'P0003', hint = 'pass one of them as the organization id';
  end if;
  return public.maintenance_delete_organization(p_organization_id => v_ids[1]);
end
$$;

comment on function public.maintenance_delete_organization(uuid) is
  'Maintenance: deletes one organization''s events and projection rows; returns what was removed.';
comment on function public.maintenance_delete_organization(text) is
  'Maintenance: as the uuid overload, for the one organization that used this subdomain.';

revoke all on function public.maintenance_delete_organization(uuid) from public, anon, authenticated;
revoke all on function public.maintenance_delete_organization(text) from public, anon, authenticated;
grant execute on function public.maintenance_delete_organization(uuid) to service_role;
grant execute on function public.maintenance_delete_organization(text) to service_role;
