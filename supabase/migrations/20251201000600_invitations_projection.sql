-- Administrator invitations, projected from invitation.* events on the organization stream.
-- Only the SHA-256 of an invitation token is ever stored; the token itself lives in the email.

create table public.invitations_projection (
  id uuid primary key,                           -- event_data.invitationId
  organization_id uuid not null references public.organizations_projection (id) on delete cascade,
  email text not null,
  role text not null,
  token_hash text not null,
  status text not null default 'pending',
  expires_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint invitations_projection_status_check check (status in ('pending', 'sent', 'accepted', 'revoked', 'expired')),
  constraint invitations_projection_email_check check (email ~ '^[^@\s]+@[^@\s]+$'),
  constraint invitations_projection_role_check check (role ~ '^[a-z][a-z0-9_]{0,62}$'),
  -- Hex SHA-256: a raw token would not fit this shape by accident.
  constraint invitations_projection_token_hash_check check (token_hash ~ '^[0-9a-f]{64}$')
);

create index invitations_projection_organization_id_idx on public.invitations_projection (organization_id);

comment on table public.invitations_projection is
  'Invitations, projected from domain_events by trigger. Read-only for every API role.';

alter table public.invitations_projection enable row level security;
revoke all on table public.invitations_projection from public, anon, authenticated, service_role;
grant select on table public.invitations_projection to authenticated, service_role;

create policy "platform admins read invitations"
  on public.invitations_projection for select to authenticated
  using ((select auth.jwt() ->> 'app_role') = 'platform_admin');
