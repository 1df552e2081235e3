package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.CareService = (*DB)(nil)

const carePlanColumns = `p.id, p.org_id, p.case_id, p.subject_id, u.name, p.injured, p.wants_to_talk, p.status, p.created_at, p.closed_at,
    (SELECT COUNT(*) FROM care_tasks t WHERE t.plan_id = p.id),
    (SELECT COUNT(*) FROM care_tasks t WHERE t.plan_id = p.id AND t.done_at IS NOT NULL)`

func scanCarePlan(s scanner) (*kasuhara.CarePlan, error) {
	var p kasuhara.CarePlan
	var created int64
	var closed sql.NullInt64
	if err := s.Scan(&p.ID, &p.OrgID, &p.CaseID, &p.SubjectID, &p.SubjectName, &p.Injured, &p.WantsToTalk, &p.Status, &created, &closed,
		&p.Total, &p.Done); err != nil {
		return nil, mapErr(err)
	}
	p.CreatedAt, p.ClosedAt = fromMicro(created), fromOptMicro(closed)
	return &p, nil
}

func scanCareTask(s scanner) (*kasuhara.CareTask, error) {
	var t kasuhara.CareTask
	var owner, done, doneBy sql.NullInt64
	var due, created int64
	if err := s.Scan(&t.ID, &t.PlanID, &t.OrgID, &t.Seq, &t.Kind, &t.Clause, &owner, &t.OwnerName, &due, &t.Note, &done, &doneBy, &created); err != nil {
		return nil, mapErr(err)
	}
	t.OwnerID, t.DoneAt, t.DoneBy = fromOptInt(owner), fromOptMicro(done), fromOptInt(doneBy)
	t.DueOn, t.CreatedAt = fromMicro(due), fromMicro(created)
	return &t, nil
}

// CreateCarePlan implements kasuhara.CareService.
func (db *DB) CreateCarePlan(ctx context.Context, p *kasuhara.CarePlan) error {
	for _, t := range p.Tasks {
		if err := t.Validate(); err != nil {
			return err
		}
	}
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		if p.Status == "" {
			p.Status = "open"
		}
		if err := tx.write.QueryRowContext(ctx, db.q("care-plan-insert"), p.OrgID, p.CaseID, p.SubjectID, p.Injured, p.WantsToTalk,
			p.Status, micro(now)).Scan(&p.ID); err != nil {
			return mapErr(err)
		}
		p.CreatedAt = now
		for i, t := range p.Tasks {
			t.PlanID, t.OrgID, t.Seq = p.ID, p.OrgID, i+1
			if err := tx.AddCareTask(ctx, t); err != nil {
				return err
			}
		}
		p.Total = len(p.Tasks)
		return nil
	})
}

// FindCarePlan implements kasuhara.CareService.
func (db *DB) FindCarePlan(ctx context.Context, orgIDs []int64, id int64) (*kasuhara.CarePlan, error) {
	w := &where{}
	w.add("p.id = ?", id)
	w.orgIn("p.org_id", orgIDs)
	p, err := scanCarePlan(db.read.QueryRowContext(ctx, "SELECT "+carePlanColumns+" FROM care_plans p JOIN users u ON u.id = p.subject_id"+w.sql(), w.args...))
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q("care-tasks-of-plan"), p.ID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	p.Tasks = []*kasuhara.CareTask{}
	for rows.Next() {
		t, err := scanCareTask(rows)
		if err != nil {
			return nil, err
		}
		p.Tasks = append(p.Tasks, t)
	}
	return p, mapErr(rows.Err())
}

// ListCarePlans implements kasuhara.CareService.
func (db *DB) ListCarePlans(ctx context.Context, f kasuhara.CarePlanFilter) ([]*kasuhara.CarePlan, error) {
	w := &where{}
	w.orgIn("p.org_id", f.OrgIDs)
	if f.SubjectID != nil {
		w.add("p.subject_id = ?", *f.SubjectID)
	}
	if f.CaseID != 0 {
		w.add("p.case_id = ?", f.CaseID)
	}
	if f.Status != "" {
		w.add("p.status = ?", f.Status)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+carePlanColumns+" FROM care_plans p JOIN users u ON u.id = p.subject_id"+w.sql()+
		" ORDER BY p.id DESC LIMIT "+strconv.Itoa(clampLimit(f.Limit)), w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.CarePlan{}
	for rows.Next() {
		p, err := scanCarePlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

// AddCareTask implements kasuhara.CareService.
func (db *DB) AddCareTask(ctx context.Context, t *kasuhara.CareTask) error {
	if err := t.Validate(); err != nil {
		return err
	}
	now := db.Now()
	if t.Seq == 0 {
		if err := db.write.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM care_tasks WHERE plan_id = $1", t.PlanID).Scan(&t.Seq); err != nil {
			return mapErr(err)
		}
	}
	if err := db.write.QueryRowContext(ctx, db.q("care-task-insert"), t.PlanID, t.OrgID, t.Seq, t.Kind, t.Clause, optInt(t.OwnerID),
		micro(t.DueOn), t.Note, micro(now)).Scan(&t.ID); err != nil {
		return mapErr(err)
	}
	t.CreatedAt = now
	return nil
}

// UpdateCareTask implements kasuhara.CareService.
func (db *DB) UpdateCareTask(ctx context.Context, orgID, planID int64, t *kasuhara.CareTask) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return affected(db.write.ExecContext(ctx, db.q("care-task-update"), orgID, planID, t.ID, optInt(t.OwnerID), micro(t.DueOn), t.Note,
		optMicro(t.DoneAt), optInt(t.DoneBy)))
}

// SetCarePlanStatus implements kasuhara.CareService.
func (db *DB) SetCarePlanStatus(ctx context.Context, orgID, id int64, status string, at time.Time) error {
	var closed any
	if status == "closed" {
		closed = micro(at)
	}
	return affected(db.write.ExecContext(ctx, db.q("care-plan-status"), orgID, id, status, closed))
}

// OpenCareTasks implements kasuhara.CareService.
func (db *DB) OpenCareTasks(ctx context.Context, orgIDs []int64) ([]*kasuhara.CareTask, error) {
	w := &where{}
	w.orgIn("t.org_id", orgIDs)
	w.add("t.done_at IS NULL")
	w.add("p.status = 'open'")
	rows, err := db.read.QueryContext(ctx, `SELECT t.id, t.plan_id, t.org_id, t.seq, t.kind, t.clause, t.owner_id, COALESCE(u.name, ''), t.due_on,
    t.note, t.done_at, t.done_by, t.created_at FROM care_tasks t JOIN care_plans p ON p.id = t.plan_id LEFT JOIN users u ON u.id = t.owner_id`+
		w.sql()+" ORDER BY t.due_on, t.id LIMIT 500", w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.CareTask{}
	for rows.Next() {
		t, err := scanCareTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// TryLease claims the background job name for holder until until, unless
// another holder's claim is still running at now. It reports whether the
// claim was taken, so that of several servers sharing a database only one
// runs the job.
func (db *DB) TryLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, db.q("job-lease"), name, holder, micro(until), micro(now))
	if err != nil {
		return false, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}
