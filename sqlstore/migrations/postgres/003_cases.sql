-- Customers, their contacts and restrictions; cases with their behaviour
-- types, events and attachments; notifications owed to users.
-- Every *_norm column holds the Go-normalized form of its field
-- (kasuhara.NormalizePhone etc.), so matching is an indexed equality.
CREATE TABLE customers (
    id            BIGSERIAL PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    name          TEXT NOT NULL,
    kana          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    email         TEXT NOT NULL,
    member_no     TEXT NOT NULL,
    address       TEXT NOT NULL,
    note          TEXT NOT NULL,
    name_norm     TEXT NOT NULL,
    kana_norm     TEXT NOT NULL,
    phone_norm    TEXT NOT NULL,
    email_norm    TEXT NOT NULL,
    member_norm   TEXT NOT NULL,
    repeat_flag   BOOLEAN NOT NULL DEFAULT FALSE,
    repeat_reason TEXT NOT NULL DEFAULT '',
    repeat_at     BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX customers_phone ON customers (org_id, phone_norm) WHERE phone_norm <> '';
CREATE INDEX customers_email ON customers (org_id, email_norm) WHERE email_norm <> '';
CREATE INDEX customers_member ON customers (org_id, member_norm) WHERE member_norm <> '';
CREATE INDEX customers_name ON customers (org_id, name_norm);
CREATE INDEX customers_kana ON customers (org_id, kana_norm);

CREATE TABLE cases (
    id                BIGSERIAL PRIMARY KEY,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    state             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    occurred_at       BIGINT NOT NULL,
    place             TEXT NOT NULL,
    department_id     BIGINT REFERENCES departments(id),
    customer_id       BIGINT REFERENCES customers(id),
    customer_known    TEXT NOT NULL,
    demand            TEXT NOT NULL,
    narrative         TEXT NOT NULL,
    types             TEXT NOT NULL,
    codes             TEXT NOT NULL,
    staff_involved    TEXT NOT NULL,
    staff_count       INTEGER NOT NULL,
    staff_injured     BOOLEAN NOT NULL,
    wants_to_talk     BOOLEAN NOT NULL,
    staff_condition   TEXT NOT NULL,
    recorded          BOOLEAN NOT NULL,
    recording_consent BOOLEAN NOT NULL,
    urgent            BOOLEAN NOT NULL,
    reporter_id       BIGINT NOT NULL REFERENCES users(id),
    assignee_id       BIGINT REFERENCES users(id),
    due_at            BIGINT,
    policy_version_id BIGINT NOT NULL REFERENCES policy_versions(id),
    demand_validity   TEXT NOT NULL,
    demand_assessment TEXT NOT NULL,
    means_appropriate BOOLEAN,
    assessed_by       BIGINT REFERENCES users(id),
    assessed_by_name  TEXT NOT NULL,
    assessed_at       BIGINT,
    harassment        BOOLEAN,
    judgement         TEXT NOT NULL,
    response          TEXT NOT NULL,
    escalation        TEXT NOT NULL,
    police_at         BIGINT,
    report_filed      BOOLEAN NOT NULL,
    reopen_reason     TEXT NOT NULL,
    closed_at         BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    revision          INTEGER NOT NULL,
    search_norm       TEXT NOT NULL
);
CREATE INDEX cases_org_time ON cases (org_id, occurred_at, id);
CREATE INDEX cases_state ON cases (org_id, state, occurred_at);
CREATE INDEX cases_channel ON cases (org_id, channel, occurred_at);
CREATE INDEX cases_department ON cases (department_id, occurred_at);
CREATE INDEX cases_customer ON cases (customer_id, occurred_at);
CREATE INDEX cases_assignee ON cases (assignee_id, occurred_at);
CREATE INDEX cases_reporter ON cases (reporter_id, occurred_at);
CREATE INDEX cases_due ON cases (org_id, due_at) WHERE due_at IS NOT NULL;

-- One row per (case, policy type) so the list filters by type through an index.
CREATE TABLE case_types (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    org_id  BIGINT NOT NULL,
    type_id TEXT NOT NULL,
    PRIMARY KEY (case_id, type_id)
);
CREATE INDEX case_types_type ON case_types (org_id, type_id, case_id);

CREATE TABLE case_events (
    id         BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    kind       TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor_id   BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE contacts (
    id            BIGSERIAL PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    case_id       BIGINT REFERENCES cases(id),
    customer_id   BIGINT REFERENCES customers(id),
    department_id BIGINT REFERENCES departments(id),
    channel       TEXT NOT NULL,
    at            BIGINT NOT NULL,
    minutes       INTEGER NOT NULL,
    staff_count   INTEGER NOT NULL,
    staff_names   TEXT NOT NULL,
    summary       TEXT NOT NULL,
    recorded_by   BIGINT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX contacts_case ON contacts (case_id, at);
CREATE INDEX contacts_customer ON contacts (customer_id, at);

CREATE TABLE restrictions (
    id                BIGSERIAL PRIMARY KEY,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    customer_id       BIGINT NOT NULL REFERENCES customers(id),
    case_id           BIGINT REFERENCES cases(id),
    kind              TEXT NOT NULL,
    channels          TEXT NOT NULL,
    sanction_id       TEXT NOT NULL,
    sanction_text     TEXT NOT NULL,
    reason            TEXT NOT NULL,
    approver_id       BIGINT NOT NULL REFERENCES users(id),
    approver_name     TEXT NOT NULL,
    approver_role     TEXT NOT NULL,
    start_at          BIGINT NOT NULL,
    end_at            BIGINT,
    review_at         BIGINT,
    lifted_at         BIGINT,
    lifted_by         BIGINT REFERENCES users(id),
    lift_reason       TEXT NOT NULL,
    policy_version_id BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX restrictions_customer ON restrictions (customer_id, id);

-- Attachments are immutable: a correction is a new row that supersedes.
CREATE TABLE attachments (
    id           BIGSERIAL PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    supersedes   BIGINT REFERENCES attachments(id),
    note         TEXT NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    data         BYTEA NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, id);

-- Owed to a user; delivery (email, webhook) sets delivered_at.
CREATE TABLE notifications (
    id           BIGSERIAL PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    kind         TEXT NOT NULL,
    case_id      BIGINT REFERENCES cases(id),
    recipient_id BIGINT NOT NULL REFERENCES users(id),
    urgent       BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_case ON notifications (case_id);
CREATE INDEX notifications_undelivered ON notifications (id) WHERE delivered_at IS NULL;
CREATE FUNCTION attachments_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'attachments are immutable';
END $$;
CREATE TRIGGER attachments_no_change BEFORE UPDATE OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_immutable();

-- Japanese substring search: a trigram index when pg_trgm can be had, else
-- the same LIKE query scans. Either way the query text is identical.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXECUTE 'CREATE INDEX cases_search_trgm ON cases USING gin (search_norm gin_trgm_ops)';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%); case search uses LIKE without an index', SQLERRM;
END $$;
