package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.RetentionService = (*DB)(nil)

// attachmentKinds sorts attachments into retention kinds by content type.
var attachmentKinds = map[string]string{
	"call_recording": "a.content_type LIKE 'audio/%'",
	"video":          "a.content_type LIKE 'video/%'",
	"email":          "(a.content_type = 'message/rfc822' OR a.name LIKE '%.eml')",
	"report":         "NOT (a.content_type LIKE 'audio/%' OR a.content_type LIKE 'video/%' OR a.content_type = 'message/rfc822' OR a.name LIKE '%.eml')",
}

func unknownKind(kind string) error {
	return kasuhara.FieldError("kind", "retention.error.kind", kind)
}

// ExpiredRecords implements kasuhara.RetentionService.
func (db *DB) ExpiredRecords(ctx context.Context, orgID int64, kind string, cutoff time.Time) ([]int64, error) {
	var q string
	switch kind {
	case "call_recording", "video", "email", "report":
		q = `SELECT a.id FROM attachments a JOIN cases c ON c.id = a.case_id
WHERE a.org_id = $1 AND a.created_at < $2 AND a.purged_at IS NULL AND NOT c.legal_hold AND ` + attachmentKinds[kind] + ` ORDER BY a.id`
	case "call_transcript":
		q = `SELECT id FROM calls WHERE org_id = $1 AND ended_at IS NOT NULL AND ended_at < $2 AND purged_at IS NULL ORDER BY id`
	case "consultation":
		q = `SELECT id FROM consultations WHERE org_id = $1 AND status = 'closed' AND updated_at < $2 AND purged_at IS NULL ORDER BY id`
	case "case":
		q = `SELECT id FROM cases WHERE org_id = $1 AND state = 'closed' AND closed_at < $2 AND anonymized_at IS NULL AND NOT legal_hold ORDER BY id`
	default:
		return nil, unknownKind(kind)
	}
	rows, err := db.read.QueryContext(ctx, q, orgID, micro(cutoff))
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr(rows.Err())
}

// purgeStatements are run per record, in order, with $1 the org, $2 the ID
// and $3 the time. Each kind's first statement is the one whose row count is reported.
var purgeStatements = map[string][]string{
	"attachment": {
		`UPDATE attachments SET data = $4, purged_at = $3 WHERE org_id = $1 AND id = $2 AND purged_at IS NULL
    AND case_id IN (SELECT id FROM cases WHERE NOT legal_hold)`,
	},
	"call_transcript": {
		`UPDATE calls SET caller_number = '', purged_at = $3 WHERE org_id = $1 AND id = $2 AND purged_at IS NULL`,
		`DELETE FROM call_utterances WHERE call_id = $2 AND EXISTS (SELECT 1 FROM calls WHERE id = $2 AND org_id = $1)`,
	},
	"consultation": {
		`UPDATE consultations SET body = '', name = '', contact = '', purged_at = $3 WHERE org_id = $1 AND id = $2 AND purged_at IS NULL`,
		`UPDATE consultation_messages SET body = '', author_name = '' WHERE consultation_id = $2
    AND EXISTS (SELECT 1 FROM consultations WHERE id = $2 AND org_id = $1)`,
		`UPDATE consultation_consents SET narrative = '' WHERE consultation_id = $2
    AND EXISTS (SELECT 1 FROM consultations WHERE id = $2 AND org_id = $1)`,
		`UPDATE consultation_followups SET note = '' WHERE org_id = $1 AND consultation_id = $2`,
	},
	"case": {
		`UPDATE cases SET place = '', customer_known = '', demand = '', narrative = '', staff_involved = '', staff_condition = '',
    demand_assessment = '', response = '', reopen_reason = '', search_norm = '', customer_id = NULL, anonymized_at = $3
    WHERE org_id = $1 AND id = $2 AND anonymized_at IS NULL AND NOT legal_hold`,
		`UPDATE contacts SET summary = '', staff_names = '', customer_id = NULL WHERE org_id = $1 AND case_id = $2`,
		`UPDATE case_events SET note = '' WHERE case_id = $2 AND EXISTS (SELECT 1 FROM cases WHERE id = $2 AND org_id = $1)`,
		`UPDATE attachments SET data = $4, purged_at = $3 WHERE org_id = $1 AND case_id = $2 AND purged_at IS NULL`,
	},
}

// PurgeRecords implements kasuhara.RetentionService.
func (db *DB) PurgeRecords(ctx context.Context, orgID int64, kind string, ids []int64, at time.Time) (int, error) {
	key := kind
	if _, ok := attachmentKinds[kind]; ok {
		key = "attachment"
	}
	stmts, ok := purgeStatements[key]
	if !ok {
		return 0, unknownKind(kind)
	}
	n := 0
	err := db.InTx(ctx, func(tx *DB) error {
		for _, id := range ids {
			for i, q := range stmts {
				args := []any{orgID, id, micro(at)}
				if strings.Contains(q, "$4") {
					args = append(args, []byte{})
				}
				res, err := tx.write.ExecContext(ctx, q, args...)
				if err != nil {
					return mapErr(err)
				}
				if i == 0 {
					c, err := res.RowsAffected()
					if err != nil {
						return mapErr(err)
					}
					if c == 0 {
						break // held, removed already or not this organization's
					}
					n++
				}
			}
		}
		return nil
	})
	return n, err
}

// SetLegalHold implements kasuhara.RetentionService.
func (db *DB) SetLegalHold(ctx context.Context, orgID, caseID int64, hold bool, reason string) error {
	if !hold {
		reason = ""
	}
	return affected(db.write.ExecContext(ctx, `UPDATE cases SET legal_hold = $3, legal_hold_reason = $4 WHERE org_id = $1 AND id = $2`,
		orgID, caseID, hold, reason))
}

// LegalHold implements kasuhara.RetentionService.
func (db *DB) LegalHold(ctx context.Context, orgID, caseID int64) (bool, string, error) {
	var hold bool
	var reason string
	err := db.read.QueryRowContext(ctx, `SELECT legal_hold, legal_hold_reason FROM cases WHERE org_id = $1 AND id = $2`, orgID, caseID).Scan(&hold, &reason)
	return hold, reason, mapErr(err)
}
