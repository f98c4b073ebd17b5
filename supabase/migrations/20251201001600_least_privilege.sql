-- Least privilege for the API roles (anon, authenticated, service_role), for real.
--
-- 1. Functions. PostgreSQL grants EXECUTE on every new function to PUBLIC, a built-in default that a
--    per-schema `alter default privileges in schema private revoke … from public` (migration
--    20251201000100) cannot remove: per-schema defaults are only added to the global ones. So every
--    private.* function was executable by PUBLIC, hence by every API role; only the missing USAGE on
--    schema private stood in the way. On top of that, Supabase's own default privileges (for role
--    postgres in schema public, supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql,
--    mirrored by supabase/local/sql/bootstrap.sql) grant EXECUTE on every new public function to anon,
--    authenticated and service_role.
--
--    From here on a function is executable by its owner only, until a migration grants it:
--    - existing private.* functions: revoked from PUBLIC and the API roles;
--    - existing public functions: revoked from PUBLIC (each already grants exactly the role it needs:
--      service_role for the event store and maintenance RPCs, supabase_auth_admin for the token hook);
--    - future functions created by postgres (the role migrations run as, on a project and locally):
--      no PUBLIC grant in any schema (the global default), and no automatic grant to the API roles in
--      public (Supabase's per-schema default, which a per-schema entry can remove).
--    supabase/tests/api/privileges.test.ts lists every function and column the API roles can reach
--    and compares it with an allowlist.
--
--    Nothing that runs as an API role calls a private function: the public entry points are SECURITY
--    DEFINER (owned by postgres, so their private calls run as postgres); the projection triggers fire
--    inside them (PostgreSQL checks EXECUTE on a trigger function when the trigger is created, not when
--    it fires), and the RLS policies call only auth.jwt(), which stays executable by every role.
--    emit_domain_events is SECURITY INVOKER and calls only public.emit_domain_event (service_role).
--
-- 2. Invitation token hashes. token_hash was a column of public.invitations_projection, which platform
--    admins and service_role read over the Data API and receive over Realtime (postgres_changes sends
--    every column the subscriber's role may SELECT: realtime.apply_rls, supabase/realtime
--    priv/repo/tenant_schema/realtime/functions/apply_rls.sql). It moves to private.invitation_tokens,
--    which no API role can reach (no USAGE on private, no grant, not published), written by the same
--    projection trigger from invitation.created. Column privileges would also hide it from Realtime,
--    but they break every `select=*` on the table (PostgREST selects `*`, which needs every column)
--    and have to be repeated for each new column; a separate table has neither problem.
--    The hash stays in the invitation.created event (event_data.tokenHash): events are the source of
--    truth the projections are rebuilt from. domain_events is readable by service_role only.

-- 1. Functions --------------------------------------------------------------------------------------

revoke execute on all functions in schema private from public, anon, authenticated, service_role;
revoke execute on all functions in schema public from public;

alter default privileges for role postgres revoke execute on functions from public;
alter default privileges for role postgres in schema public revoke execute on functions from anon, authenticated, service_role;

-- 2. Invitation token hashes ------------------------------------------------------------------------

create table private.invitation_tokens (
  invitation_id uuid primary key references public.invitations_projection (id) on delete cascade,
  token_hash text not null,
  -- Hex SHA-256: a raw token would not fit this shape by accident.
  constraint invitation_tokens_token_hash_check check (token_hash ~ '^[0-9a-f]{64}$')
);

comment on table private.invitation_tokens is
  'SHA-256 of each invitation''s token, projected from invitation.created; unreachable by every API role.';

alter table private.invitation_tokens enable row level security;
revoke all on table private.invitation_tokens from public, anon, authenticated, service_role;

insert into private.invitation_tokens (invitation_id, token_hash)
select i.id, i.token_hash from public.invitations_projection i;

alter table public.invitations_projection drop column token_hash;

create or replace function private.project_invitation_event(p_event public.domain_events) returns void
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
      (id, organization_id, email, role, status, expires_at, created_at, updated_at)
    values
      (v_id, p_event.stream_id, d ->> 'email', d ->> 'role', 'pending',
       (d ->> 'expiresAt')::timestamptz, p_event.created_at, p_event.created_at);
    insert into private.invitation_tokens (invitation_id, token_hash) values (v_id, d ->> 'tokenHash');
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

-- The rebuild empties the token table with the projections (it references invitations_projection,
-- so TRUNCATE needs it named) and refills it through the same trigger function. CREATE OR REPLACE
-- keeps the function's owner and grants (service_role only).
create or replace function public.rebuild_projections() returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event public.domain_events;
  v_events bigint := 0;
begin
  lock table public.domain_events in share mode;
  truncate private.invitation_tokens, public.invitations_projection, public.organizations_projection;
  for v_event in select * from public.domain_events order by global_position loop
    perform private.apply_domain_event(v_event);
    v_events := v_events + 1;
  end loop;
  return jsonb_build_object(
    'events', v_events,
    'organizations', (select count(*) from public.organizations_projection),
    'invitations', (select count(*) from public.invitations_projection));
end
$$;
