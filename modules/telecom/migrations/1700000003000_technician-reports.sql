-- Up Migration
-- What technicians report through POST /work-orders/:id/{ack,on-site,report}: kept as received,
-- after the report reached the process that owns the work order (which moves its state).
CREATE TABLE dispatch_technician_reports (
  id            bigserial   PRIMARY KEY,
  work_order_id text        NOT NULL REFERENCES dispatch_work_orders,
  kind          text        NOT NULL CHECK (kind IN ('ack', 'on-site', 'report')),
  payload       jsonb       NOT NULL,
  workflow_id   text        NOT NULL,
  received_at   timestamptz NOT NULL
);
CREATE INDEX dispatch_technician_reports_order ON dispatch_technician_reports (work_order_id);

-- Down Migration
DROP TABLE dispatch_technician_reports;
