package kasuhara

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Channels through which a customer contacts the organization; the same
// list as the policy format's.
var Channels = []string{"face_to_face", "phone", "email", "letter", "chat", "sns", "visit"}

// ValidChannel reports whether c is one of Channels.
func ValidChannel(c string) bool {
	for _, x := range Channels {
		if x == c {
			return true
		}
	}
	return false
}

// CaseState is where a case stands in its handling.
type CaseState string

// The states, in order: 受付 → 事実確認 → 判定 → 対応 → 終結.
const (
	StateReported    CaseState = "reported"
	StateFactFinding CaseState = "fact_finding"
	StateAssessment  CaseState = "assessment"
	StateResponse    CaseState = "response"
	StateClosed      CaseState = "closed"
)

// CaseStates lists the states in order.
var CaseStates = []CaseState{StateReported, StateFactFinding, StateAssessment, StateResponse, StateClosed}

// Valid reports whether s is a known state.
func (s CaseState) Valid() bool {
	for _, x := range CaseStates {
		if x == s {
			return true
		}
	}
	return false
}

// CaseTransitions lists, for each state, the states a case may move to.
// Closed cases only reopen (to fact-finding); a case may also step back
// one state when new facts come in.
var CaseTransitions = map[CaseState][]CaseState{
	StateReported:    {StateFactFinding},
	StateFactFinding: {StateAssessment, StateReported},
	StateAssessment:  {StateResponse, StateFactFinding},
	StateResponse:    {StateClosed, StateAssessment},
	StateClosed:      {StateFactFinding},
}

