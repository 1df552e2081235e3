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
