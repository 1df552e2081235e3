package kasuhara

import (
	"context"
	"strings"
	"time"
)

// Kinds of measure in the corrective-action plan (是正処置計画書).
const (
	MeasureCorrective = "corrective" // 是正処置: what is done about this case
	MeasurePreventive = "preventive" // 再発防止策: what keeps it from happening again
)

// CaseMeasure is one corrective or preventive measure of a case, with the
// person who owns it and the date it is due; DoneAt is set when it is done.
type CaseMeasure struct {
	ID        int64      `json:"id"`
	OrgID     int64      `json:"org_id"`
	CaseID    int64      `json:"case_id"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text"`
	OwnerID   int64      `json:"owner_id"`
	OwnerName string     `json:"owner_name,omitempty"` // filled in when read
	DueAt     time.Time  `json:"due_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// Validate trims and checks the measure's own fields; it returns an
// EINVALID *Error naming the field.
func (m *CaseMeasure) Validate() error {
	if m.Kind != MeasureCorrective && m.Kind != MeasurePreventive {
		return FieldError("kind", "report.error.kind")
	}
	m.Text = strings.TrimSpace(m.Text)
	if m.Text == "" {
		return FieldError("text", "error.field.required")
	}
	if err := validateText("text", m.Text, MaxCaseText); err != nil {
		return err
	}
	if m.OwnerID <= 0 {
		return FieldError("owner_id", "error.field.required")
	}
	if m.DueAt.IsZero() {
		return FieldError("due_at", "error.field.required")
	}
	return nil
}

// ReportApprovalRoles are the roles that approve the corrective-action
// report, in order: the supervisor who received it, then an executive
// (the seeds' procedure: the supervisor reports up to their own superior,
// executives included).
var ReportApprovalRoles = []Role{RoleSupervisor, RoleExecutive}

// CaseApproval is the approval of a case's report by one person in one role.
type CaseApproval struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	CaseID       int64     `json:"case_id"`
	Role         Role      `json:"role"`
	ApproverID   int64     `json:"approver_id"`
	ApproverName string    `json:"approver_name"`
	Note         string    `json:"note,omitempty"`
	At           time.Time `json:"at"`
}

// CaseReportService stores the measures and approvals of cases' reports.
type CaseReportService interface {
	// CreateMeasure stores m and sets ID and CreatedAt.
	CreateMeasure(ctx context.Context, m *CaseMeasure) error
	// SetMeasureDone sets or clears the done date of measure id of caseID; ENOTFOUND if there is none.
	SetMeasureDone(ctx context.Context, caseID, id int64, done *time.Time) error
	// ListMeasures returns the case's measures, corrective first, then by due date.
	ListMeasures(ctx context.Context, caseID int64) ([]*CaseMeasure, error)
	// CreateApproval stores a and sets its ID; ECONFLICT if the role already approved the case.
	CreateApproval(ctx context.Context, a *CaseApproval) error
	// ListApprovals returns the case's approvals, oldest first.
	ListApprovals(ctx context.Context, caseID int64) ([]*CaseApproval, error)
}
