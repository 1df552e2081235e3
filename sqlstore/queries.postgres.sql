-- PostgreSQL overrides of queries.sql.

-- name: audit-lock
-- Several servers may append at once; a transaction-scoped advisory lock
-- makes them take turns at the head of the chain.
SELECT pg_advisory_xact_lock(7316160101);

-- name: notifications-unplanned
-- Two servers planning at once each take different notifications.
SELECT id, org_id, kind, case_id, recipient_id, urgent, created_at, delivered_at FROM notifications
WHERE planned_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED;

-- name: deliveries-claim
-- SKIP LOCKED: a row another server is claiming is left to it, not waited for.
UPDATE notify_deliveries SET next_at = $2, attempts = attempts + 1
WHERE id IN (SELECT id FROM notify_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $1
    ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING id, org_id, notification_id, channel_id, event_key, attempts, last_error, next_at, delivered_at, failed_at, created_at;

-- name: cases-claim-overdue
UPDATE cases SET overdue_notified_at = $1
WHERE id IN (SELECT id FROM cases WHERE due_at IS NOT NULL AND due_at < $1 AND state <> 'closed'
    AND (overdue_notified_at IS NULL OR overdue_notified_at < due_at) ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING id;

-- name: followups-claim-overdue
-- Several servers sweep at once; SKIP LOCKED gives each follow-up to one.
UPDATE consultation_followups SET reminded_at = $1
WHERE id IN (SELECT id FROM consultation_followups WHERE done_at IS NULL AND reminded_at IS NULL AND due_on < $2
    ORDER BY due_on LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING id, org_id, consultation_id, kind, due_on, created_by;
