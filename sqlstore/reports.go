package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.CaseReportService = (*DB)(nil)

// CreateMeasure implements kasuhara.CaseReportService.
func (db *DB) CreateMeasure(ctx context.Context, m *kasuhara.CaseMeasure) error {
	if err := m.Validate(); err != nil {
		return err
	}
	m.CreatedAt = db.Now()
	return mapErr(db.write.QueryRowContext(ctx, db.q("measure-insert"), m.OrgID, m.CaseID, m.Kind, m.Text, m.OwnerID, micro(m.DueAt),
		optMicro(m.DoneAt), m.CreatedBy, micro(m.CreatedAt)).Scan(&m.ID))
}

// SetMeasureDone implements kasuhara.CaseReportService.
func (db *DB) SetMeasureDone(ctx context.Context, caseID, id int64, done *time.Time) error {
	res, err := db.write.ExecContext(ctx, db.q("measure-done"), caseID, id, optMicro(done))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return nil
}

// ListMeasures implements kasuhara.CaseReportService.
func (db *DB) ListMeasures(ctx context.Context, caseID int64) ([]*kasuhara.CaseMeasure, error) {
	rows, err := db.read.QueryContext(ctx, db.q("measures-of-case"), caseID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.CaseMeasure{}
	for rows.Next() {
		var m kasuhara.CaseMeasure
		var due, created int64
		var done sql.NullInt64
		if err := rows.Scan(&m.ID, &m.OrgID, &m.CaseID, &m.Kind, &m.Text, &m.OwnerID, &m.OwnerName, &due, &done, &m.CreatedBy, &created); err != nil {
			return nil, mapErr(err)
		}
		m.DueAt, m.DoneAt, m.CreatedAt = fromMicro(due), fromOptMicro(done), fromMicro(created)
		out = append(out, &m)
	}
	return out, mapErr(rows.Err())
}

// CreateApproval implements kasuhara.CaseReportService.
func (db *DB) CreateApproval(ctx context.Context, a *kasuhara.CaseApproval) error {
	if a.At.IsZero() {
		a.At = db.Now()
	}
	err := db.write.QueryRowContext(ctx, db.q("approval-insert"), a.OrgID, a.CaseID, string(a.Role), a.ApproverID, a.ApproverName, a.Note,
		micro(a.At)).Scan(&a.ID)
	if kasuhara.ErrorCode(mapErr(err)) == kasuhara.ECONFLICT {
		return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "report.error.approved", Args: []any{string(a.Role)}, Message: "already approved", Err: err}
	}
	return mapErr(err)
}

// ListApprovals implements kasuhara.CaseReportService.
func (db *DB) ListApprovals(ctx context.Context, caseID int64) ([]*kasuhara.CaseApproval, error) {
	rows, err := db.read.QueryContext(ctx, db.q("approvals-of-case"), caseID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.CaseApproval{}
	for rows.Next() {
		var a kasuhara.CaseApproval
		var role string
		var at int64
		if err := rows.Scan(&a.ID, &a.OrgID, &a.CaseID, &role, &a.ApproverID, &a.ApproverName, &a.Note, &at); err != nil {
			return nil, mapErr(err)
		}
		a.Role, a.At = kasuhara.Role(role), fromMicro(at)
		out = append(out, &a)
	}
	return out, mapErr(rows.Err())
}
