-- The corrective-action plan and report (是正処置計画書兼報告書) of a case:
-- its corrective and preventive measures and the approvals of the report.
-- Delivery of notifications: the channels an organization configures
-- (SMTP, webhooks) and one delivery row per notification and channel.
CREATE TABLE case_measures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    due_at     BIGINT NOT NULL,
    done_at    BIGINT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX case_measures_case ON case_measures (case_id, id);

-- One approval per role and case: the supervisor's first, then an executive's.
CREATE TABLE case_approvals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    role          TEXT NOT NULL,
    approver_id   INTEGER NOT NULL REFERENCES users(id),
    approver_name TEXT NOT NULL,
    note          TEXT NOT NULL,
    at            BIGINT NOT NULL,
    UNIQUE (case_id, role)
);

-- Secrets (SMTP password, webhook signing key) are stored as given: the
-- sender needs them; they are never returned by a query that lists channels.
CREATE TABLE notify_channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

-- next_at is both the retry time and the claim: a sender that claims a row
-- moves next_at past its lease, so a crashed sender's rows come back.
CREATE TABLE notify_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES orgs(id),
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    channel_id      INTEGER NOT NULL REFERENCES notify_channels(id),
    event_key       TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT NOT NULL,
    next_at         BIGINT,
    delivered_at    BIGINT,
    failed_at       BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (channel_id, event_key)
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX notify_deliveries_notification ON notify_deliveries (notification_id);

-- planned_at: the notification's deliveries were created. Notifications
-- made before delivery existed are not sent now, long after the fact.
ALTER TABLE notifications ADD COLUMN planned_at BIGINT;
UPDATE notifications SET planned_at = created_at;
CREATE INDEX notifications_unplanned ON notifications (id) WHERE planned_at IS NULL;
-- The overdue sweep reads open cases by due date across organizations.
CREATE INDEX cases_due_open ON cases (due_at) WHERE due_at IS NOT NULL AND state <> 'closed';
-- When the case's overdue notice went out; a later due date notifies again.
ALTER TABLE cases ADD COLUMN overdue_notified_at BIGINT;
-- An evidence bundle quotes the audit entries of one case and its attachments.
CREATE INDEX audit_log_target ON audit_log (target, seq);
