package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.DashboardService = (*DB)(nil)

// CaseFacts implements kasuhara.DashboardService. Months and durations are
// computed by the caller from the microsecond times, so both dialects run
// the same query.
func (db *DB) CaseFacts(ctx context.Context, f kasuhara.DashboardFilter) ([]*kasuhara.CaseFact, error) {
	w := &where{}
	w.orgIn("org_id", f.OrgIDs)
	w.add("occurred_at >= ?", micro(f.From))
	w.add("occurred_at < ?", micro(f.To))
	if f.DepartmentID != nil {
		w.add("department_id = ?", *f.DepartmentID)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, org_id, state, channel, occurred_at, created_at, department_id, customer_id, types, codes,
    escalation, police_at, assessed_at, closed_at FROM cases`+w.sql()+" ORDER BY occurred_at, id", w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.CaseFact{}
	for rows.Next() {
		var c kasuhara.CaseFact
		var occurred, created int64
		var dept, cust, police, assessed, closed sql.NullInt64
		var types, codes, esc string
		if err := rows.Scan(&c.ID, &c.OrgID, &c.State, &c.Channel, &occurred, &created, &dept, &cust, &types, &codes, &esc, &police, &assessed, &closed); err != nil {
			return nil, mapErr(err)
		}
		c.OccurredAt, c.CreatedAt = fromMicro(occurred), fromMicro(created)
		c.DepartmentID, c.CustomerID = fromOptInt(dept), fromOptInt(cust)
		c.AssessedAt, c.ClosedAt = fromOptMicro(assessed), fromOptMicro(closed)
		c.Types = splitList(types)
		for _, x := range splitList(codes) {
			c.Codes = append(c.Codes, kasuhara.BehaviourCode(x))
		}
		var e kasuhara.CaseEscalation
		if esc != "" {
			if err := json.Unmarshal([]byte(esc), &e); err != nil {
				return nil, mapErr(err)
			}
		}
		c.Escalated = police.Valid || e.ExecutiveAt != nil || e.PoliceAt != nil || e.LawyerAt != nil
		out = append(out, &c)
	}
	return out, mapErr(rows.Err())
}

// ActiveRestrictions implements kasuhara.DashboardService.
func (db *DB) ActiveRestrictions(ctx context.Context, orgIDs []int64, at time.Time) (int, error) {
	w := &where{}
	w.orgIn("org_id", orgIDs)
	w.add("start_at <= ?", micro(at))
	w.add("lifted_at IS NULL")
	w.add("(end_at IS NULL OR end_at > ?)", micro(at))
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM restrictions"+w.sql(), w.args...).Scan(&n)
	return n, mapErr(err)
}

// ConsultationTimes implements kasuhara.DashboardService.
func (db *DB) ConsultationTimes(ctx context.Context, orgIDs []int64, from, to time.Time) ([]time.Time, error) {
	w := &where{}
	w.orgIn("org_id", orgIDs)
	w.add("created_at >= ?", micro(from))
	w.add("created_at < ?", micro(to))
	rows, err := db.read.QueryContext(ctx, "SELECT created_at FROM consultations"+w.sql()+" ORDER BY created_at", w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []time.Time{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, fromMicro(v))
	}
	return out, mapErr(rows.Err())
}

// TrainingCounts implements kasuhara.DashboardService.
func (db *DB) TrainingCounts(ctx context.Context, orgIDs []int64, departmentID *int64, from, to time.Time) ([]kasuhara.TrainingCount, error) {
	w := &where{}
	w.orgIn("a.org_id", orgIDs)
	w.add("a.due_on >= ?", micro(from))
	w.add("a.due_on < ?", micro(to))
	if departmentID != nil {
		w.add("u.department_id = ?", *departmentID)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT a.module, COUNT(*), COUNT(t.completed_at) FROM training_tasks t
    JOIN training_assignments a ON a.id = t.assignment_id JOIN users u ON u.id = t.user_id`+w.sql()+" GROUP BY a.module ORDER BY a.module", w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []kasuhara.TrainingCount{}
	for rows.Next() {
		var c kasuhara.TrainingCount
		if err := rows.Scan(&c.Module, &c.Assigned, &c.Completed); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}
