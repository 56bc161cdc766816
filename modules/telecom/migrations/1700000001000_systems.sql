-- Up Migration
-- The four systems the processes call: billing, dispatch, notification, complaints. Each is a
-- set of tables prefixed with its name; svcflow_effects is the exactly-once ledger they share.
-- Money is integer fen (分) with an ISO currency, never a float.

-- Exactly-once: one row per idempotency key (workflow id + step id), written in the same
-- transaction as the effect it records. A repeated call finds the row and returns `result`.
CREATE TABLE svcflow_effects (
  idempotency_key text        PRIMARY KEY,
  activity        text        NOT NULL,
  result          jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- ───────────────────────────── billing ─────────────────────────────
CREATE TABLE billing_plans (
  code              text    PRIMARY KEY,
  name              text    NOT NULL,
  monthly_fee_fen   bigint  NOT NULL CHECK (monthly_fee_fen >= 0),
  currency          char(3) NOT NULL DEFAULT 'CNY',
  min_term_months   integer NOT NULL DEFAULT 0 CHECK (min_term_months >= 0),
  on_sale           boolean NOT NULL DEFAULT true
);

CREATE TABLE billing_products (
  code            text    PRIMARY KEY,
  name            text    NOT NULL,
  monthly_fee_fen bigint  NOT NULL CHECK (monthly_fee_fen >= 0),
  currency        char(3) NOT NULL DEFAULT 'CNY'
);

CREATE SEQUENCE billing_account_seq START 1000;
CREATE TABLE billing_accounts (
  account_id   text        PRIMARY KEY DEFAULT 'AC-' || nextval('billing_account_seq'),
  msisdn       text        NOT NULL UNIQUE,
  holder_name  text        NOT NULL,
  city         text        NOT NULL,
  status       text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  plan_code    text        NOT NULL REFERENCES billing_plans,
  plan_since   timestamptz NOT NULL DEFAULT now(),
  currency     char(3)     NOT NULL DEFAULT 'CNY',
  balance_fen  bigint      NOT NULL DEFAULT 0
);

CREATE SEQUENCE billing_service_seq START 1000;
CREATE TABLE billing_services (
  service_id      text        PRIMARY KEY DEFAULT 'SV-' || nextval('billing_service_seq'),
  account_id      text        NOT NULL REFERENCES billing_accounts,
  product         text        NOT NULL REFERENCES billing_products,
  number          text,
  address         jsonb,
  status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  work_order_id   text,
  activated_at    timestamptz NOT NULL,
  suspended_at    timestamptz,
  suspend_reason  text,
  suspended_until timestamptz
);

-- SP (value-added service provider) products that may be subscribed to monthly.
CREATE TABLE billing_sp_products (
  sp_code text NOT NULL,
  product text NOT NULL,
  name    text NOT NULL,
  PRIMARY KEY (sp_code, product)
);

CREATE SEQUENCE billing_subscription_seq START 1000;
CREATE TABLE billing_subscriptions (
  subscription_id text        PRIMARY KEY DEFAULT 'SUB-' || nextval('billing_subscription_seq'),
  account_id      text        NOT NULL REFERENCES billing_accounts,
  msisdn          text        NOT NULL,
  sp_code         text        NOT NULL,
  product         text        NOT NULL,
  monthly_fee_fen bigint      NOT NULL CHECK (monthly_fee_fen > 0),
  currency        char(3)     NOT NULL,
  state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'active', 'cancelled')),
  created_at      timestamptz NOT NULL,
  confirmed_at    timestamptz,
  confirmed_via   text,
  reply_text      text,
  started_at      timestamptz,
  cancelled_at    timestamptz,
  cancel_reason   text,
  FOREIGN KEY (sp_code, product) REFERENCES billing_sp_products,
  -- confirmed and active subscriptions carry their second confirmation
  CHECK (state NOT IN ('confirmed', 'active') OR confirmed_at IS NOT NULL)
);
-- one live subscription per number and product
CREATE UNIQUE INDEX billing_subscriptions_live ON billing_subscriptions (msisdn, sp_code, product)
  WHERE state IN ('pending', 'confirmed', 'active');

