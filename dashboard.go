package kasuhara

import (
	"context"
	"time"
)

// DashboardFilter selects what the dashboard counts: cases that occurred in
// [From, To) in OrgIDs, optionally in one department.
type DashboardFilter struct {
	OrgIDs       []int64
	From, To     time.Time
	DepartmentID *int64
}

// CaseFact is what the dashboard needs of one case: no text, no names.
type CaseFact struct {
	ID           int64
	OrgID        int64
	State        CaseState
	Channel      string
	OccurredAt   time.Time
	CreatedAt    time.Time
	DepartmentID *int64
	CustomerID   *int64
	Types        []string
	Codes        []BehaviourCode
	Escalated    bool // to an executive, the police or a lawyer
	AssessedAt   *time.Time
	ClosedAt     *time.Time
}

// TrainingCount is how many tasks of one module were assigned and completed.
type TrainingCount struct {
	Module    string
	Assigned  int
	Completed int
}

// DashboardService answers the aggregate questions of the dashboard and the
// compliance report. None of its answers carries a person's content.
type DashboardService interface {
	// CaseFacts returns the facts of the cases matching f, oldest first.
	CaseFacts(ctx context.Context, f DashboardFilter) ([]*CaseFact, error)
	// ActiveRestrictions counts restrictions of orgIDs in force at at.
	ActiveRestrictions(ctx context.Context, orgIDs []int64, at time.Time) (int, error)
	// ConsultationTimes returns when each consultation of orgIDs in [from, to)
	// was made, and nothing else about it.
	ConsultationTimes(ctx context.Context, orgIDs []int64, from, to time.Time) ([]time.Time, error)
	// TrainingCounts counts training tasks per module for assignments of
	// orgIDs due in [from, to), of users in departmentID when given.
	TrainingCounts(ctx context.Context, orgIDs []int64, departmentID *int64, from, to time.Time) ([]TrainingCount, error)
}
