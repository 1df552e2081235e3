package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Care after a case (従業員への配慮). When a case records an effect on the
// staff member (injured, or wanting to talk), a care plan starts for them:
// victim care first, then an interview and a stress check, as the policy's
// staff-care section names them. Plans are read by the desk and by the
// person concerned only; supervisors and the case list never see them.

// Kinds of care task, in the order a plan lists them. The catalog labels
// them "care.kind.<kind>".
var CareTaskKinds = []string{"victim_care", "medical", "interview", "stress_check", "counselling", "support", "other"}

// CarePlanStatuses: a plan is open until every task is done or the desk closes it.
var CarePlanStatuses = []string{"open", "closed"}

// Limits on care fields.
const MaxCareNote = 2000

// CarePlan is the care owed to one staff member after one case.
type CarePlan struct {
	ID     int64 `json:"id"`
	OrgID  int64 `json:"org_id"`
	CaseID int64 `json:"case_id"`
	// SubjectID is the person concerned: the staff member the case affected.
	SubjectID   int64       `json:"subject_id"`
	SubjectName string      `json:"subject_name"`
	Injured     bool        `json:"injured"`
	WantsToTalk bool        `json:"wants_to_talk"`
	Status      string      `json:"status"`
	CreatedAt   time.Time   `json:"created_at"`
	ClosedAt    *time.Time  `json:"closed_at,omitempty"`
	Tasks       []*CareTask `json:"tasks,omitempty"`
	// Done and Overdue count the tasks, for lists; set by the store and the app.
	Done    int `json:"done"`
	Total   int `json:"total"`
	Overdue int `json:"overdue"`
}

// CareTask is one measure of a care plan, with its owner and due day.
type CareTask struct {
	ID     int64  `json:"id"`
	PlanID int64  `json:"plan_id"`
	OrgID  int64  `json:"org_id"`
	Seq    int    `json:"seq"`
	Kind   string `json:"kind"` // one of CareTaskKinds
	// Clause is the policy's sentence the task comes from; empty when the
	// policy is silent and the task follows the MHLW manual's baseline.
	Clause    string     `json:"clause,omitempty"`
	OwnerID   *int64     `json:"owner_id,omitempty"`
	OwnerName string     `json:"owner_name,omitempty"`
	DueOn     time.Time  `json:"due_on"` // midnight JST of the due day
	Note      string     `json:"note,omitempty"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	DoneBy    *int64     `json:"done_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	Overdue   bool       `json:"overdue"` // set by the app for the reader's moment
}

// IsOverdue reports whether the task is open after the end of its due day.
func (t *CareTask) IsOverdue(now time.Time) bool {
	return t.DoneAt == nil && now.After(t.DueOn.Add(24*time.Hour))
}

// Validate checks a task; it returns an EINVALID *Error naming the field.
func (t *CareTask) Validate() error {
	if !slices.Contains(CareTaskKinds, t.Kind) {
		return FieldError("kind", "care.error.kind")
	}
	if t.DueOn.IsZero() {
		return FieldError("due_on", "error.field.required")
	}
	t.Note = strings.TrimSpace(t.Note)
	if len([]rune(t.Note)) > MaxCareNote {
		return FieldError("note", "error.field.too_long", MaxCareNote)
	}
	return validateText("note", t.Note, MaxCareNote)
}

// CarePlanFilter selects care plans.
type CarePlanFilter struct {
	OrgIDs    []int64
	SubjectID *int64 // the person concerned's own
	CaseID    int64  // 0: any
	Status    string
	Limit     int
}

// CareService stores care plans and their tasks.
type CareService interface {
	// CreateCarePlan stores p with its Tasks and sets their IDs and CreatedAt;
	// ECONFLICT when the case has a plan already.
	CreateCarePlan(ctx context.Context, p *CarePlan) error
	// FindCarePlan returns the plan with its tasks; ENOTFOUND unless it is in one of orgIDs.
	FindCarePlan(ctx context.Context, orgIDs []int64, id int64) (*CarePlan, error)
	// ListCarePlans returns the plans matching f with task counts, newest first.
	ListCarePlans(ctx context.Context, f CarePlanFilter) ([]*CarePlan, error)
	// AddCareTask stores t and sets ID and CreatedAt.
	AddCareTask(ctx context.Context, t *CareTask) error
	// UpdateCareTask writes owner, due day, note and completion; ENOTFOUND
	// unless the task belongs to planID in orgID.
	UpdateCareTask(ctx context.Context, orgID, planID int64, t *CareTask) error
	// SetCarePlanStatus opens or closes a plan; ENOTFOUND unless it is in orgID.
	SetCarePlanStatus(ctx context.Context, orgID, id int64, status string, at time.Time) error
	// OpenCareTasks lists the open tasks of orgIDs, earliest due first.
	OpenCareTasks(ctx context.Context, orgIDs []int64) ([]*CareTask, error)
}
