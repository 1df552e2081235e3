package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Consultation is one consultation with the desk (相談窓口): a staff member,
// contractor or dispatched worker describing something that happened or a
// borderline case. Anonymous consultations carry no user, name or contact,
// and no column anywhere holds an address or user agent for them; the
// consultant follows up with a receipt code of which only the hash is kept.
type Consultation struct {
	ID        int64 `json:"id"`
	OrgID     int64 `json:"org_id"`
	Anonymous bool  `json:"anonymous"`
	// UserID is the signed-in consultant; nil when anonymous or through the public link.
	UserID *int64 `json:"user_id,omitempty"`
	// Name and Contact are what a named consultant gave; empty when anonymous.
	Name     string `json:"name,omitempty"`
	Contact  string `json:"contact,omitempty"`
	Relation string `json:"relation"` // one of ConsultantRelations
	Topic    string `json:"topic"`    // one of ConsultationTopics
	// OccurredOn is the day it happened (midnight JST), when told.
	OccurredOn *time.Time `json:"occurred_on,omitempty"`
	Channel    string     `json:"channel,omitempty"`
	Body       string     `json:"body"`
	Wish       string     `json:"wish"`   // one of ConsultationWishes
	Status     string     `json:"status"` // one of ConsultationStatuses
	// ReceiptHash is the hex SHA-256 of the receipt code; never serialized.
	ReceiptHash string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Enumerations of consultation fields; the catalog labels them "desk.<field>.<value>".
var (
	ConsultantRelations  = []string{"employee", "contractor", "dispatched", "freelancer", "other"}
	ConsultationTopics   = []string{"incident", "borderline", "other"}
	ConsultationWishes   = []string{"listen", "advice", "action"}
	ConsultationStatuses = []string{"new", "in_progress", "closed"}
	FollowUpKinds        = []string{"interview", "occupational_physician", "counselling", "leave", "reassignment", "other"}
	// HandoverFields are the parts of a consultation its consultant may pass on to a case.
	HandoverFields = []string{"narrative", "occurred_on", "channel", "name"}
)

// Limits on consultation fields.
const (
	MaxConsultationText  = 10000
	MaxConsultationShort = 200
)

// Validate checks what a consultant submits; it returns an EINVALID *Error naming the field.
func (c *Consultation) Validate() error {
	c.Name, c.Contact, c.Body = strings.TrimSpace(c.Name), strings.TrimSpace(c.Contact), strings.TrimSpace(c.Body)
	if c.Anonymous && (c.Name != "" || c.Contact != "" || c.UserID != nil) {
		return FieldError("anonymous", "desk.error.anonymous_identity")
	}
	if !slices.Contains(ConsultantRelations, c.Relation) {
		return FieldError("relation", "desk.error.choice")
	}
	if !slices.Contains(ConsultationTopics, c.Topic) {
		return FieldError("topic", "desk.error.choice")
	}
	if c.Wish == "" {
		c.Wish = "listen"
	}
	if !slices.Contains(ConsultationWishes, c.Wish) {
		return FieldError("wish", "desk.error.choice")
	}
	if c.Status == "" {
		c.Status = "new"
	}
	if !slices.Contains(ConsultationStatuses, c.Status) {
		return FieldError("status", "desk.error.choice")
	}
	if c.Channel != "" && !ValidChannel(c.Channel) {
		return FieldError("channel", "desk.error.choice")
	}
	if err := validateName("body", c.Body, MaxConsultationText); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"name", c.Name}, {"contact", c.Contact}} {
		if f.v != "" {
			if err := validateName(f.name, f.v, MaxConsultationShort); err != nil {
				return err
			}
		}
	}
	return nil
}

// ConsultationMessage is a reply of the desk or a follow-up of the consultant.
type ConsultationMessage struct {
	ID             int64  `json:"id"`
	ConsultationID int64  `json:"consultation_id"`
	FromDesk       bool   `json:"from_desk"`
	AuthorID       *int64 `json:"author_id,omitempty"` // the desk member; nil for the consultant
	// AuthorName is the desk member's name as shown to the consultant.
	AuthorName string    `json:"author_name,omitempty"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// ConsultationConsent is the consultant's consent to make a case of the
// consultation, and exactly what may be passed on: the fields chosen and the
// account of what happened in the words they chose for the case.
type ConsultationConsent struct {
	ConsultationID int64      `json:"consultation_id"`
	Fields         []string   `json:"fields"`
	Narrative      string     `json:"narrative"`
	ConsentedAt    time.Time  `json:"consented_at"`
	CaseID         *int64     `json:"case_id,omitempty"`
	HandedOverBy   *int64     `json:"handed_over_by,omitempty"`
	HandedOverAt   *time.Time `json:"handed_over_at,omitempty"`
}

// Passes reports whether the consultant chose to pass field on.
func (c *ConsultationConsent) Passes(field string) bool {
	return c != nil && slices.Contains(c.Fields, field)
}

// FollowUp is a measure the desk takes for a consultant (面談, 産業医・カウンセリングへの紹介,
// 休暇, 配置転換) with its due day.
type FollowUp struct {
	ID             int64      `json:"id"`
	OrgID          int64      `json:"org_id"`
	ConsultationID int64      `json:"consultation_id"`
	Kind           string     `json:"kind"` // one of FollowUpKinds
	Note           string     `json:"note,omitempty"`
	DueOn          time.Time  `json:"due_on"` // midnight JST of the due day
	DoneAt         *time.Time `json:"done_at,omitempty"`
	CreatedBy      int64      `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	Overdue        bool       `json:"overdue"` // set by the app for the reader's moment
}

