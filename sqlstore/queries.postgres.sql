-- PostgreSQL overrides of queries.sql.

-- name: audit-lock
-- Several servers may append at once; a transaction-scoped advisory lock
-- makes them take turns at the head of the chain.
SELECT pg_advisory_xact_lock(7316160101);
