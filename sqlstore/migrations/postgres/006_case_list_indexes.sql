-- Indexes for the case list's filters that were measured slow at a million
-- cases: department with state, and a supervisor's overdue cases, both
-- counted from the index alone.
CREATE INDEX cases_department_state ON cases (department_id, state, occurred_at);
CREATE INDEX cases_assignee_due ON cases (assignee_id, due_at, state);
