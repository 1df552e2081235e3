-- The trigram index for Japanese case search, made again when migration 003
-- could not make it. An extension lives in one schema per database: when
-- pg_trgm was already created in another schema than this one (another
-- kasuhara schema on the same database), CREATE EXTENSION IF NOT EXISTS does
-- nothing and the unqualified operator class is not found, so 003 gave up.
-- Naming the class with the extension's schema works from any schema.
DO $$
DECLARE
    ext_schema text;
BEGIN
    IF to_regclass('cases_search_trgm') IS NULL THEN
        SELECT extnamespace::regnamespace::text INTO ext_schema FROM pg_extension WHERE extname = 'pg_trgm';
        IF ext_schema IS NULL THEN
            CREATE EXTENSION pg_trgm;
            SELECT extnamespace::regnamespace::text INTO ext_schema FROM pg_extension WHERE extname = 'pg_trgm';
        END IF;
        EXECUTE format('CREATE INDEX cases_search_trgm ON cases USING gin (search_norm %s.gin_trgm_ops)', ext_schema);
    END IF;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%); case search uses LIKE without an index', SQLERRM;
END $$;

-- A person's open overdue cases, newest first: the open cases of one
-- assignee in incident order, the order the list pages in, with the due date
-- in the index so the overdue test and the count read the index only.
CREATE INDEX cases_assignee_open ON cases (org_id, assignee_id, occurred_at, id) INCLUDE (due_at)
    WHERE state <> 'closed' AND assignee_id IS NOT NULL;
