-- When the desk was reminded of an overdue follow-up, so that each overdue
-- follow-up is reminded once, by one server.
ALTER TABLE consultation_followups ADD COLUMN reminded_at BIGINT;
