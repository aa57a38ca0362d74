-- Notifications and webhooks (docs/notifications.md): the feed of what each organisation must
-- act on, its webhook subscriptions, and the outbox of deliveries with every attempt.
-- A notification and its outbox rows are written in the transaction of their cause (a ledger
-- unit of work, which holds the ledger head's row lock): so `seq` grows in commit order and
-- is the feed's cursor.

CREATE TABLE notifications (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  org_id uuid NOT NULL REFERENCES organisations (id),
  type text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
  at timestamptz NOT NULL,
  -- The id of what it is about (a transfer, an alert, an incident, ...).
  subject text NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX notifications_org_seq ON notifications (org_id, seq);

CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations (id),
  url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  -- The notification types delivered; empty: every type.
  types text[] NOT NULL,
  -- The signing key (the bytes behind `whsec_`): HMAC needs the key itself, so it is kept, and
  -- never answered, logged or ledgered (docs/notifications.md "The secret").
  secret bytea NOT NULL CHECK (length(secret) = 32),
  created_at timestamptz NOT NULL,
  deleted_at timestamptz
);
CREATE INDEX webhooks_live_org ON webhooks (org_id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  webhook_id uuid NOT NULL REFERENCES webhooks (id),
  notification_id uuid NOT NULL REFERENCES notifications (id),
  created_at timestamptz NOT NULL,
  -- pending (due at next_attempt_at), delivered, failed (attempts exhausted), cancelled (the
  -- webhook was deleted first).
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  delivered_at timestamptz,
  UNIQUE (webhook_id, notification_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);

CREATE TABLE webhook_delivery_attempts (
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id),
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  -- The receiver's HTTP status; null when no answer came (refused target, network, timeout).
  status_code integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
