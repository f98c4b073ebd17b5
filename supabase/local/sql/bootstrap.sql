-- What a real Supabase project provides before any project migration runs.
-- Idempotent: on a real project (SUPABASE_DB_URL) everything here already exists and is left alone.

do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    -- The gateway logs in as authenticator and switches to the caller's role per request, as PostgREST does.
    create role authenticator login noinherit password 'postgres';
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;

-- Supabase's defaults: API roles may use public and get table/function/sequence privileges by default;
-- row level security and explicit REVOKEs are what actually restrict them.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

-- Supabase Auth's own role. Auth connects as it, owns the auth schema's tables, and is the role the
-- custom access token hook runs as. The local Auth stand-in switches to it per transaction
-- (`set local role`), so it never logs in: nologin. Not a superuser and no bypassrls, as on a project.
do $$
begin
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin nologin noinherit;
  end if;
end
$$;

-- The parts of Supabase Auth's schema (supabase/auth, migrations/) that sign-up, sign-in, refresh,
-- getUser and logout use, with the real column names and types, so that product migrations
-- (`references auth.users`) and the hook see what they see on a project. Created once, owned by
-- supabase_auth_admin; on a project (or a local cluster that has them) this block does nothing.
do $$
begin
  if exists (select from pg_tables where schemaname = 'auth' and tablename = 'users') then
    return;
  end if;
  alter schema auth owner to supabase_auth_admin;

  create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');

  create table auth.users (
    instance_id uuid null,
    id uuid not null primary key,
    aud varchar(255) null,
    role varchar(255) null,
    email varchar(255) null,
    encrypted_password varchar(255) null,
    email_confirmed_at timestamptz null,
    invited_at timestamptz null,
    confirmation_token varchar(255) null,
    confirmation_sent_at timestamptz null,
    recovery_token varchar(255) null,
    recovery_sent_at timestamptz null,
    email_change_token_new varchar(255) null,
    email_change varchar(255) null,
    email_change_sent_at timestamptz null,
    last_sign_in_at timestamptz null,
    raw_app_meta_data jsonb null,
    raw_user_meta_data jsonb null,
    is_super_admin boolean null,
    created_at timestamptz null,
    updated_at timestamptz null,
    phone text null unique default null,
    phone_confirmed_at timestamptz null default null,
    phone_change text null default '',
    phone_change_token varchar(255) null default '',
    phone_change_sent_at timestamptz null default null,
    confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    email_change_token_current varchar(255) null default '',
    email_change_confirm_status smallint null default 0 check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
    banned_until timestamptz null,
    reauthentication_token varchar(255) null default '',
    reauthentication_sent_at timestamptz null default null,
    is_sso_user boolean not null default false,
    deleted_at timestamptz null,
    is_anonymous boolean not null default false
  );
  create unique index users_email_partial_key on auth.users (email) where (is_sso_user = false);
  create index users_instance_id_idx on auth.users (instance_id);
  create index users_is_anonymous_idx on auth.users (is_anonymous);
  comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

  create table auth.sessions (
    id uuid not null primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    created_at timestamptz null,
    updated_at timestamptz null,
    factor_id uuid null,
    aal auth.aal_level null,
    not_after timestamptz null,
    refreshed_at timestamp without time zone null,
    user_agent text null,
    ip inet null,
    tag text null
  );
  create index sessions_user_id_idx on auth.sessions (user_id);
  comment on table auth.sessions is 'Auth: Stores session data associated to a user.';

  -- Refresh tokens as Auth's algorithm v1 keeps them (the one supabase start runs): one row per token,
  -- `parent` the token it replaced, revoked once exchanged. Only supabase_auth_admin and postgres read it.
  create table auth.refresh_tokens (
    instance_id uuid null,
    id bigserial primary key,
    token varchar(255) null unique,
    user_id varchar(255) null,
    revoked boolean null,
    created_at timestamptz null,
    updated_at timestamptz null,
    parent varchar(255) null,
    session_id uuid null references auth.sessions (id) on delete cascade
  );
  create index refresh_tokens_parent_idx on auth.refresh_tokens (parent);
  create index refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
  comment on table auth.refresh_tokens is 'Auth: Store of tokens used to refresh JWT tokens once they expire.';

  alter type auth.aal_level owner to supabase_auth_admin;
  alter table auth.users owner to supabase_auth_admin;
  alter table auth.sessions owner to supabase_auth_admin;
  alter table auth.refresh_tokens owner to supabase_auth_admin;
  -- As Auth's own migration 20240612123726 does: RLS on (no policy: API roles see nothing), and
  -- postgres may read (and re-grant) the tables, e.g. for `npm run admin:grant`'s look-up by e-mail.
  alter table auth.users enable row level security;
  alter table auth.sessions enable row level security;
  alter table auth.refresh_tokens enable row level security;
  grant select on auth.users, auth.sessions, auth.refresh_tokens to postgres with grant option;
end
$$;

do $$
begin
  if not exists (select from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  name text,
  statements text[],
  applied_at timestamptz not null default now()
);
