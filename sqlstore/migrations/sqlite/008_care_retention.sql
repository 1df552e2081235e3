-- Care after a case, legal hold and retention, and the leases that let one
-- server of several run a background job.
CREATE TABLE care_plans (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    case_id       INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    subject_id    INTEGER NOT NULL REFERENCES users(id),
    injured       BOOLEAN NOT NULL,
    wants_to_talk BOOLEAN NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    closed_at     BIGINT
);
CREATE INDEX care_plans_org ON care_plans (org_id, id);
CREATE INDEX care_plans_subject ON care_plans (subject_id, id);

CREATE TABLE care_tasks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id    INTEGER NOT NULL REFERENCES care_plans(id),
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    clause     TEXT NOT NULL,
    owner_id   INTEGER REFERENCES users(id),
    due_on     BIGINT NOT NULL,
    note       TEXT NOT NULL,
    done_at    BIGINT,
    done_by    INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX care_tasks_plan ON care_tasks (plan_id, seq);
CREATE INDEX care_tasks_open ON care_tasks (org_id, due_on) WHERE done_at IS NULL;

-- A case under legal hold is kept whole whatever the retention periods say.
ALTER TABLE cases ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN legal_hold_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN anonymized_at BIGINT;
ALTER TABLE consultations ADD COLUMN purged_at BIGINT;
ALTER TABLE calls ADD COLUMN purged_at BIGINT;

-- Attachments stay immutable except for one change: retention may empty
-- the bytes once, keeping name, size and hash as the record that it existed.
ALTER TABLE attachments ADD COLUMN purged_at BIGINT;
DROP TRIGGER attachments_no_update;
CREATE TRIGGER attachments_no_update BEFORE UPDATE ON attachments
WHEN NOT (OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL AND length(NEW.data) = 0
    AND NEW.id = OLD.id AND NEW.org_id = OLD.org_id AND NEW.case_id = OLD.case_id AND NEW.name = OLD.name
    AND NEW.content_type = OLD.content_type AND NEW.size = OLD.size AND NEW.sha256 = OLD.sha256
    AND NEW.supersedes IS OLD.supersedes AND NEW.note = OLD.note AND NEW.uploaded_by = OLD.uploaded_by
    AND NEW.created_at = OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'attachments are immutable'); END;

-- One row per background job: whoever moves "until" forward runs it.
CREATE TABLE job_leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);
