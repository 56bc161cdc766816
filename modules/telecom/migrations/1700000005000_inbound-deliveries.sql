-- Up Migration
-- What arrives over HTTP is recorded before it is delivered (issue 10, items 1–2). A report or an
-- SMS reply is a row first, `pending` / `received`; its delivery to the instance is a claim on
-- that row, and a relay (src/engine/inbound.ts) delivers what a crash or an outage left
-- undelivered. The unique (work_order_id, request_id) makes one Idempotency-Key one row, whatever
-- the concurrency: a second INSERT waits for the first to commit, then finds it.
ALTER TABLE dispatch_technician_reports
  ADD COLUMN status       text        NOT NULL DEFAULT 'delivered' CHECK (status IN ('pending', 'delivered', 'rejected')),
  ADD COLUMN signal       text,
  ADD COLUMN attempts     integer     NOT NULL DEFAULT 0,
  ADD COLUMN claimed_at   timestamptz,
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN last_error   text;
ALTER TABLE dispatch_technician_reports ALTER COLUMN status SET DEFAULT 'pending';
CREATE INDEX dispatch_technician_reports_pending ON dispatch_technician_reports (received_at) WHERE status = 'pending';

ALTER TABLE notification_inbound DROP CONSTRAINT notification_inbound_status_check;
ALTER TABLE notification_inbound
  ADD CONSTRAINT notification_inbound_status_check CHECK (status IN ('received', 'routed', 'unmatched')),
  ADD COLUMN attempts   integer     NOT NULL DEFAULT 0,
  ADD COLUMN claimed_at timestamptz,
  ADD COLUMN last_error text;
CREATE INDEX notification_inbound_received ON notification_inbound (received_at) WHERE status = 'received';

-- Down Migration
DROP INDEX notification_inbound_received;
DELETE FROM notification_inbound WHERE status = 'received';
ALTER TABLE notification_inbound DROP CONSTRAINT notification_inbound_status_check;
ALTER TABLE notification_inbound
  ADD CONSTRAINT notification_inbound_status_check CHECK (status IN ('routed', 'unmatched')),
  DROP COLUMN attempts, DROP COLUMN claimed_at, DROP COLUMN last_error;
DROP INDEX dispatch_technician_reports_pending;
ALTER TABLE dispatch_technician_reports
  DROP COLUMN status, DROP COLUMN signal, DROP COLUMN attempts, DROP COLUMN claimed_at, DROP COLUMN delivered_at, DROP COLUMN last_error;