CREATE SEQUENCE billing_charge_seq START 1000;
CREATE TABLE billing_charges (
  charge_id       text        PRIMARY KEY DEFAULT 'CH-' || nextval('billing_charge_seq'),
  account_id      text        NOT NULL REFERENCES billing_accounts,
  amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
  currency        char(3)     NOT NULL,
  reason          text        NOT NULL,
  reference       text,
  subscription_id text        REFERENCES billing_subscriptions,
  period          text        CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  charged_at      timestamptz NOT NULL,
  CHECK ((subscription_id IS NULL) = (period IS NULL))
);
-- one charge per subscription and month
CREATE UNIQUE INDEX billing_charges_subscription_period ON billing_charges (subscription_id, period) WHERE subscription_id IS NOT NULL;

-- A subscription charge without a confirmed subscription is impossible: the database refuses
-- it, whatever code inserts it (订购关系确认 + 计费监控).
CREATE FUNCTION billing_charge_needs_confirmation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s billing_subscriptions%ROWTYPE;
BEGIN
  IF NEW.subscription_id IS NULL THEN RETURN NEW; END IF;
  SELECT * INTO s FROM billing_subscriptions WHERE subscription_id = NEW.subscription_id FOR SHARE;
  IF s.state = 'cancelled' THEN
    RAISE EXCEPTION 'subscription % is cancelled', NEW.subscription_id
      USING ERRCODE = 'SVC01', HINT = 'billing/subscription-cancelled';
  END IF;
  IF s.state NOT IN ('confirmed', 'active') OR s.confirmed_at IS NULL THEN
    RAISE EXCEPTION 'subscription % has no second confirmation', NEW.subscription_id
      USING ERRCODE = 'SVC01', HINT = 'billing/subscription-not-confirmed';
  END IF;
  IF NEW.account_id <> s.account_id OR NEW.amount_fen <> s.monthly_fee_fen OR NEW.currency <> s.currency THEN
    RAISE EXCEPTION 'a subscription charge must be the monthly fee, on the subscribing account'
      USING ERRCODE = 'SVC01', HINT = 'billing/invalid-amount';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER billing_charge_needs_confirmation BEFORE INSERT OR UPDATE ON billing_charges
  FOR EACH ROW EXECUTE FUNCTION billing_charge_needs_confirmation();

CREATE SEQUENCE billing_refund_seq START 1000;
CREATE TABLE billing_refunds (
  refund_id           text        PRIMARY KEY DEFAULT 'RF-' || nextval('billing_refund_seq'),
  charge_id           text        NOT NULL REFERENCES billing_charges,
  kind                text        NOT NULL CHECK (kind IN ('refund', 'double')),
  amount_fen          bigint      NOT NULL CHECK (amount_fen > 0),
  currency            char(3)     NOT NULL,
  wrongly_charged_fen bigint      CHECK (wrongly_charged_fen > 0),
  complaint_id        text,
  reason              text        NOT NULL,
  refunded_at         timestamptz NOT NULL,
  -- a double refund is exactly twice the wrongly charged amount (话费差错,双倍返还)
  CHECK (kind <> 'double' OR (wrongly_charged_fen IS NOT NULL AND amount_fen = 2 * wrongly_charged_fen))
);
-- at most one double refund per charge
CREATE UNIQUE INDEX billing_refunds_one_double ON billing_refunds (charge_id) WHERE kind = 'double';

CREATE SEQUENCE billing_compensation_seq START 1000;
CREATE TABLE billing_compensations (
  compensation_id text        PRIMARY KEY DEFAULT 'CP-' || nextval('billing_compensation_seq'),
  account_id      text        NOT NULL REFERENCES billing_accounts,
  amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
  currency        char(3)     NOT NULL,
  charge_id       text        REFERENCES billing_charges,
  subscription_id text        REFERENCES billing_subscriptions,
  sp_code         text,
  complaint_id    text,
  reason          text        NOT NULL,
  credited_at     timestamptz NOT NULL
);

