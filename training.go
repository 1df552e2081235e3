package kasuhara

import (
	"context"
	"time"
)

// Training modules are generated from the policy in effect (package app);
// the root package knows them by key only.
const (
	ModuleDefinition       = "definition"         // the definition, and what is not harassment
	ModuleTypes            = "types"              // each type with its examples
	ModuleProcedure        = "procedure"          // the response procedure, channel actions and scripts
	ModuleStaffAsCustomers = "staff_as_customers" // not harassing others as a customer oneself
)

// TrainingPassPercent is the score at which a quiz completes its module.
const TrainingPassPercent = 80

// Targets of a training assignment.
const (
	TargetAll        = "all"
	TargetDepartment = "department"
	TargetRole       = "role"
)

// TrainingAssignment asks everyone of a department, of a role or of the
// whole organization to complete a module by a due day. It records the
// policy version the module is generated from, so that what people learn
// and are tested on does not shift under them when a new version is published.
type TrainingAssignment struct {
	ID              int64     `json:"id"`
	OrgID           int64     `json:"org_id"`
	Module          string    `json:"module"`
	PolicyVersionID int64     `json:"policy_version_id"`
	Target          string    `json:"target"` // TargetAll, TargetDepartment, TargetRole
	DepartmentID    *int64    `json:"department_id,omitempty"`
	Role            Role      `json:"role,omitempty"`
	DueOn           time.Time `json:"due_on"` // midnight JST of the due day
	CreatedBy       int64     `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
	// Assigned and Completed count the assignment's people; filled by lists.
	Assigned  int `json:"assigned"`
	Completed int `json:"completed"`
}

// TrainingTask is one person's part of an assignment: their attempts, best
// score and completion.
type TrainingTask struct {
	ID              int64      `json:"id"`
	AssignmentID    int64      `json:"assignment_id"`
	OrgID           int64      `json:"org_id"`
	UserID          int64      `json:"user_id"`
	UserName        string     `json:"user_name"`
	Module          string     `json:"module"`
	PolicyVersionID int64      `json:"policy_version_id"`
	DueOn           time.Time  `json:"due_on"`
	Attempts        int        `json:"attempts"`
	BestScore       int        `json:"best_score"` // percent
	CompletedAt     *time.Time `json:"completed_at,omitempty"`
	RemindedAt      *time.Time `json:"reminded_at,omitempty"`
	Overdue         bool       `json:"overdue"` // set by the app for the reader's moment
}

// IsOverdue reports whether the task is still open after the end of its due day.
func (t *TrainingTask) IsOverdue(now time.Time) bool {
	return t.CompletedAt == nil && now.After(t.DueOn.Add(24*time.Hour))
}

// TrainingAttempt is one graded quiz.
type TrainingAttempt struct {
	ID        int64     `json:"id"`
	TaskID    int64     `json:"task_id"`
	Number    int       `json:"number"` // 1 for the first attempt; seeds the questions
	Score     int       `json:"score"`  // percent
	Passed    bool      `json:"passed"`
	Answers   string    `json:"answers"` // the chosen options, comma-separated
	CreatedAt time.Time `json:"created_at"`
}

// TrainingTaskFilter selects tasks.
type TrainingTaskFilter struct {
	OrgIDs       []int64
	UserID       *int64
	AssignmentID int64
	// DueBefore selects open tasks whose due day is before it (overdue ones).
	DueBefore *time.Time
	// NotReminded leaves out tasks already reminded.
	NotReminded bool
}

// TrainingService stores training assignments, tasks and attempts.
type TrainingService interface {
	// CreateTrainingAssignment stores a with one task per user in userIDs,
	// and sets a.ID, a.CreatedAt and a.Assigned.
	CreateTrainingAssignment(ctx context.Context, a *TrainingAssignment, userIDs []int64) error
	// ListTrainingAssignments returns the assignments of orgIDs with their counts, newest first.
	ListTrainingAssignments(ctx context.Context, orgIDs []int64) ([]*TrainingAssignment, error)
	// ListTrainingTasks returns the tasks matching f, earliest due first.
	ListTrainingTasks(ctx context.Context, f TrainingTaskFilter) ([]*TrainingTask, error)
	// FindTrainingTask returns ENOTFOUND unless the task exists in one of orgIDs.
	FindTrainingTask(ctx context.Context, orgIDs []int64, id int64) (*TrainingTask, error)
	// RecordTrainingAttempt stores at, sets its ID and CreatedAt, and updates
	// the task's attempts, best score and, on a pass, its completion.
	RecordTrainingAttempt(ctx context.Context, at *TrainingAttempt) error
	// ListTrainingAttempts returns a task's attempts, oldest first.
	ListTrainingAttempts(ctx context.Context, taskID int64) ([]*TrainingAttempt, error)
	// MarkTrainingReminded records that the task's person was reminded at at.
	MarkTrainingReminded(ctx context.Context, taskID int64, at time.Time) error
}
