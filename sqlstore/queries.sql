-- Named queries shared by SQLite and PostgreSQL. Each starts with "-- name: NAME".
-- A file queries.DIALECT.sql may override a name for one dialect.
-- Every query is prepared once at start-up, so a typo fails at start, not in use.

-- name: org-insert
INSERT INTO orgs (slug, name, parent_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: org-by-id
SELECT id, slug, name, parent_id, created_at FROM orgs WHERE id = $1;

-- name: org-by-slug
SELECT id, slug, name, parent_id, created_at FROM orgs WHERE slug = $1;

-- name: org-list
SELECT id, slug, name, parent_id, created_at FROM orgs ORDER BY id;

-- name: org-children
SELECT id FROM orgs WHERE parent_id = $1 ORDER BY id;

-- name: department-insert
INSERT INTO departments (org_id, name, parent_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: department-update
UPDATE departments SET name = $3, parent_id = $4 WHERE org_id = $1 AND id = $2;

-- name: department-delete
DELETE FROM departments WHERE org_id = $1 AND id = $2;

-- name: department-users
SELECT COUNT(*) FROM users WHERE department_id = $1;

-- name: department-by-id
SELECT id, org_id, name, parent_id, created_at FROM departments WHERE org_id = $1 AND id = $2;

-- name: department-list
SELECT id, org_id, name, parent_id, created_at FROM departments WHERE org_id = $1 ORDER BY name, id;

-- name: user-insert
INSERT INTO users (org_id, department_id, email, name, roles, group_access, lang, disabled, password_hash, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id;

-- name: user-by-id
SELECT id, org_id, department_id, email, name, roles, group_access, lang, disabled, password_hash, created_at, updated_at
FROM users WHERE id = $1;

-- name: user-by-email
SELECT id, org_id, department_id, email, name, roles, group_access, lang, disabled, password_hash, created_at, updated_at
FROM users WHERE email = $1;

-- name: user-update
UPDATE users SET name = $2, department_id = $3, roles = $4, group_access = $5, lang = $6, disabled = $7, updated_at = $8
WHERE id = $1;

-- name: user-set-password
UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1;

-- name: user-count
SELECT COUNT(*) FROM users;

-- name: session-insert
INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, last_seen, ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: session-by-id
SELECT id, user_id, csrf_token, created_at, expires_at, last_seen, ip, user_agent
FROM sessions WHERE id = $1 AND expires_at > $2;

-- name: session-touch
UPDATE sessions SET last_seen = $2, expires_at = $3 WHERE id = $1;

-- name: session-delete
DELETE FROM sessions WHERE id = $1;

-- name: session-delete-user
DELETE FROM sessions WHERE user_id = $1;

-- name: session-delete-expired
DELETE FROM sessions WHERE expires_at <= $1;

-- name: token-insert
INSERT INTO api_tokens (user_id, name, prefix, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: token-by-hash
SELECT id, user_id, name, prefix, hash, created_at, last_used_at, expires_at, revoked_at
FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2);

-- name: token-list
SELECT id, user_id, name, prefix, hash, created_at, last_used_at, expires_at, revoked_at
FROM api_tokens WHERE user_id = $1 ORDER BY id DESC;

-- name: token-revoke
UPDATE api_tokens SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL;

-- name: token-touch
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1;

-- name: login-failure-insert
INSERT INTO login_failures (key, at) VALUES ($1, $2);

-- name: login-failure-count
SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2;

-- name: login-failure-clear
DELETE FROM login_failures WHERE key = $1;

-- name: login-failure-expire
DELETE FROM login_failures WHERE at <= $1;

-- name: audit-lock
-- SQLite has one writer connection, so a transaction already serializes the chain.
SELECT 1;

-- name: audit-head
SELECT seq, hash FROM audit_head WHERE id = 1;

-- name: audit-head-set
UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1;

-- name: audit-insert
INSERT INTO audit_log (seq, at, org_id, actor_id, actor, action, target, ip, outcome, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: audit-walk
SELECT seq, at, org_id, actor_id, actor, action, target, ip, outcome, detail, prev_hash, hash
FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2;

-- name: migration-versions
SELECT version FROM schema_migrations ORDER BY version;

-- name: policy-next-version
SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions WHERE org_id = $1;

-- name: policy-insert
INSERT INTO policy_versions (org_id, version, doc_id, title, kind, source, digest, effective_from, approved_by, note, published_by, published_by_name, published_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id;

-- name: policy-by-id
SELECT id, org_id, version, doc_id, title, kind, source, digest, effective_from, approved_by, note, published_by, published_by_name, published_at
FROM policy_versions WHERE id = $1;

-- name: policy-list
-- The source is left out: lists show metadata, and a policy is tens of kilobytes.
SELECT id, org_id, version, doc_id, title, kind, '', digest, effective_from, approved_by, note, published_by, published_by_name, published_at
FROM policy_versions WHERE org_id = $1 ORDER BY version DESC;

-- name: policy-at
SELECT id, org_id, version, doc_id, title, kind, source, digest, effective_from, approved_by, note, published_by, published_by_name, published_at
FROM policy_versions WHERE org_id = $1 AND effective_from <= $2
ORDER BY effective_from DESC, version DESC LIMIT 1;

-- Live calls (calls.go). Counts come from the utterances themselves, so the
-- hot path only ever inserts.

-- name: call-insert
INSERT INTO calls (org_id, channel, caller_number, staff_id, staff_name, opened_by, policy_version_id, started_at, stage, restricted, restricted_reason, needs_case)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, FALSE) RETURNING id;

-- name: call-by-id
SELECT c.id, c.org_id, c.channel, c.caller_number, c.staff_id, c.staff_name, c.opened_by, c.policy_version_id, c.started_at, c.ended_at,
       c.stage, c.restricted, c.restricted_reason, c.needs_case,
       (SELECT COUNT(*) FROM call_utterances u WHERE u.call_id = c.id),
       (SELECT COUNT(*) FROM call_utterances u WHERE u.call_id = c.id AND u.flagged)
FROM calls c WHERE c.id = $1;

-- name: call-list
-- $2: 1 ongoing only, 0 ended only, -1 both; $3: 1 needing a case only, -1 any.
SELECT c.id, c.org_id, c.channel, c.caller_number, c.staff_id, c.staff_name, c.opened_by, c.policy_version_id, c.started_at, c.ended_at,
       c.stage, c.restricted, c.restricted_reason, c.needs_case,
       (SELECT COUNT(*) FROM call_utterances u WHERE u.call_id = c.id),
       (SELECT COUNT(*) FROM call_utterances u WHERE u.call_id = c.id AND u.flagged)
FROM calls c
WHERE c.org_id = $1
  AND ($2 = -1 OR ($2 = 1 AND c.ended_at IS NULL) OR ($2 = 0 AND c.ended_at IS NOT NULL))
  AND ($3 = -1 OR c.needs_case = ($3 = 1))
ORDER BY c.id DESC LIMIT $4;

-- name: call-set-stage
UPDATE calls SET stage = $2 WHERE id = $1;

-- name: call-end
UPDATE calls SET ended_at = $2, needs_case = $3 WHERE id = $1 AND ended_at IS NULL;

-- name: utterance-insert
-- One row; InsertUtterances repeats the VALUES tuple for a batch.
INSERT INTO call_utterances (call_id, seq, speaker, text, at, verdict, categories, alerts, flagged)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (call_id, seq) DO NOTHING RETURNING call_id, seq;

-- name: utterance-list
SELECT call_id, seq, speaker, text, at, verdict, categories, alerts FROM call_utterances
WHERE call_id = $1 AND seq > $2 ORDER BY seq;

-- name: utterance-by-seq
SELECT call_id, seq, speaker, text, at, verdict, categories, alerts FROM call_utterances
WHERE call_id = $1 AND seq = $2;

-- Customers (003). The *_norm columns are computed in Go.

-- name: customer-insert
INSERT INTO customers (org_id, name, kana, phone, email, member_no, address, note,
    name_norm, kana_norm, phone_norm, email_norm, member_norm, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id;

-- name: customer-update
UPDATE customers SET name = $3, kana = $4, phone = $5, email = $6, member_no = $7, address = $8, note = $9,
    name_norm = $10, kana_norm = $11, phone_norm = $12, email_norm = $13, member_norm = $14, updated_at = $15
WHERE org_id = $1 AND id = $2;

-- name: customer-set-repeat
UPDATE customers SET repeat_flag = $3, repeat_reason = $4, repeat_at = $5, updated_at = $6 WHERE org_id = $1 AND id = $2;

-- name: customer-by-id
SELECT id, org_id, name, kana, phone, email, member_no, address, note, repeat_flag, repeat_reason, repeat_at, created_at, updated_at
FROM customers WHERE org_id = $1 AND id = $2;

-- name: customer-by-phone
SELECT id, org_id, name, kana, phone, email, member_no, address, note, repeat_flag, repeat_reason, repeat_at, created_at, updated_at
FROM customers WHERE org_id = $1 AND phone_norm = $2 AND phone_norm <> '' ORDER BY id LIMIT 20;

-- name: customer-by-email
SELECT id, org_id, name, kana, phone, email, member_no, address, note, repeat_flag, repeat_reason, repeat_at, created_at, updated_at
FROM customers WHERE org_id = $1 AND email_norm = $2 AND email_norm <> '' ORDER BY id LIMIT 20;

-- name: customer-by-member
SELECT id, org_id, name, kana, phone, email, member_no, address, note, repeat_flag, repeat_reason, repeat_at, created_at, updated_at
FROM customers WHERE org_id = $1 AND member_norm = $2 AND member_norm <> '' ORDER BY id LIMIT 20;

-- name: customer-case-activity
SELECT COUNT(*), COUNT(DISTINCT department_id) FROM cases WHERE customer_id = $1 AND occurred_at >= $2;

-- name: customer-contact-activity
SELECT COUNT(*), COUNT(DISTINCT department_id) FROM contacts WHERE customer_id = $1 AND at >= $2;

-- name: customer-departments
SELECT COUNT(*) FROM (
    SELECT department_id FROM cases WHERE customer_id = $1 AND occurred_at >= $2 AND department_id IS NOT NULL
    UNION
    SELECT department_id FROM contacts WHERE customer_id = $1 AND at >= $2 AND department_id IS NOT NULL
) d;

-- name: contact-insert
INSERT INTO contacts (org_id, case_id, customer_id, department_id, channel, at, minutes, staff_count, staff_names, summary, recorded_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id;

-- name: contacts-of-case
SELECT id, org_id, case_id, customer_id, department_id, channel, at, minutes, staff_count, staff_names, summary, recorded_by, created_at
FROM contacts WHERE org_id = $1 AND case_id = $2 ORDER BY at, id;

-- name: contacts-of-customer
SELECT id, org_id, case_id, customer_id, department_id, channel, at, minutes, staff_count, staff_names, summary, recorded_by, created_at
FROM contacts WHERE org_id = $1 AND customer_id = $2 ORDER BY at, id;

-- name: restriction-insert
INSERT INTO restrictions (org_id, customer_id, case_id, kind, channels, sanction_id, sanction_text, reason, approver_id, approver_name, approver_role,
    start_at, end_at, review_at, lift_reason, policy_version_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '', $15, $16) RETURNING id;

-- name: restriction-lift
UPDATE restrictions SET lifted_at = $3, lifted_by = $4, lift_reason = $5 WHERE org_id = $1 AND id = $2 AND lifted_at IS NULL;

-- name: restriction-by-id
SELECT id, org_id, customer_id, case_id, kind, channels, sanction_id, sanction_text, reason, approver_id, approver_name, approver_role,
    start_at, end_at, review_at, lifted_at, lifted_by, lift_reason, policy_version_id, created_at
FROM restrictions WHERE org_id = $1 AND id = $2;

-- name: restrictions-of-customer
SELECT id, org_id, customer_id, case_id, kind, channels, sanction_id, sanction_text, reason, approver_id, approver_name, approver_role,
    start_at, end_at, review_at, lifted_at, lifted_by, lift_reason, policy_version_id, created_at
FROM restrictions WHERE org_id = $1 AND customer_id = $2 ORDER BY id DESC;

-- Cases (003). The list is built in Go (cases.go) from its filters.

-- name: case-insert
INSERT INTO cases (org_id, state, channel, occurred_at, place, department_id, customer_id, customer_known, demand, narrative,
    types, codes, staff_involved, staff_count, staff_injured, wants_to_talk, staff_condition, recorded, recording_consent, urgent,
    reporter_id, assignee_id, due_at, policy_version_id, demand_validity, demand_assessment, means_appropriate, assessed_by,
    assessed_by_name, assessed_at, harassment, judgement, response, escalation, police_at, report_filed, reopen_reason, closed_at,
    created_at, updated_at, revision, search_norm)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,
    $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $39, 1, $40) RETURNING id;

-- name: case-update
UPDATE cases SET state = $3, channel = $4, occurred_at = $5, place = $6, department_id = $7, customer_id = $8, customer_known = $9,
    demand = $10, narrative = $11, types = $12, codes = $13, staff_involved = $14, staff_count = $15, staff_injured = $16,
    wants_to_talk = $17, staff_condition = $18, recorded = $19, recording_consent = $20, urgent = $21, assignee_id = $22,
    due_at = $23, demand_validity = $24, demand_assessment = $25, means_appropriate = $26, assessed_by = $27,
    assessed_by_name = $28, assessed_at = $29, harassment = $30, judgement = $31, response = $32, escalation = $33,
    police_at = $34, report_filed = $35, reopen_reason = $36, closed_at = $37, updated_at = $38, revision = revision + 1,
    search_norm = $39
WHERE org_id = $1 AND id = $2 AND revision = $40;

-- name: case-types-delete
DELETE FROM case_types WHERE case_id = $1;

-- name: case-type-insert
INSERT INTO case_types (case_id, org_id, type_id) VALUES ($1, $2, $3);

-- name: case-event-insert
INSERT INTO case_events (case_id, kind, from_state, to_state, actor_id, actor, note, detail, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;

-- name: case-events
SELECT id, case_id, kind, from_state, to_state, actor_id, actor, note, detail, at FROM case_events WHERE case_id = $1 ORDER BY id;

-- name: attachment-insert
INSERT INTO attachments (org_id, case_id, name, content_type, size, sha256, supersedes, note, uploaded_by, created_at, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id;

-- name: attachment-by-id
SELECT id, org_id, case_id, name, content_type, size, sha256, supersedes, note, uploaded_by, created_at, data
FROM attachments WHERE case_id = $1 AND id = $2;

-- name: attachments-of-case
SELECT id, org_id, case_id, name, content_type, size, sha256, supersedes, note, uploaded_by, created_at
FROM attachments WHERE case_id = $1 ORDER BY id;

-- name: notification-insert
INSERT INTO notifications (org_id, kind, case_id, recipient_id, urgent, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: notifications-of-case
SELECT id, org_id, kind, case_id, recipient_id, urgent, created_at, delivered_at FROM notifications WHERE case_id = $1 ORDER BY id DESC;

-- name: notifications-of-recipient
SELECT id, org_id, kind, case_id, recipient_id, urgent, created_at, delivered_at FROM notifications WHERE recipient_id = $1 ORDER BY id DESC LIMIT 200;

-- name: utterance-flagged
SELECT call_id, seq, speaker, text, at, verdict, categories, alerts FROM call_utterances
WHERE call_id = $1 AND flagged ORDER BY seq DESC LIMIT $2;

-- ---- Consultation desk and training (migration 005) ----

-- name: consultation-insert
INSERT INTO consultations (org_id, anonymous, user_id, name, contact, relation, topic, occurred_on, channel, body, wish, status,
    receipt_hash, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id;

-- name: consultation-by-id
SELECT id, org_id, anonymous, user_id, name, contact, relation, topic, occurred_on, channel, body, wish, status, receipt_hash,
    created_at, updated_at FROM consultations WHERE id = $1;

-- name: consultation-by-receipt
SELECT id, org_id, anonymous, user_id, name, contact, relation, topic, occurred_on, channel, body, wish, status, receipt_hash,
    created_at, updated_at FROM consultations WHERE org_id = $1 AND receipt_hash = $2;

-- name: consultation-status
UPDATE consultations SET status = $3, updated_at = $4 WHERE org_id = $1 AND id = $2;

-- name: consultation-touch
UPDATE consultations SET updated_at = $2 WHERE id = $1;

-- name: consultation-message-insert
INSERT INTO consultation_messages (consultation_id, from_desk, author_id, author_name, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: consultation-messages
SELECT id, consultation_id, from_desk, author_id, author_name, body, created_at FROM consultation_messages
WHERE consultation_id = $1 ORDER BY id;

-- name: consultation-consent-insert
INSERT INTO consultation_consents (consultation_id, fields, narrative, consented_at) VALUES ($1, $2, $3, $4);

-- name: consultation-consent
SELECT consultation_id, fields, narrative, consented_at, case_id, handed_over_by, handed_over_at FROM consultation_consents
WHERE consultation_id = $1;

-- name: consultation-handover
UPDATE consultation_consents SET case_id = $2, handed_over_by = $3, handed_over_at = $4
WHERE consultation_id = $1 AND handed_over_at IS NULL;

-- name: consultation-handover-case
UPDATE consultation_consents SET case_id = $2 WHERE consultation_id = $1 AND handed_over_at IS NOT NULL AND case_id IS NULL;

-- name: consultation-handover-release
UPDATE consultation_consents SET handed_over_by = NULL, handed_over_at = NULL
WHERE consultation_id = $1 AND handed_over_at IS NOT NULL AND case_id IS NULL;

-- name: followup-insert
INSERT INTO consultation_followups (org_id, consultation_id, kind, note, due_on, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id;

-- name: followup-complete
UPDATE consultation_followups SET done_at = $3 WHERE org_id = $1 AND id = $2 AND done_at IS NULL;

-- name: training-assignment-insert
INSERT INTO training_assignments (org_id, module, policy_version_id, target, department_id, role, due_on, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;

-- name: training-task-insert
INSERT INTO training_tasks (assignment_id, user_id) VALUES ($1, $2);

-- name: training-assignments
SELECT a.id, a.org_id, a.module, a.policy_version_id, a.target, a.department_id, a.role, a.due_on, a.created_by, a.created_at,
    (SELECT COUNT(*) FROM training_tasks t WHERE t.assignment_id = a.id),
    (SELECT COUNT(*) FROM training_tasks t WHERE t.assignment_id = a.id AND t.completed_at IS NOT NULL)
FROM training_assignments a WHERE a.org_id = $1 ORDER BY a.id DESC;

-- name: training-task-by-id
SELECT t.id, t.assignment_id, a.org_id, t.user_id, u.name, a.module, a.policy_version_id, a.due_on, t.attempts, t.best_score,
    t.completed_at, t.reminded_at
FROM training_tasks t JOIN training_assignments a ON a.id = t.assignment_id JOIN users u ON u.id = t.user_id WHERE t.id = $1;

-- name: training-attempt-insert
INSERT INTO training_attempts (task_id, number, score, passed, answers, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: training-task-attempted
UPDATE training_tasks SET attempts = attempts + 1,
    best_score = CASE WHEN best_score > $2 THEN best_score ELSE $2 END,
    completed_at = CASE WHEN completed_at IS NULL AND $3 THEN $4 ELSE completed_at END
WHERE id = $1;

-- name: training-attempts
SELECT id, task_id, number, score, passed, answers, created_at FROM training_attempts WHERE task_id = $1 ORDER BY number;

-- name: training-task-reminded
UPDATE training_tasks SET reminded_at = $2 WHERE id = $1;

-- name: care-plan-insert
INSERT INTO care_plans (org_id, case_id, subject_id, injured, wants_to_talk, status, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id;

-- name: care-task-insert
INSERT INTO care_tasks (plan_id, org_id, seq, kind, clause, owner_id, due_on, note, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;

-- name: care-task-update
UPDATE care_tasks SET owner_id = $4, due_on = $5, note = $6, done_at = $7, done_by = $8
WHERE org_id = $1 AND plan_id = $2 AND id = $3;

-- name: care-tasks-of-plan
SELECT t.id, t.plan_id, t.org_id, t.seq, t.kind, t.clause, t.owner_id, COALESCE(u.name, ''), t.due_on, t.note, t.done_at, t.done_by, t.created_at
FROM care_tasks t LEFT JOIN users u ON u.id = t.owner_id WHERE t.plan_id = $1 ORDER BY t.seq, t.id;

-- name: care-plan-status
UPDATE care_plans SET status = $3, closed_at = $4 WHERE org_id = $1 AND id = $2;

-- name: job-lease
INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE job_leases.until <= $4;

-- ---- Case reports and notification delivery (migration 007) ----

-- name: measure-insert
INSERT INTO case_measures (org_id, case_id, kind, text, owner_id, due_at, done_at, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;

-- name: measure-done
UPDATE case_measures SET done_at = $3 WHERE case_id = $1 AND id = $2;

-- name: measures-of-case
SELECT m.id, m.org_id, m.case_id, m.kind, m.text, m.owner_id, u.name, m.due_at, m.done_at, m.created_by, m.created_at
FROM case_measures m JOIN users u ON u.id = m.owner_id
WHERE m.case_id = $1 ORDER BY CASE m.kind WHEN 'corrective' THEN 0 ELSE 1 END, m.due_at, m.id;

-- name: approval-insert
INSERT INTO case_approvals (org_id, case_id, role, approver_id, approver_name, note, at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id;

-- name: approvals-of-case
SELECT id, org_id, case_id, role, approver_id, approver_name, note, at FROM case_approvals WHERE case_id = $1 ORDER BY at, id;

-- name: notify-channel-insert
INSERT INTO notify_channels (org_id, kind, name, config, secret, enabled, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id;

-- name: notify-channel-update
UPDATE notify_channels SET kind = $3, config = $4, secret = CASE WHEN $5 = '' THEN secret ELSE $5 END, enabled = $6, updated_at = $7
WHERE org_id = $1 AND name = $2 RETURNING id, created_at, secret <> '';

-- name: notify-channels
SELECT id, org_id, kind, name, config, secret <> '', enabled, created_at, updated_at FROM notify_channels WHERE org_id = $1 ORDER BY id;

-- name: notify-channel-secret
SELECT id, org_id, kind, name, config, secret, enabled, created_at, updated_at FROM notify_channels WHERE id = $1;

-- name: notifications-unplanned
SELECT id, org_id, kind, case_id, recipient_id, urgent, created_at, delivered_at FROM notifications
WHERE planned_at IS NULL ORDER BY id LIMIT $1;

-- name: notification-planned
UPDATE notifications SET planned_at = $2 WHERE id = $1;

-- name: notification-by-id
SELECT id, org_id, kind, case_id, recipient_id, urgent, created_at, delivered_at FROM notifications WHERE id = $1;

-- name: delivery-insert
INSERT INTO notify_deliveries (org_id, notification_id, channel_id, event_key, attempts, last_error, next_at, created_at)
VALUES ($1, $2, $3, $4, 0, '', $5, $5) ON CONFLICT (channel_id, event_key) DO NOTHING RETURNING id;

-- name: deliveries-claim
UPDATE notify_deliveries SET next_at = $2, attempts = attempts + 1
WHERE id IN (SELECT id FROM notify_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $1 ORDER BY next_at LIMIT $3)
RETURNING id, org_id, notification_id, channel_id, event_key, attempts, last_error, next_at, delivered_at, failed_at, created_at;

-- name: delivery-finish
UPDATE notify_deliveries SET last_error = $2, next_at = $3, delivered_at = $4, failed_at = $5 WHERE id = $1;

-- name: notification-delivered
UPDATE notifications SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL;

-- name: deliveries-of-notification
SELECT id, org_id, notification_id, channel_id, event_key, attempts, last_error, next_at, delivered_at, failed_at, created_at
FROM notify_deliveries WHERE notification_id = $1 ORDER BY id;

-- name: deliveries-of-org
SELECT id, org_id, notification_id, channel_id, event_key, attempts, last_error, next_at, delivered_at, failed_at, created_at
FROM notify_deliveries WHERE org_id = $1 ORDER BY id DESC LIMIT 200;

-- name: followups-claim-overdue
UPDATE consultation_followups SET reminded_at = $1
WHERE id IN (SELECT id FROM consultation_followups WHERE done_at IS NULL AND reminded_at IS NULL AND due_on < $2
    ORDER BY due_on LIMIT $3)
RETURNING id, org_id, consultation_id, kind, due_on, created_by;

-- name: cases-claim-overdue
UPDATE cases SET overdue_notified_at = $1
WHERE id IN (SELECT id FROM cases WHERE due_at IS NOT NULL AND due_at < $1 AND state <> 'closed'
    AND (overdue_notified_at IS NULL OR overdue_notified_at < due_at) ORDER BY due_at LIMIT $2)
RETURNING id;