CREATE TABLE billing_plan_changes (
  id            bigserial   PRIMARY KEY,
  account_id    text        NOT NULL REFERENCES billing_accounts,
  from_plan     text        NOT NULL,
  to_plan       text        NOT NULL REFERENCES billing_plans,
  effective_at  timestamptz NOT NULL
);

-- ───────────────────────────── dispatch ─────────────────────────────
CREATE TABLE dispatch_areas (
  area     text PRIMARY KEY,
  city     text NOT NULL,
  name     text NOT NULL,
  timezone text NOT NULL DEFAULT 'Asia/Shanghai'
);
CREATE INDEX dispatch_areas_city ON dispatch_areas (city);

-- The daily appointment windows of an area, in its local time; slots are made from them.
CREATE TABLE dispatch_windows (
  area       text    NOT NULL REFERENCES dispatch_areas,
  starts     time    NOT NULL,
  ends       time    NOT NULL CHECK (ends > starts),
  capacity   integer NOT NULL CHECK (capacity >= 0),
  PRIMARY KEY (area, starts)
);

CREATE TABLE dispatch_slots (
  area         text        NOT NULL REFERENCES dispatch_areas,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL CHECK (window_end > window_start),
  capacity     integer     NOT NULL CHECK (capacity >= 0),
  booked       integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (area, window_start),
  -- never overbooked, whatever the concurrency
  CHECK (booked BETWEEN 0 AND capacity)
);

CREATE SEQUENCE dispatch_booking_seq START 1000;
CREATE TABLE dispatch_bookings (
  booking_id   text        PRIMARY KEY DEFAULT 'BK-' || nextval('dispatch_booking_seq'),
  area         text        NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  type         text,
  booked_at    timestamptz NOT NULL,
  released_at  timestamptz,
  FOREIGN KEY (area, window_start) REFERENCES dispatch_slots
);

CREATE TABLE dispatch_technicians (
  technician_id text PRIMARY KEY,
  name          text NOT NULL,
  phone         text NOT NULL,
  area          text NOT NULL REFERENCES dispatch_areas,
  active        boolean NOT NULL DEFAULT true
);

CREATE SEQUENCE dispatch_work_order_seq START 1000;
CREATE TABLE dispatch_work_orders (
  work_order_id    text        PRIMARY KEY DEFAULT 'WO-' || nextval('dispatch_work_order_seq'),
  type             text        NOT NULL CHECK (type IN ('install', 'move', 'repair')),
  state            text        NOT NULL DEFAULT 'created'
                               CHECK (state IN ('created', 'assigned', 'on_site', 'done', 'failed', 'cancelled')),
  area             text        NOT NULL REFERENCES dispatch_areas,
  account_id       text,
  number           text,
  contact_phone    text        NOT NULL,
  address          jsonb       NOT NULL,
  from_address     jsonb,
  booking_id       text        UNIQUE REFERENCES dispatch_bookings,
  description      text,
  priority         text        NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
  due_by           timestamptz,
  technician_id    text        REFERENCES dispatch_technicians,
  workflow_id      text,
  escalation_level integer     NOT NULL DEFAULT 0,
  failure_reason   text,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK (state <> 'failed' OR failure_reason IS NOT NULL),
  CHECK (state NOT IN ('assigned', 'on_site', 'done') OR technician_id IS NOT NULL)
);
CREATE INDEX dispatch_work_orders_workflow ON dispatch_work_orders (workflow_id);

CREATE TABLE dispatch_work_order_events (
  id            bigserial   PRIMARY KEY,
  work_order_id text        NOT NULL REFERENCES dispatch_work_orders,
  from_state    text,
  to_state      text        NOT NULL,
  at            timestamptz NOT NULL,
  note          text,
  source        text        NOT NULL DEFAULT 'process'
);