// IsOverdue reports whether the follow-up is open after the end of its due day.
func (f *FollowUp) IsOverdue(now time.Time) bool {
	return f.DoneAt == nil && now.After(f.DueOn.Add(24*time.Hour))
}

// Validate checks a follow-up; it returns an EINVALID *Error naming the field.
func (f *FollowUp) Validate() error {
	if !slices.Contains(FollowUpKinds, f.Kind) {
		return FieldError("kind", "desk.error.choice")
	}
	if f.DueOn.IsZero() {
		return FieldError("due_on", "error.field.required")
	}
	f.Note = strings.TrimSpace(f.Note)
	if f.Note != "" {
		return validateName("note", f.Note, MaxConsultationText)
	}
	return nil
}

// ConsultationFilter selects consultations for the desk's list.
type ConsultationFilter struct {
	OrgIDs []int64
	UserID *int64 // a signed-in consultant's own
	Status string
	Limit  int
}

// FollowUpFilter selects follow-ups.
type FollowUpFilter struct {
	OrgIDs         []int64
	ConsultationID int64 // 0: any
	OpenOnly       bool
}

// ConsultationService stores consultations, their messages, consents and follow-ups.
type ConsultationService interface {
	// CreateConsultation stores c and sets ID, CreatedAt and UpdatedAt.
	CreateConsultation(ctx context.Context, c *Consultation) error
	// FindConsultation returns ENOTFOUND unless it exists in one of orgIDs.
	FindConsultation(ctx context.Context, orgIDs []int64, id int64) (*Consultation, error)
	// FindConsultationByReceipt returns the consultation of orgID whose
	// receipt code hashes to hash; ENOTFOUND when none does.
	FindConsultationByReceipt(ctx context.Context, orgID int64, hash string) (*Consultation, error)
	// ListConsultations returns the consultations matching f, newest first.
	ListConsultations(ctx context.Context, f ConsultationFilter) ([]*Consultation, error)
	// SetConsultationStatus changes the status; ENOTFOUND unless id is in orgID.
	SetConsultationStatus(ctx context.Context, orgID, id int64, status string) error

	// AddConsultationMessage stores m and sets ID and CreatedAt.
	AddConsultationMessage(ctx context.Context, m *ConsultationMessage) error
	// ListConsultationMessages returns the messages of a consultation, oldest first.
	ListConsultationMessages(ctx context.Context, consultationID int64) ([]*ConsultationMessage, error)

	// CreateConsultationConsent stores the consent; ECONFLICT when one exists.
	CreateConsultationConsent(ctx context.Context, c *ConsultationConsent) error
	// FindConsultationConsent returns ENOTFOUND when the consultant has not consented.
	FindConsultationConsent(ctx context.Context, consultationID int64) (*ConsultationConsent, error)
	// RecordHandover marks the consent handed over as caseID by userID;
	// ECONFLICT when it was handed over already.
	RecordHandover(ctx context.Context, consultationID int64, caseID *int64, userID int64, at time.Time) error
	// FinishHandover sets the case of a handover recorded without one, or
	// with caseID nil withdraws that handover (the case could not be made).
	FinishHandover(ctx context.Context, consultationID int64, caseID *int64) error

	// AddFollowUp stores f and sets ID and CreatedAt.
	AddFollowUp(ctx context.Context, f *FollowUp) error
	// ListFollowUps returns the follow-ups matching f, earliest due first.
	ListFollowUps(ctx context.Context, f FollowUpFilter) ([]*FollowUp, error)
	// CompleteFollowUp marks a follow-up done; ENOTFOUND unless it is in orgID.
	CompleteFollowUp(ctx context.Context, orgID, id int64, at time.Time) error
}
