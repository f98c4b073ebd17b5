-- An idempotency key names one request, not just one event: find_idempotent_event (used by both
-- emit_domain_event overloads, and so by emit_domain_events) now also compares the request.
--
-- Why: the edge function checked a replayed Idempotency-Key's form by reading the stream before
-- emitting. Two requests with one key and different forms, sent together, both read nothing, both
-- emitted, and the second emit returned the first one's id: both callers got 200, and one form was
-- silently dropped. The comparison now happens here, under the stream's advisory lock that every
-- emit takes before this lookup, so exactly one request wins and every other one is refused, however
-- they interleave.
--
-- The rule: when the event already recorded with this idempotency key and the new emit BOTH carry
-- event_metadata.request_hash (a digest of the request the writer is carrying out) and the two
-- differ, the emit fails with SQLSTATE PT422 and writes nothing. PT422 is PostgREST's form for "this
-- function chose HTTP status 422", the API's answer for a reused key (`idempotency_key_reused`;
-- shared/src/events/sql-errors.ts: SQLSTATE.idempotentRequestMismatch). Writers that send no
-- request_hash (activities, the reconciler, the seed) keep the old behaviour: the same key returns the
-- first event's id. The same key for another event type is still 22023.
--
-- CREATE OR REPLACE keeps the function's owner and privileges.

create or replace function private.find_idempotent_event(
  p_stream_type text, p_stream_id uuid, p_event_type text, p_event_metadata jsonb
) returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  v_id uuid;
  v_event_type text;
  v_metadata jsonb;
begin
  if p_event_metadata is null or not p_event_metadata ? 'idempotency_key' then
    return null;
  end if;
  select e.id, e.event_type, e.event_metadata into v_id, v_event_type, v_metadata
  from public.domain_events e
  where e.stream_type = p_stream_type
    and e.stream_id = p_stream_id
    and e.event_metadata ? 'idempotency_key'
    and e.event_metadata ->> 'idempotency_key' = p_event_metadata ->> 'idempotency_key';
  if v_id is null then
    return null;
  end if;
  if v_event_type <> p_event_type then
    raise exception 'idempotency key "%" was already used on this stream for %, not %',
      p_event_metadata ->> 'idempotency_key', v_event_type, p_event_type
      using errcode = '22023', hint = 'use one idempotency key per logical event';
  end if;
  if v_metadata ? 'request_hash' and p_event_metadata ? 'request_hash'
     and (v_metadata -> 'request_hash') is distinct from (p_event_metadata -> 'request_hash') then
    raise exception 'idempotency key "%" was already used on this stream for a different request',
      p_event_metadata ->> 'idempotency_key'
      using errcode = 'PT422',
            hint = 'send the same request again to get the recorded answer, or use a new idempotency key';
  end if;
  return v_id;
end
$$;

comment on function private.find_idempotent_event(text, uuid, text, jsonb) is
  'The id of the event already written with this idempotency key on this stream, if any; 22023 for another event type, PT422 for another request_hash.';
