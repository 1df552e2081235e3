-- Live calls reported by a phone or chat system, and their utterances as
-- transcribed. Utterances are only inserted; a call row changes only when a
-- person confirms a stage and when the call ends. Times are microseconds
-- since the Unix epoch.
CREATE TABLE calls (
    id                BIGSERIAL PRIMARY KEY,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    channel           TEXT NOT NULL,
    caller_number     TEXT NOT NULL,
    staff_id          BIGINT NOT NULL REFERENCES users(id),
    staff_name        TEXT NOT NULL,
    opened_by         BIGINT NOT NULL REFERENCES users(id),
    policy_version_id BIGINT REFERENCES policy_versions(id),
    started_at        BIGINT NOT NULL,
    ended_at          BIGINT,
    stage             TEXT NOT NULL DEFAULT '',
    restricted        BOOLEAN NOT NULL DEFAULT FALSE,
    restricted_reason TEXT NOT NULL DEFAULT '',
    needs_case        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX calls_org_open ON calls (org_id, ended_at, id);
CREATE INDEX calls_needs_case ON calls (org_id, needs_case, id);

-- flagged is 1 when the utterance raised an alert or was judged harassment,
-- so a call's flagged utterances are found without reading its transcript.
-- categories and alerts are JSON arrays. No foreign key to calls: the hot
-- path inserts thousands of rows a second and the call is checked before.
CREATE TABLE call_utterances (
    call_id    BIGINT NOT NULL,
    seq        INTEGER NOT NULL,
    speaker    TEXT NOT NULL,
    text       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    verdict    TEXT NOT NULL,
    categories TEXT NOT NULL,
    alerts     TEXT NOT NULL,
    flagged    BOOLEAN NOT NULL,
    PRIMARY KEY (call_id, seq)
);
