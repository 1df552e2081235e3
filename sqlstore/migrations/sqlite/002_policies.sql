-- Published versions of each organization's policy. Rows are only inserted:
-- a case records the version it was judged under, so a version never changes.
-- effective_from is microseconds since the Unix epoch, like every time.
CREATE TABLE policy_versions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id            INTEGER NOT NULL REFERENCES orgs(id),
    version           INTEGER NOT NULL,
    doc_id            TEXT NOT NULL,
    title             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    source            TEXT NOT NULL,
    digest            TEXT NOT NULL,
    effective_from    BIGINT NOT NULL,
    approved_by       TEXT NOT NULL,
    note              TEXT NOT NULL,
    published_by      INTEGER REFERENCES users(id),
    published_by_name TEXT NOT NULL,
    published_at      BIGINT NOT NULL,
    UNIQUE (org_id, version)
);
CREATE INDEX policy_versions_effective ON policy_versions (org_id, effective_from, version);
