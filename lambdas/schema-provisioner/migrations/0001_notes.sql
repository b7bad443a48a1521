-- The notes template every micro app starts from. Runs as the tenant role, whose search_path is the
-- tenant's schema, so names stay unqualified. One statement per Data API call: no semicolons in comments.

-- Notes of all the tenant's apps, each row owned by one app: every query filters by app_id.
CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id text NOT NULL,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body text NOT NULL DEFAULT '' CHECK (char_length(body) <= 20000),
  tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- Keyset pagination: newest first within one app, the id breaking ties between equal timestamps.
CREATE INDEX notes_app_keyset_idx ON notes (app_id, created_at DESC, id DESC);

-- The tag filter (tags @> ARRAY[tag]).
CREATE INDEX notes_tags_idx ON notes USING gin (tags);

-- Idempotency-Key records of POST /v1/notes, per app (the schema already scopes them to the tenant).
-- The key row is claimed first and the response stored in the same transaction, so other
-- transactions never see a claimed key without its response.
-- Retention: a scheduled job deletes keys older than 24 hours (created_at index below), and a key
-- older than that is treated as new even before the job has run.
CREATE TABLE idempotency_keys (
  app_id text NOT NULL,
  key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 128),
  request_hash text NOT NULL,
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, key),
  CHECK ((response_status IS NULL) = (response_body IS NULL))
);

CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
