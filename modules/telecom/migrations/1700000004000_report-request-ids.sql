-- Up Migration
-- A technician's app retries a report it is not sure arrived: with an Idempotency-Key header,
-- the second POST finds the first and signals nothing again.
ALTER TABLE dispatch_technician_reports ADD COLUMN request_id text;
CREATE UNIQUE INDEX dispatch_technician_reports_request ON dispatch_technician_reports (work_order_id, request_id) WHERE request_id IS NOT NULL;

-- Down Migration
DROP INDEX dispatch_technician_reports_request;
ALTER TABLE dispatch_technician_reports DROP COLUMN request_id;
