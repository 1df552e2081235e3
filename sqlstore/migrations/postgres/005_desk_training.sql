-- The consultation desk (相談窓口) and training.
-- Anonymous consultations: no user, name or contact, and no column here
-- holds an address or user agent for any consultation; the receipt code is
-- kept only as its SHA-256.
CREATE TABLE consultations (
    id           BIGSERIAL PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    anonymous    BOOLEAN NOT NULL,
    user_id      BIGINT REFERENCES users(id),
    name         TEXT NOT NULL,
    contact      TEXT NOT NULL,
    relation     TEXT NOT NULL,
    topic        TEXT NOT NULL,
    occurred_on  BIGINT,
    channel      TEXT NOT NULL,
    body         TEXT NOT NULL,
    wish         TEXT NOT NULL,
    status       TEXT NOT NULL,
    receipt_hash TEXT UNIQUE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CHECK (NOT anonymous OR (user_id IS NULL AND name = '' AND contact = ''))
);
CREATE INDEX consultations_org ON consultations (org_id, id);
CREATE INDEX consultations_user ON consultations (user_id, id);

CREATE TABLE consultation_messages (
    id              BIGSERIAL PRIMARY KEY,
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    from_desk       BOOLEAN NOT NULL,
    author_id       BIGINT REFERENCES users(id),
    author_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX consultation_messages_consultation ON consultation_messages (consultation_id, id);

-- The consultant's consent to a case and what they chose to pass on.
CREATE TABLE consultation_consents (
    consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id),
    fields          TEXT NOT NULL,
    narrative       TEXT NOT NULL,
    consented_at    BIGINT NOT NULL,
    case_id         BIGINT REFERENCES cases(id),
    handed_over_by  BIGINT REFERENCES users(id),
    handed_over_at  BIGINT
);

CREATE TABLE consultation_followups (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES orgs(id),
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    kind            TEXT NOT NULL,
    note            TEXT NOT NULL,
    due_on          BIGINT NOT NULL,
    done_at         BIGINT,
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX consultation_followups_consultation ON consultation_followups (consultation_id, due_on);
CREATE INDEX consultation_followups_open ON consultation_followups (org_id, due_on) WHERE done_at IS NULL;

CREATE TABLE training_assignments (
    id                BIGSERIAL PRIMARY KEY,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    module            TEXT NOT NULL,
    policy_version_id BIGINT NOT NULL REFERENCES policy_versions(id),
    target            TEXT NOT NULL,
    department_id     BIGINT REFERENCES departments(id),
    role              TEXT NOT NULL,
    due_on            BIGINT NOT NULL,
    created_by        BIGINT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL
);
CREATE INDEX training_assignments_org ON training_assignments (org_id, id);

CREATE TABLE training_tasks (
    id            BIGSERIAL PRIMARY KEY,
    assignment_id BIGINT NOT NULL REFERENCES training_assignments(id),
    user_id       BIGINT NOT NULL REFERENCES users(id),
    attempts      INTEGER NOT NULL DEFAULT 0,
    best_score    INTEGER NOT NULL DEFAULT 0,
    completed_at  BIGINT,
    reminded_at   BIGINT,
    UNIQUE (assignment_id, user_id)
);
CREATE INDEX training_tasks_user ON training_tasks (user_id);

CREATE TABLE training_attempts (
    id         BIGSERIAL PRIMARY KEY,
    task_id    BIGINT NOT NULL REFERENCES training_tasks(id),
    number     INTEGER NOT NULL,
    score      INTEGER NOT NULL,
    passed     BOOLEAN NOT NULL,
    answers    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (task_id, number)
);