CREATE TABLE dispatch_escalations (
  id            bigserial   PRIMARY KEY,
  work_order_id text        NOT NULL REFERENCES dispatch_work_orders,
  step          text        NOT NULL,
  level         integer     NOT NULL CHECK (level BETWEEN 1 AND 3),
  escalated_to  text        NOT NULL,
  overdue_by_ms bigint,
  reason        text,
  at            timestamptz NOT NULL
);

CREATE TABLE dispatch_numbers (
  number text PRIMARY KEY,
  city   text NOT NULL,
  status text NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'reserved', 'assigned'))
);

CREATE SEQUENCE dispatch_reservation_seq START 1000;
CREATE TABLE dispatch_reservations (
  reservation_id text        PRIMARY KEY DEFAULT 'RS-' || nextval('dispatch_reservation_seq'),
  number         text        NOT NULL REFERENCES dispatch_numbers,
  account_id     text,
  reserved_at    timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  released_at    timestamptz
);
-- a number is held by at most one live reservation
CREATE UNIQUE INDEX dispatch_reservations_live ON dispatch_reservations (number) WHERE released_at IS NULL;

CREATE TABLE dispatch_exchanges (
  exchange   text    PRIMARY KEY,
  city       text    NOT NULL,
  district   text,
  free_ports integer NOT NULL CHECK (free_ports >= 0)
);

CREATE SEQUENCE dispatch_port_seq START 1000;
CREATE TABLE dispatch_ports (
  port_id       text        PRIMARY KEY DEFAULT 'PT-' || nextval('dispatch_port_seq'),
  exchange      text        NOT NULL REFERENCES dispatch_exchanges,
  number        text        NOT NULL,
  state         text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'released')),
  work_order_id text,
  activated_at  timestamptz NOT NULL,
  released_at   timestamptz
);

-- ─────────────────────────── notification ───────────────────────────
CREATE TABLE notification_templates (
  template_id text NOT NULL,
  locale      text NOT NULL CHECK (locale IN ('zh-CN', 'en')),
  body        text NOT NULL,
  PRIMARY KEY (template_id, locale)
);

CREATE SEQUENCE notification_message_seq START 1000;
CREATE TABLE notification_outbox (
  message_id  text        PRIMARY KEY DEFAULT 'MSG-' || nextval('notification_message_seq'),
  channel     text        NOT NULL CHECK (channel IN ('sms', 'email')),
  recipient   text        NOT NULL,
  template_id text        NOT NULL,
  locale      text        NOT NULL,
  body        text        NOT NULL,
  status      text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed')),
  attempts    integer     NOT NULL DEFAULT 0,
  last_error  text,
  created_at  timestamptz NOT NULL,
  claimed_at  timestamptz,
  sent_at     timestamptz
);
CREATE INDEX notification_outbox_pending ON notification_outbox (created_at) WHERE status IN ('queued', 'sending');

CREATE SEQUENCE notification_inbound_seq START 1000;
CREATE TABLE notification_inbound (
  inbound_id   text        PRIMARY KEY DEFAULT 'IN-' || nextval('notification_inbound_seq'),
  from_number  text        NOT NULL,
  body         text        NOT NULL,
  received_at  timestamptz NOT NULL,
  status       text        NOT NULL CHECK (status IN ('routed', 'unmatched')),
  routed_to    text[]      NOT NULL DEFAULT '{}',
  reply_id     text        REFERENCES notification_outbox
);

CREATE SEQUENCE notification_survey_seq START 1000;
CREATE TABLE notification_surveys (
  survey_id    text        PRIMARY KEY DEFAULT 'SVY-' || nextval('notification_survey_seq'),
  msisdn       text        NOT NULL,
  subject      text        NOT NULL,
  reference_id text        NOT NULL,
  channel      text        NOT NULL,
  score        integer     CHECK (score BETWEEN 1 AND 5),
  comment      text,
  recorded_at  timestamptz NOT NULL
);

