-- Japanese case search through an FTS5 trigram index over the same normalized
-- text (search_norm) the LIKE search reads, so a rare word is found from the
-- index instead of by scanning every case. The index is external-content: it
-- stores trigrams and row ids only, and the triggers below keep it in step
-- with every write to cases, whichever code path makes it.
CREATE VIRTUAL TABLE cases_fts USING fts5(search_norm, content='cases', content_rowid='id', tokenize='trigram');
INSERT INTO cases_fts (cases_fts) VALUES ('rebuild');

CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts (rowid, search_norm) VALUES (new.id, new.search_norm);
END;
-- Most updates leave the text alone (state, assignee); only a changed text
-- is re-indexed.
CREATE TRIGGER cases_fts_update AFTER UPDATE OF search_norm ON cases
WHEN old.search_norm IS NOT new.search_norm BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_norm) VALUES ('delete', old.id, old.search_norm);
    INSERT INTO cases_fts (rowid, search_norm) VALUES (new.id, new.search_norm);
END;
CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_norm) VALUES ('delete', old.id, old.search_norm);
END;

-- A person's open overdue cases, newest first: the open cases of one
-- assignee in incident order, the order the list pages in, with the due date
-- in the index so the overdue test and the count need no table rows.
CREATE INDEX cases_assignee_open ON cases (org_id, assignee_id, occurred_at, id, due_at)
    WHERE state <> 'closed' AND assignee_id IS NOT NULL;
