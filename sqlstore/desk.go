package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

var (
	_ kasuhara.ConsultationService = (*DB)(nil)
	_ kasuhara.TrainingService     = (*DB)(nil)
)

// orgIn adds "col IN (orgIDs)"; no organizations match nothing.
func (w *where) orgIn(col string, orgIDs []int64) {
	if len(orgIDs) == 0 {
		w.add("1 = 0")
		return
	}
	ph := make([]string, len(orgIDs))
	args := make([]any, len(orgIDs))
	for i, o := range orgIDs {
		ph[i], args[i] = "?", o
	}
	w.add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
}

func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const consultationColumns = `id, org_id, anonymous, user_id, name, contact, relation, topic, occurred_on, channel, body, wish, status,
    receipt_hash, created_at, updated_at`

func scanConsultation(s scanner) (*kasuhara.Consultation, error) {
	var c kasuhara.Consultation
	var user, occurred sql.NullInt64
	var receipt sql.NullString
	var created, updated int64
	if err := s.Scan(&c.ID, &c.OrgID, &c.Anonymous, &user, &c.Name, &c.Contact, &c.Relation, &c.Topic, &occurred, &c.Channel,
		&c.Body, &c.Wish, &c.Status, &receipt, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	c.UserID, c.OccurredOn, c.ReceiptHash = fromOptInt(user), fromOptMicro(occurred), receipt.String
	c.CreatedAt, c.UpdatedAt = fromMicro(created), fromMicro(updated)
	return &c, nil
}

// CreateConsultation implements kasuhara.ConsultationService.
func (db *DB) CreateConsultation(ctx context.Context, c *kasuhara.Consultation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	now := db.Now()
	err := db.write.QueryRowContext(ctx, db.q("consultation-insert"), c.OrgID, c.Anonymous, optInt(c.UserID), c.Name, c.Contact,
		c.Relation, c.Topic, optMicro(c.OccurredOn), c.Channel, c.Body, c.Wish, c.Status, optString(c.ReceiptHash), micro(now)).Scan(&c.ID)
	if err != nil {
		return mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return nil
}

// FindConsultation implements kasuhara.ConsultationService.
func (db *DB) FindConsultation(ctx context.Context, orgIDs []int64, id int64) (*kasuhara.Consultation, error) {
	c, err := scanConsultation(db.read.QueryRowContext(ctx, db.q("consultation-by-id"), id))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(orgIDs, c.OrgID) {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return c, nil
}

// FindConsultationByReceipt implements kasuhara.ConsultationService.
func (db *DB) FindConsultationByReceipt(ctx context.Context, orgID int64, hash string) (*kasuhara.Consultation, error) {
	return scanConsultation(db.read.QueryRowContext(ctx, db.q("consultation-by-receipt"), orgID, hash))
}

// ListConsultations implements kasuhara.ConsultationService.
func (db *DB) ListConsultations(ctx context.Context, f kasuhara.ConsultationFilter) ([]*kasuhara.Consultation, error) {
	w := &where{}
	w.orgIn("org_id", f.OrgIDs)
	if f.UserID != nil {
		w.add("user_id = ?", *f.UserID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+consultationColumns+" FROM consultations"+w.sql()+
		" ORDER BY id DESC LIMIT "+strconv.Itoa(clampLimit(f.Limit)), w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Consultation{}
	for rows.Next() {
		c, err := scanConsultation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// affected turns "no row changed" into ENOTFOUND.
func affected(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return nil
}

// SetConsultationStatus implements kasuhara.ConsultationService.
func (db *DB) SetConsultationStatus(ctx context.Context, orgID, id int64, status string) error {
	if !slices.Contains(kasuhara.ConsultationStatuses, status) {
		return kasuhara.FieldError("status", "desk.error.choice")
	}
	return affected(db.write.ExecContext(ctx, db.q("consultation-status"), orgID, id, status, micro(db.Now())))
}

// AddConsultationMessage implements kasuhara.ConsultationService.
func (db *DB) AddConsultationMessage(ctx context.Context, m *kasuhara.ConsultationMessage) error {
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		err := tx.write.QueryRowContext(ctx, db.q("consultation-message-insert"), m.ConsultationID, m.FromDesk, optInt(m.AuthorID),
			m.AuthorName, m.Body, micro(now)).Scan(&m.ID)
		if err != nil {
			return mapErr(err)
		}
		m.CreatedAt = now
		return affected(tx.write.ExecContext(ctx, db.q("consultation-touch"), m.ConsultationID, micro(now)))
	})
}

// ListConsultationMessages implements kasuhara.ConsultationService.
func (db *DB) ListConsultationMessages(ctx context.Context, consultationID int64) ([]*kasuhara.ConsultationMessage, error) {
	rows, err := db.read.QueryContext(ctx, db.q("consultation-messages"), consultationID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.ConsultationMessage{}
	for rows.Next() {
		var m kasuhara.ConsultationMessage
		var author sql.NullInt64
		var at int64
		if err := rows.Scan(&m.ID, &m.ConsultationID, &m.FromDesk, &author, &m.AuthorName, &m.Body, &at); err != nil {
			return nil, mapErr(err)
		}
		m.AuthorID, m.CreatedAt = fromOptInt(author), fromMicro(at)
		out = append(out, &m)
	}
	return out, mapErr(rows.Err())
}

// CreateConsultationConsent implements kasuhara.ConsultationService.
func (db *DB) CreateConsultationConsent(ctx context.Context, c *kasuhara.ConsultationConsent) error {
	_, err := db.write.ExecContext(ctx, db.q("consultation-consent-insert"), c.ConsultationID, listField(c.Fields), c.Narrative, micro(c.ConsentedAt))
	return mapErr(err)
}

// FindConsultationConsent implements kasuhara.ConsultationService.
func (db *DB) FindConsultationConsent(ctx context.Context, consultationID int64) (*kasuhara.ConsultationConsent, error) {
	var c kasuhara.ConsultationConsent
	var fields string
	var consented int64
	var caseID, by, at sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q("consultation-consent"), consultationID).Scan(&c.ConsultationID, &fields, &c.Narrative,
		&consented, &caseID, &by, &at)
	if err != nil {
		return nil, mapErr(err)
	}
	c.Fields, c.ConsentedAt = splitList(fields), fromMicro(consented)
	c.CaseID, c.HandedOverBy, c.HandedOverAt = fromOptInt(caseID), fromOptInt(by), fromOptMicro(at)
	return &c, nil
}

// RecordHandover implements kasuhara.ConsultationService.
func (db *DB) RecordHandover(ctx context.Context, consultationID int64, caseID *int64, userID int64, at time.Time) error {
	err := affected(db.write.ExecContext(ctx, db.q("consultation-handover"), consultationID, optInt(caseID), userID, micro(at)))
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "desk.error.handed_over", Message: "no consent, or handed over already"}
	}
	return err
}

// FinishHandover implements kasuhara.ConsultationService.
func (db *DB) FinishHandover(ctx context.Context, consultationID int64, caseID *int64) error {
	if caseID == nil {
		return affected(db.write.ExecContext(ctx, db.q("consultation-handover-release"), consultationID))
	}
	return affected(db.write.ExecContext(ctx, db.q("consultation-handover-case"), consultationID, *caseID))
}

// AddFollowUp implements kasuhara.ConsultationService.
func (db *DB) AddFollowUp(ctx context.Context, f *kasuhara.FollowUp) error {
	if err := f.Validate(); err != nil {
		return err
	}
	now := db.Now()
	err := db.write.QueryRowContext(ctx, db.q("followup-insert"), f.OrgID, f.ConsultationID, f.Kind, f.Note, micro(f.DueOn),
		f.CreatedBy, micro(now)).Scan(&f.ID)
	if err != nil {
		return mapErr(err)
	}
	f.CreatedAt = now
	return nil
}

// ListFollowUps implements kasuhara.ConsultationService.
func (db *DB) ListFollowUps(ctx context.Context, f kasuhara.FollowUpFilter) ([]*kasuhara.FollowUp, error) {
	w := &where{}
	w.orgIn("org_id", f.OrgIDs)
	if f.ConsultationID > 0 {
		w.add("consultation_id = ?", f.ConsultationID)
	}
	if f.OpenOnly {
		w.add("done_at IS NULL")
	}
	rows, err := db.read.QueryContext(ctx, "SELECT id, org_id, consultation_id, kind, note, due_on, done_at, created_by, created_at FROM consultation_followups"+
		w.sql()+" ORDER BY due_on, id LIMIT 500", w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.FollowUp{}
	for rows.Next() {
		var x kasuhara.FollowUp
		var due, created int64
		var done sql.NullInt64
		if err := rows.Scan(&x.ID, &x.OrgID, &x.ConsultationID, &x.Kind, &x.Note, &due, &done, &x.CreatedBy, &created); err != nil {
			return nil, mapErr(err)
		}
		x.DueOn, x.DoneAt, x.CreatedAt = fromMicro(due), fromOptMicro(done), fromMicro(created)
		out = append(out, &x)
	}
	return out, mapErr(rows.Err())
}

// CompleteFollowUp implements kasuhara.ConsultationService.
func (db *DB) CompleteFollowUp(ctx context.Context, orgID, id int64, at time.Time) error {
	return affected(db.write.ExecContext(ctx, db.q("followup-complete"), orgID, id, micro(at)))
}

// CreateTrainingAssignment implements kasuhara.TrainingService.
func (db *DB) CreateTrainingAssignment(ctx context.Context, a *kasuhara.TrainingAssignment, userIDs []int64) error {
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		err := tx.write.QueryRowContext(ctx, db.q("training-assignment-insert"), a.OrgID, a.Module, a.PolicyVersionID, a.Target,
			optInt(a.DepartmentID), string(a.Role), micro(a.DueOn), a.CreatedBy, micro(now)).Scan(&a.ID)
		if err != nil {
			return mapErr(err)
		}
		for _, u := range userIDs {
			if _, err := tx.write.ExecContext(ctx, db.q("training-task-insert"), a.ID, u); err != nil {
				return mapErr(err)
			}
		}
		a.CreatedAt, a.Assigned = now, len(userIDs)
		return nil
	})
}

// ListTrainingAssignments implements kasuhara.TrainingService.
func (db *DB) ListTrainingAssignments(ctx context.Context, orgIDs []int64) ([]*kasuhara.TrainingAssignment, error) {
	out := []*kasuhara.TrainingAssignment{}
	for _, org := range orgIDs {
		rows, err := db.read.QueryContext(ctx, db.q("training-assignments"), org)
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			var a kasuhara.TrainingAssignment
			var dept sql.NullInt64
			var role string
			var due, created int64
			if err := rows.Scan(&a.ID, &a.OrgID, &a.Module, &a.PolicyVersionID, &a.Target, &dept, &role, &due, &a.CreatedBy, &created,
				&a.Assigned, &a.Completed); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			a.DepartmentID, a.Role, a.DueOn, a.CreatedAt = fromOptInt(dept), kasuhara.Role(role), fromMicro(due), fromMicro(created)
			out = append(out, &a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

const taskColumns = `t.id, t.assignment_id, a.org_id, t.user_id, u.name, a.module, a.policy_version_id, a.due_on, t.attempts,
    t.best_score, t.completed_at, t.reminded_at`

const taskFrom = ` FROM training_tasks t JOIN training_assignments a ON a.id = t.assignment_id JOIN users u ON u.id = t.user_id`

func scanTask(s scanner) (*kasuhara.TrainingTask, error) {
	var t kasuhara.TrainingTask
	var due int64
	var done, reminded sql.NullInt64
	if err := s.Scan(&t.ID, &t.AssignmentID, &t.OrgID, &t.UserID, &t.UserName, &t.Module, &t.PolicyVersionID, &due, &t.Attempts,
		&t.BestScore, &done, &reminded); err != nil {
		return nil, mapErr(err)
	}
	t.DueOn, t.CompletedAt, t.RemindedAt = fromMicro(due), fromOptMicro(done), fromOptMicro(reminded)
	return &t, nil
}

// ListTrainingTasks implements kasuhara.TrainingService.
func (db *DB) ListTrainingTasks(ctx context.Context, f kasuhara.TrainingTaskFilter) ([]*kasuhara.TrainingTask, error) {
	w := &where{}
	w.orgIn("a.org_id", f.OrgIDs)
	if f.UserID != nil {
		w.add("t.user_id = ?", *f.UserID)
	}
	if f.AssignmentID > 0 {
		w.add("t.assignment_id = ?", f.AssignmentID)
	}
	if f.DueBefore != nil {
		w.add("t.completed_at IS NULL AND a.due_on < ?", micro(*f.DueBefore))
	}
	if f.NotReminded {
		w.add("t.reminded_at IS NULL")
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+taskColumns+taskFrom+w.sql()+" ORDER BY a.due_on, t.id LIMIT 2000", w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.TrainingTask{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// FindTrainingTask implements kasuhara.TrainingService.
func (db *DB) FindTrainingTask(ctx context.Context, orgIDs []int64, id int64) (*kasuhara.TrainingTask, error) {
	t, err := scanTask(db.read.QueryRowContext(ctx, db.q("training-task-by-id"), id))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(orgIDs, t.OrgID) {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return t, nil
}

// RecordTrainingAttempt implements kasuhara.TrainingService.
func (db *DB) RecordTrainingAttempt(ctx context.Context, at *kasuhara.TrainingAttempt) error {
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		err := tx.write.QueryRowContext(ctx, db.q("training-attempt-insert"), at.TaskID, at.Number, at.Score, at.Passed, at.Answers,
			micro(now)).Scan(&at.ID)
		if err != nil {
			return mapErr(err)
		}
		at.CreatedAt = now
		return affected(tx.write.ExecContext(ctx, db.q("training-task-attempted"), at.TaskID, at.Score, at.Passed, micro(now)))
	})
}

// ListTrainingAttempts implements kasuhara.TrainingService.
func (db *DB) ListTrainingAttempts(ctx context.Context, taskID int64) ([]*kasuhara.TrainingAttempt, error) {
	rows, err := db.read.QueryContext(ctx, db.q("training-attempts"), taskID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.TrainingAttempt{}
	for rows.Next() {
		var a kasuhara.TrainingAttempt
		var created int64
		if err := rows.Scan(&a.ID, &a.TaskID, &a.Number, &a.Score, &a.Passed, &a.Answers, &created); err != nil {
			return nil, mapErr(err)
		}
		a.CreatedAt = fromMicro(created)
		out = append(out, &a)
	}
	return out, mapErr(rows.Err())
}

// MarkTrainingReminded implements kasuhara.TrainingService.
func (db *DB) MarkTrainingReminded(ctx context.Context, taskID int64, at time.Time) error {
	return affected(db.write.ExecContext(ctx, db.q("training-task-reminded"), taskID, micro(at)))
}
