-- Up Migration
-- Every deployed version of every process, kept forever: a running instance may be pinned to
-- any of them. (name, version) identifies a version; its content hash must never change.
CREATE TABLE svcflow_process_versions (
  name        text        NOT NULL,
  version     integer     NOT NULL CHECK (version > 0),
  hash        char(64)    NOT NULL,
  source_file text        NOT NULL,
  source      text        NOT NULL,
  ir          jsonb       NOT NULL,
  deployed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX svcflow_process_versions_hash ON svcflow_process_versions (hash);

-- Down Migration
DROP TABLE svcflow_process_versions;