// CanTransition reports whether a case in from may move to to.
func CanTransition(from, to CaseState) bool {
	for _, s := range CaseTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Demand validity as judged by a person (要求内容の妥当性).
const (
	ValidityUnknown = ""
	ValidityValid   = "valid"
	ValidityInvalid = "invalid"
)

// Limits on case fields.
const (
	MaxCaseText       = 10000
	MaxCaseShort      = 200
	MaxAttachmentSize = 20 << 20
)

// Case is one incident of (suspected) customer harassment and its handling:
// what the staff member reported, the facts found, the judgement under the
// policy version in effect when it happened, the response, escalations and
// the closing. Personal data of the customer lives in Customer; the case
// keeps what the reporter knew ("customer as known") until it is linked.
type Case struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	State        CaseState `json:"state"`
	Channel      string    `json:"channel"`
	OccurredAt   time.Time `json:"occurred_at"`
	Place        string    `json:"place,omitempty"`
	DepartmentID *int64    `json:"department_id,omitempty"`
	CustomerID   *int64    `json:"customer_id,omitempty"`
	// CustomerKnown is what the reporter knew of the customer (name, phone…), as typed.
	CustomerKnown string `json:"customer_known,omitempty"`
	Demand        string `json:"demand"`
	Narrative     string `json:"narrative"` // what happened, in the reporter's words
	// Types are the organization's own behaviour types (policy type ids);
	// Codes the standard codes they map onto, derived when stored.
	Types            []string        `json:"types"`
	Codes            []BehaviourCode `json:"codes"`
	StaffInvolved    string          `json:"staff_involved,omitempty"`
	StaffCount       int             `json:"staff_count"`
	StaffInjured     bool            `json:"staff_injured"`
	WantsToTalk      bool            `json:"wants_to_talk"`
	StaffCondition   string          `json:"staff_condition,omitempty"`
	Recorded         bool            `json:"recorded"`
	RecordingConsent bool            `json:"recording_consent"`
	Urgent           bool            `json:"urgent"`
	ReporterID       int64           `json:"reporter_id"`
	AssigneeID       *int64          `json:"assignee_id,omitempty"`
	DueAt            *time.Time      `json:"due_at,omitempty"`
	// PolicyVersionID is the version in effect when the incident occurred; every judgement uses it.
	PolicyVersionID int64 `json:"policy_version_id"`

	// Assessment (判定): by a named person, with the deciding clause.
	DemandValidity   string          `json:"demand_validity,omitempty"`
	DemandAssessment string          `json:"demand_assessment,omitempty"`
	MeansAppropriate *bool           `json:"means_appropriate,omitempty"`
	AssessedBy       *int64          `json:"assessed_by,omitempty"`
	AssessedByName   string          `json:"assessed_by_name,omitempty"`
	AssessedAt       *time.Time      `json:"assessed_at,omitempty"`
	Harassment       *bool           `json:"harassment,omitempty"`
	Judgement        json.RawMessage `json:"judgement,omitempty"` // the policy.Judgement last computed
	Response         string          `json:"response,omitempty"`  // actions taken (対応内容)
	Escalation       CaseEscalation  `json:"escalation"`
	ReportFiled      bool            `json:"report_filed"`
	ReopenReason     string          `json:"reopen_reason,omitempty"`
	ClosedAt         *time.Time      `json:"closed_at,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	Revision         int             `json:"revision"`           // incremented by every change; updates must name the one they read
	Overdue          bool            `json:"overdue"`            // computed: due date passed and not closed
	Customer         *Customer       `json:"customer,omitempty"` // filled in for those who may see it
}

// CaseEscalation records escalation to an executive and to external parties.
type CaseEscalation struct {
	ExecutiveID   *int64     `json:"executive_id,omitempty"`
	ExecutiveAt   *time.Time `json:"executive_at,omitempty"`
	PoliceAt      *time.Time `json:"police_at,omitempty"`
	PoliceStation string     `json:"police_station,omitempty"`
	PoliceReport  string     `json:"police_report_no,omitempty"`
	LawyerAt      *time.Time `json:"lawyer_at,omitempty"`
	Lawyer        string     `json:"lawyer,omitempty"`
}

// IsOverdue reports whether c's due date has passed at now while it is open.
func (c *Case) IsOverdue(now time.Time) bool {
	return c.DueAt != nil && c.State != StateClosed && now.After(*c.DueAt)
}

// Validate trims and checks the fields a reporter or handler sets; it
// returns an EINVALID *Error naming the field.
func (c *Case) Validate() error {
	if !ValidChannel(c.Channel) {
		return FieldError("channel", "cases.error.channel")
	}
	if c.OccurredAt.IsZero() {
		return FieldError("occurred_at", "error.field.required")
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"place", &c.Place, MaxCaseShort}, {"customer_known", &c.CustomerKnown, MaxCustomerText},
		{"demand", &c.Demand, MaxCaseText}, {"narrative", &c.Narrative, MaxCaseText},
		{"staff_involved", &c.StaffInvolved, MaxCaseShort * 2}, {"staff_condition", &c.StaffCondition, MaxCustomerText},
		{"demand_assessment", &c.DemandAssessment, MaxCaseText}, {"response", &c.Response, MaxCaseText}} {
		*f.v = strings.TrimSpace(*f.v)
		if err := validateText(f.name, *f.v, f.max); err != nil {
			return err
		}
	}
	if c.Narrative == "" && c.Demand == "" {
		return FieldError("narrative", "error.field.required")
	}
	if c.StaffCount < 0 || c.StaffCount > 100 {
		return FieldError("staff_count", "error.field.range", 0, 100)
	}
	if len(c.Types) > 50 {
		return FieldError("types", "error.field.too_long", 50)
	}
	switch c.DemandValidity {
	case ValidityUnknown, ValidityValid, ValidityInvalid:
	default:
		return FieldError("demand_validity", "cases.error.validity")
	}
	return nil
}

// Attachment is a file attached to a case: audio, an email, an image, a
// document. It is immutable: a correction is a new attachment whose
// Supersedes names the one it replaces, and the bytes' SHA-256 is kept so
// that an evidence bundle can be verified.
type Attachment struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	CaseID      int64     `json:"case_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Supersedes  *int64    `json:"supersedes,omitempty"`
	Note        string    `json:"note,omitempty"`
	UploadedBy  int64     `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
	Data        []byte    `json:"-"`
}

// CaseEvent is one entry of a case's own history: a transition, an
// assessment, an escalation. The audit trail has the same facts; this is
// what the case page shows.
type CaseEvent struct {
	ID      int64           `json:"id"`
	CaseID  int64           `json:"case_id"`
	Kind    string          `json:"kind"` // created, transition, assess, escalate, reopen, assign, update
	From    CaseState       `json:"from,omitempty"`
	To      CaseState       `json:"to,omitempty"`
	ActorID int64           `json:"actor_id"`
	Actor   string          `json:"actor"`
	Note    string          `json:"note,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
	At      time.Time       `json:"at"`
}