CREATE SEQUENCE notification_callback_seq START 1000;
CREATE TABLE notification_callbacks (
  callback_id   text        PRIMARY KEY DEFAULT 'CB-' || nextval('notification_callback_seq'),
  msisdn        text        NOT NULL,
  purpose       text        NOT NULL,
  reference_id  text        NOT NULL,
  due_by        timestamptz NOT NULL,
  locale        text        NOT NULL,
  note          text,
  scheduled_for timestamptz NOT NULL
);

-- ──────────────────────────── complaints ────────────────────────────
CREATE TABLE complaints_staff (
  staff_id text PRIMARY KEY,
  name     text NOT NULL,
  level    text NOT NULL CHECK (level IN ('city', 'province', 'group'))
);

-- The time limit of each category at each level (限时办结).
CREATE TABLE complaints_time_limits (
  category text   NOT NULL CHECK (category IN ('billing', 'network', 'service', 'sp-charge', 'installation')),
  level    text   NOT NULL CHECK (level IN ('city', 'province', 'group')),
  limit_ms bigint NOT NULL CHECK (limit_ms > 0),
  PRIMARY KEY (category, level)
);

CREATE SEQUENCE complaints_seq START 1000;
CREATE TABLE complaints (
  complaint_id        text        PRIMARY KEY DEFAULT 'CPL-' || nextval('complaints_seq'),
  msisdn              text        NOT NULL,
  account_id          text,
  category            text        NOT NULL,
  channel             text        NOT NULL,
  description         text        NOT NULL,
  first_contact_owner text        NOT NULL REFERENCES complaints_staff,
  owner               text        NOT NULL REFERENCES complaints_staff,
  level               text        NOT NULL CHECK (level IN ('city', 'province', 'group')),
  state               text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'closed')),
  deadline            timestamptz NOT NULL,
  related_id          text,
  opened_at           timestamptz NOT NULL,
  outcome             text,
  resolution          text,
  resolved_by         text,
  refund_fen          bigint      CHECK (refund_fen >= 0),
  refund_currency     char(3),
  refund_id           text,
  resolved_at         timestamptz,
  within_deadline     boolean,
  callback_reached    boolean,
  satisfied           boolean,
  callback_at         timestamptz,
  closed_at           timestamptz,
  CHECK (state = 'open' OR (resolution IS NOT NULL AND resolved_at IS NOT NULL))
);
CREATE INDEX complaints_open_deadline ON complaints (deadline) WHERE state = 'open';

CREATE TABLE complaints_history (
  id           bigserial   PRIMARY KEY,
  complaint_id text        NOT NULL REFERENCES complaints,
  event        text        NOT NULL CHECK (event IN ('opened', 'assigned', 'escalated', 'resolved', 'callback', 'reopened', 'closed')),
  from_level   text,
  to_level     text,
  owner        text,
  deadline     timestamptz,
  note         text,
  at           timestamptz NOT NULL
);

-- Down Migration
DROP TABLE complaints_history, complaints, complaints_time_limits, complaints_staff;
DROP SEQUENCE complaints_seq;
DROP TABLE notification_callbacks, notification_surveys, notification_inbound, notification_outbox, notification_templates;
DROP SEQUENCE notification_callback_seq, notification_survey_seq, notification_inbound_seq, notification_message_seq;
DROP TABLE dispatch_ports, dispatch_exchanges, dispatch_reservations, dispatch_numbers, dispatch_escalations,
  dispatch_work_order_events, dispatch_work_orders, dispatch_technicians, dispatch_bookings, dispatch_slots,
  dispatch_windows, dispatch_areas;
DROP SEQUENCE dispatch_port_seq, dispatch_reservation_seq, dispatch_work_order_seq, dispatch_booking_seq;
DROP TABLE billing_plan_changes, billing_compensations, billing_refunds, billing_charges, billing_subscriptions,
  billing_sp_products, billing_services, billing_accounts, billing_products, billing_plans;
DROP FUNCTION billing_charge_needs_confirmation();
DROP SEQUENCE billing_compensation_seq, billing_refund_seq, billing_charge_seq, billing_subscription_seq,
  billing_service_seq, billing_account_seq;
DROP TABLE svcflow_effects;
