-- Up Migration
-- Which call made each effect that a compensation may undo: the idempotency key of the call
-- (issue 10, item 3). A compensating call (key `<key>/compensate`) undoes only an effect whose
-- owner is the key it compensates; a step that changed nothing (startSubscription on a
-- subscription another instance started) owns nothing, so its compensation changes nothing.
-- requested_by: the billing.requestConfirmation call of the process that awaits its confirmation.
ALTER TABLE billing_subscriptions ADD COLUMN created_by text, ADD COLUMN requested_by text, ADD COLUMN started_by text;
ALTER TABLE billing_charges ADD COLUMN charged_by text;
ALTER TABLE dispatch_bookings ADD COLUMN booked_by text;
ALTER TABLE dispatch_reservations ADD COLUMN reserved_by text;
ALTER TABLE dispatch_work_orders ADD COLUMN created_by text;
ALTER TABLE dispatch_ports ADD COLUMN ported_by text;
ALTER TABLE complaints ADD COLUMN opened_by text;

-- Down Migration
ALTER TABLE complaints DROP COLUMN opened_by;
ALTER TABLE dispatch_ports DROP COLUMN ported_by;
ALTER TABLE dispatch_work_orders DROP COLUMN created_by;
ALTER TABLE dispatch_reservations DROP COLUMN reserved_by;
ALTER TABLE dispatch_bookings DROP COLUMN booked_by;
ALTER TABLE billing_charges DROP COLUMN charged_by;
ALTER TABLE billing_subscriptions DROP COLUMN created_by, DROP COLUMN requested_by, DROP COLUMN started_by;
