-- Up Migration
-- Messages received on a declared channel (POST /channels/:channel/messages), recorded before
-- they are delivered: one row per message, unique per (channel, Idempotency-Key), so a retried or
-- concurrent duplicate is the same message. `pending` until delivered to the instance waiting for
-- its key (`delivered`), found waiting by nobody (`unmatched`), or refused for good (`rejected`).
CREATE TABLE svcflow_inbound_messages (
  id           bigserial   PRIMARY KEY,
  channel      text        NOT NULL,
  request_id   text,
  keys         jsonb       NOT NULL,
  payload      jsonb       NOT NULL,
  received_at  timestamptz NOT NULL,
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'unmatched', 'rejected')),
  delivered_to text,
  attempts     integer     NOT NULL DEFAULT 0,
  claimed_at   timestamptz,
  last_error   text
);
CREATE UNIQUE INDEX svcflow_inbound_messages_request ON svcflow_inbound_messages (channel, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX svcflow_inbound_messages_pending ON svcflow_inbound_messages (received_at) WHERE status = 'pending';

-- Down Migration
DROP TABLE svcflow_inbound_messages;