// Notification is a message owed to a user about a case. Delivery (email,
// webhook) is done elsewhere and sets DeliveredAt.
type Notification struct {
	ID          int64      `json:"id"`
	OrgID       int64      `json:"org_id"`
	Kind        string     `json:"kind"` // case_reported, case_urgent, escalated, restriction, overdue
	CaseID      *int64     `json:"case_id,omitempty"`
	RecipientID int64      `json:"recipient_id"`
	Urgent      bool       `json:"urgent"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// CaseFilter selects cases for lists and exports.
type CaseFilter struct {
	OrgIDs       []int64
	State        CaseState
	Type         string // a policy type id
	Code         BehaviourCode
	Channel      string
	DepartmentID *int64
	CustomerID   *int64
	From, To     *time.Time // occurred_at in [From, To)
	AssigneeID   *int64
	Overdue      bool
	Now          time.Time // for Overdue
	Query        string    // free text, matched against normalized text
	// InvolvedUserID limits the list to cases the user reported or is assigned (staff).
	InvolvedUserID *int64
	Cursor         string // opaque, from the previous page's NextCursor
	Limit          int
}

// CaseTotalCap is the most cases a list counts: beyond it the total says
// "CaseTotalCap or more" rather than paying for an exact count.
const CaseTotalCap = 10000

// CasePage is one page of cases.
type CasePage struct {
	Items []*Case `json:"items"`
	// Total is the number of matching cases, at most CaseTotalCap; when
	// more match, Total is CaseTotalCap and TotalCapped is true.
	Total       int    `json:"total"`
	TotalCapped bool   `json:"total_capped"`
	NextCursor  string `json:"next_cursor,omitempty"`
}

// CaseService stores cases, their attachments, events and notifications.
type CaseService interface {
	// CreateCase stores c and sets ID, Revision, CreatedAt and UpdatedAt.
	CreateCase(ctx context.Context, c *Case) error
	// UpdateCase writes every field of c if its Revision is still the
	// stored one (ECONFLICT otherwise) and increments Revision.
	UpdateCase(ctx context.Context, c *Case) error
	// FindCase returns ENOTFOUND unless the case exists in one of orgIDs.
	FindCase(ctx context.Context, orgIDs []int64, id int64) (*Case, error)
	// ListCases returns the page of cases matching f, newest incident first.
	ListCases(ctx context.Context, f CaseFilter) (*CasePage, error)

	// AddCaseEvent stores e and sets its ID.
	AddCaseEvent(ctx context.Context, e *CaseEvent) error
	// ListCaseEvents returns the case's events, oldest first.
	ListCaseEvents(ctx context.Context, caseID int64) ([]*CaseEvent, error)

	// CreateAttachment stores a (with Data) and sets its ID.
	CreateAttachment(ctx context.Context, a *Attachment) error
	// FindAttachment returns it with its data; ENOTFOUND unless it belongs to caseID.
	FindAttachment(ctx context.Context, caseID, id int64) (*Attachment, error)
	// ListAttachments returns the case's attachments without data, oldest first.
	ListAttachments(ctx context.Context, caseID int64) ([]*Attachment, error)

	// CreateNotification stores n and sets its ID.
	CreateNotification(ctx context.Context, n *Notification) error
	// ListNotifications returns notifications of a case (caseID > 0) or for a recipient, newest first.
	ListNotifications(ctx context.Context, caseID, recipientID int64) ([]*Notification, error)
}
