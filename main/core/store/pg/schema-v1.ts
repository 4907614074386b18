/**
 * Version 1 of the PostgreSQL schema: the store's tables and `ip_admit`, the limiter's one-round-trip admission.
 * Never edit a released version: add the next one to migrations.ts.
 */
export const SCHEMA_V1 = `
CREATE TABLE ip_users (
  id serial PRIMARY KEY,
  username text NOT NULL,
  email text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ip_users_username ON ip_users (lower(username));

CREATE TABLE ip_keys (
  id serial PRIMARY KEY,
  user_id integer NOT NULL,
  name text NOT NULL,
  hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  limits jsonb NOT NULL
);
CREATE INDEX ip_keys_user ON ip_keys (user_id);

-- Usage per key x model x endpoint x provider x hour ('' = no provider).
CREATE TABLE ip_usage (
  key_id integer NOT NULL,
  model text NOT NULL,
  endpoint text NOT NULL,
  provider text NOT NULL,
  bucket timestamptz NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_input_tokens bigint NOT NULL,
  PRIMARY KEY (key_id, bucket, model, endpoint, provider)
);

CREATE TABLE ip_requests (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL,
  key_id integer,
  user_id integer,
  endpoint text NOT NULL,
  model text,
  backend_model text,
  provider text,
  attempts jsonb NOT NULL,
  session_id text,
  status integer NOT NULL,
  latency_ms integer NOT NULL,
  stream boolean NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  usage_estimated boolean NOT NULL,
  error text
);
CREATE INDEX ip_requests_key ON ip_requests (key_id, id);
CREATE INDEX ip_requests_time ON ip_requests (time);
CREATE INDEX ip_requests_session ON ip_requests (session_id, id) WHERE session_id IS NOT NULL;

CREATE TABLE ip_settings (id integer PRIMARY KEY CHECK (id = 1), doc jsonb NOT NULL);
CREATE TABLE ip_meta (name text PRIMARY KEY, value text NOT NULL);

-- Flush batches already written (a retried batch whose commit was lost is not counted twice).
CREATE TABLE ip_flushes (id uuid PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());

-- Instances alive (heartbeat every flush); leases of an instance silent for 5 s no longer count.
CREATE TABLE ip_instances (id uuid PRIMARY KEY, seen_at timestamptz NOT NULL);

-- Requests admitted and not yet written: a concurrency slot while active; tokens until the flush that writes their
-- usage deletes them (the estimate while in flight, what was really used once settled).
CREATE TABLE ip_leases (
  id bigserial PRIMARY KEY,
  key_id integer NOT NULL,
  instance_id uuid NOT NULL,
  reserved bigint NOT NULL,
  active boolean NOT NULL,
  settled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ip_leases_key ON ip_leases (key_id);

CREATE TABLE ip_rpm_hits (key_id integer NOT NULL, at timestamptz NOT NULL);
CREATE INDEX ip_rpm_hits_key ON ip_rpm_hits (key_id, at);

-- Admits one request of a key, exactly across instances: the key's advisory lock serialises its admissions, and
-- what has been used (usage written) and reserved (leases) is read in ONE statement, so a flush committing
-- meanwhile (usage in, lease out) is seen wholly or not at all. Limits are NULL when absent; p_estimate may be
-- 'Infinity'. Returns ok, or the refusal with the longest wait: lim is the limit ('tokens_per_day:used',
-- 'tokens_per_day:reserved', 'requests_per_minute'...) and wait_ms the wait. used_day/used_month: tokens counted.
CREATE FUNCTION ip_admit(
  p_key integer, p_instance uuid, p_rpm integer, p_conc integer, p_day bigint, p_month bigint,
  p_estimate double precision,
  OUT ok boolean, OUT lim text, OUT wait_ms bigint, OUT lease_id bigint, OUT used_day bigint, OUT used_month bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_day timestamptz := date_trunc('day', v_now, 'UTC');
  v_month timestamptz := date_trunc('month', v_now, 'UTC');
  v_hits integer := 0;
  v_active integer;
  v_reserved bigint;
  v_settled bigint;
  v_holders integer;
  v_left bigint := NULL;
  v_left_lim text;
  v_left_budget bigint;
  v_wait bigint;
  v_edge timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(815001, p_key);
  ok := true; wait_ms := -1;
  -- The caller is alive (its heartbeat may lag after a pause): its leases must count from this one on.
  IF NOT EXISTS (SELECT 1 FROM ip_instances WHERE id = p_instance AND seen_at > v_now - interval '2 seconds') THEN
    INSERT INTO ip_instances (id, seen_at) VALUES (p_instance, v_now) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at;
  END IF;
  SELECT
    coalesce((SELECT sum(u.input_tokens + u.output_tokens) FROM ip_usage u WHERE u.key_id = p_key AND u.bucket >= v_day), 0),
    coalesce((SELECT sum(u.input_tokens + u.output_tokens) FROM ip_usage u WHERE u.key_id = p_key AND u.bucket >= v_month), 0),
    coalesce(sum(l.reserved) FILTER (WHERE l.settled), 0),
    coalesce(sum(l.reserved) FILTER (WHERE l.reserved > 0 AND NOT l.settled), 0),
    count(*) FILTER (WHERE l.reserved > 0 AND NOT l.settled),
    count(*) FILTER (WHERE l.active)
  INTO used_day, used_month, v_settled, v_reserved, v_holders, v_active
  FROM ip_leases l JOIN ip_instances i ON i.id = l.instance_id
  WHERE l.key_id = p_key AND i.seen_at > v_now - interval '5 seconds';

  -- Settled requests' tokens are used tokens not yet written as usage.
  used_day := used_day + v_settled; used_month := used_month + v_settled;
  IF p_day IS NOT NULL THEN
    IF used_day >= p_day THEN
      v_wait := (extract(epoch FROM (v_day + interval '1 day') - v_now) * 1000)::bigint;
      IF v_wait > wait_ms THEN ok := false; lim := 'tokens_per_day:used'; wait_ms := v_wait; END IF;
    ELSE
      v_left := p_day - used_day; v_left_lim := 'tokens_per_day'; v_left_budget := p_day;
    END IF;
  END IF;
  IF p_month IS NOT NULL THEN
    IF used_month >= p_month THEN
      v_wait := (extract(epoch FROM (v_month + interval '1 month') - v_now) * 1000)::bigint;
      IF v_wait > wait_ms THEN ok := false; lim := 'tokens_per_month:used'; wait_ms := v_wait; END IF;
    ELSIF v_left IS NULL OR p_month - used_month < v_left THEN
      v_left := p_month - used_month; v_left_lim := 'tokens_per_month'; v_left_budget := p_month;
    END IF;
  END IF;
  IF ok AND v_left IS NOT NULL AND v_holders > 0 AND v_reserved + p_estimate > v_left THEN
    IF 1000 > wait_ms THEN ok := false; lim := v_left_lim || ':reserved'; wait_ms := 1000; END IF;
  END IF;
  IF p_conc IS NOT NULL AND v_active >= p_conc THEN
    IF 1000 > wait_ms THEN ok := false; lim := 'concurrent_streams'; wait_ms := 1000; END IF;
  END IF;
  IF p_rpm IS NOT NULL THEN
    DELETE FROM ip_rpm_hits WHERE key_id = p_key AND at <= v_now - interval '60 seconds';
    SELECT count(*) INTO v_hits FROM ip_rpm_hits WHERE key_id = p_key;
    IF v_hits + 1 > p_rpm THEN
      IF p_rpm <= 0 THEN
        v_wait := 60000;
      ELSE
        -- The hit whose expiry lets one more in: the (hits + 1 - limit)-th oldest.
        SELECT at INTO v_edge FROM ip_rpm_hits WHERE key_id = p_key ORDER BY at OFFSET (v_hits - p_rpm) LIMIT 1;
        v_wait := greatest(1, ceil(extract(epoch FROM (v_edge + interval '60 seconds') - v_now) * 1000))::bigint;
      END IF;
      IF v_wait > wait_ms THEN ok := false; lim := 'requests_per_minute'; wait_ms := v_wait; END IF;
    END IF;
  END IF;
  IF NOT ok THEN RETURN; END IF;
  wait_ms := 0;
  IF p_rpm IS NOT NULL THEN INSERT INTO ip_rpm_hits (key_id, at) VALUES (p_key, v_now); END IF;
  IF p_conc IS NOT NULL OR v_left IS NOT NULL THEN
    INSERT INTO ip_leases (key_id, instance_id, reserved, active)
    VALUES (p_key, p_instance, CASE WHEN v_left IS NULL THEN 0 ELSE least(p_estimate, v_left_budget::double precision)::bigint END, true)
    RETURNING id INTO lease_id;
  END IF;
END
$fn$;
`;
