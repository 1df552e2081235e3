package kasuhara

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Customer is a person or organization that contacts the organization (顧客等):
// a customer, a shareholder, a business partner, a facility user. Every
// identifying field is kept as entered and, normalized for matching, in a
// *_norm column, so "０３−１２３４−５６７８", "+81 3 1234 5678" and
// "03-1234-5678" find the same record.
type Customer struct {
	ID       int64  `json:"id"`
	OrgID    int64  `json:"org_id"`
	Name     string `json:"name"`
	Kana     string `json:"kana,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	MemberNo string `json:"member_no,omitempty"` // member or contract number (会員番号・契約番号)
	Address  string `json:"address,omitempty"`
	Note     string `json:"note,omitempty"`
	// Repeat is set automatically when the customer reaches the policy's
	// repeat threshold across departments; RepeatReason says which.
	Repeat       bool       `json:"repeat"`
	RepeatReason string     `json:"repeat_reason,omitempty"`
	RepeatAt     *time.Time `json:"repeat_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// CustomerKeys are the normalized matching keys of a customer.
type CustomerKeys struct {
	Name, Kana, Phone, Email, Member string
}

// Keys returns c's normalized matching keys.
func (c *Customer) Keys() CustomerKeys {
	return CustomerKeys{
		Name: NormalizeName(c.Name), Kana: NormalizeKana(c.Kana), Phone: NormalizePhone(c.Phone),
		Email: NormalizeCustomerEmail(c.Email), Member: NormalizeMember(c.MemberNo),
	}
}

// Limits on customer fields.
const (
	MaxCustomerField = 200
	MaxCustomerText  = 2000
)

// Validate trims c's fields and checks them; it returns an EINVALID *Error
// naming the field. A customer needs a name or at least one identifier, since
// a quick report often knows only a phone number.
func (c *Customer) Validate() error {
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"name", &c.Name, MaxCustomerField}, {"kana", &c.Kana, MaxCustomerField}, {"phone", &c.Phone, 40},
		{"email", &c.Email, 254}, {"member_no", &c.MemberNo, 64}, {"address", &c.Address, MaxCustomerText}, {"note", &c.Note, MaxCustomerText}} {
		*f.v = strings.TrimSpace(*f.v)
		if err := validateText(f.name, *f.v, f.max); err != nil {
			return err
		}
	}
	if c.Phone != "" && len(NormalizePhone(c.Phone)) < 3 {
		return FieldError("phone", "cases.error.phone")
	}
	if c.Email != "" && !strings.Contains(c.Email, "@") {
		return FieldError("email", "error.field.email")
	}
	k := c.Keys()
	if k.Name == "" && k.Phone == "" && k.Email == "" && k.Member == "" {
		return FieldError("name", "cases.error.customer_identity")
	}
	return nil
}

// ValidateText checks an optional free-text field like validateText; for
// fields outside the domain types (a police station, a file name).
func ValidateText(field, v string, max int) error { return validateText(field, v, max) }

// validateText checks an optional free-text field: valid UTF-8, no control
// characters other than line breaks and tabs, at most max characters.
func validateText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return FieldError(field, "error.field.utf8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return FieldError(field, "error.field.too_long", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return FieldError(field, "cases.error.control")
		}
	}
	return nil
}

// fold applies compatibility normalization (NFKC): full-width letters and
// digits become ASCII, half-width katakana full-width, the ideographic space
// an ordinary one.
func fold(s string) string { return norm.NFKC.String(s) }

// NormalizePhone reduces a phone number to its domestic digits: widths
// folded, everything but digits removed, and the country code +81 or 81
// replaced by the trunk prefix 0 ("+81 (0)3-1234-5678" → "0312345678").
func NormalizePhone(s string) string {
	s = fold(strings.TrimSpace(s))
	intl := strings.HasPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if rest, ok := strings.CutPrefix(d, "81"); ok && (intl || !strings.HasPrefix(d, "0")) && len(rest) >= 9 {
		if !strings.HasPrefix(rest, "0") {
			rest = "0" + rest
		}
		d = rest
	}
	return d
}

// NormalizeCustomerEmail folds widths, trims and lower-cases an address.
func NormalizeCustomerEmail(s string) string { return strings.ToLower(strings.TrimSpace(fold(s))) }

// NormalizeMember folds widths, upper-cases and removes spaces and hyphens
// from a member or contract number.
func NormalizeMember(s string) string {
	return strings.ToUpper(removeSeparators(fold(s), true))
}

// NormalizeName folds widths, removes spaces and lower-cases a name, so that
// "山田　太郎" and "山田太郎" match.
func NormalizeName(s string) string { return strings.ToLower(removeSeparators(fold(s), false)) }

// NormalizeKana is NormalizeName with katakana folded to hiragana, so that
// "ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ" and "やまだたろう" match.
func NormalizeKana(s string) string { return toHiragana(NormalizeName(s)) }

// NormalizeSearch prepares free text for substring search: widths folded,
// katakana as hiragana, lower case, runs of spaces as one.
func NormalizeSearch(s string) string {
	return strings.Join(strings.Fields(toHiragana(strings.ToLower(fold(s)))), " ")
}

func toHiragana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ァ' && r <= 'ヶ' {
			return r - 0x60
		}
		return r
	}, s)
}

func removeSeparators(s string, hyphens bool) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '・' {
			return -1
		}
		if hyphens && (r == '-' || r == 'ー' || r == '‐' || r == '−' || r == '–' || r == '—') {
			return -1
		}
		return r
	}, s)
}

// Contact is one contact with a customer (応対): a call, a visit, an email.
// Contacts make up a case's timeline and a customer's history across
// departments; a contact may belong to a case, a customer, or both.
type Contact struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	CaseID       *int64    `json:"case_id,omitempty"`
	CustomerID   *int64    `json:"customer_id,omitempty"`
	DepartmentID *int64    `json:"department_id,omitempty"`
	Channel      string    `json:"channel"`
	At           time.Time `json:"at"`
	Minutes      int       `json:"duration_minutes"`
	StaffCount   int       `json:"staff_count"`
	StaffNames   string    `json:"staff_names,omitempty"`
	Summary      string    `json:"summary"`
	RecordedBy   int64     `json:"recorded_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate checks a contact; it returns an EINVALID *Error naming the field.
func (c *Contact) Validate() error {
	if !ValidChannel(c.Channel) {
		return FieldError("channel", "cases.error.channel")
	}
	if c.At.IsZero() {
		return FieldError("at", "error.field.required")
	}
	if c.Minutes < 0 || c.Minutes > 24*60 {
		return FieldError("duration_minutes", "error.field.range", 0, 24*60)
	}
	if c.StaffCount < 0 || c.StaffCount > 100 {
		return FieldError("staff_count", "error.field.range", 0, 100)
	}
	c.Summary, c.StaffNames = strings.TrimSpace(c.Summary), strings.TrimSpace(c.StaffNames)
	if err := validateText("staff_names", c.StaffNames, MaxCustomerField); err != nil {
		return err
	}
	return validateText("summary", c.Summary, MaxCaseText)
}

// Restriction kinds: the measures against a customer, per channel (利用制限等).
const (
	RestrictRefuseCalls      = "refuse_calls"      // その後の受電対応拒否
	RestrictStopEmail        = "stop_email"        // メール対応の停止
	RestrictNoEntry          = "no_entry"          // 施設・店舗への立入禁止
	RestrictSuspendUse       = "suspend_use"       // 利用の停止
	RestrictRevokeMembership = "revoke_membership" // 会員資格のはく奪
)

// RestrictionKinds lists the kinds with the channels each covers.
var RestrictionKinds = map[string][]string{
	RestrictRefuseCalls:      {"phone"},
	RestrictStopEmail:        {"email", "chat", "letter", "sns"},
	RestrictNoEntry:          {"face_to_face", "visit"},
	RestrictSuspendUse:       Channels,
	RestrictRevokeMembership: Channels,
}

// Restriction is a measure against a customer on some channels, approved by
// a named person, from Start until End (open-ended when nil), to be reviewed
// at ReviewAt. Lifting is recorded, never deleted.
type Restriction struct {
	ID         int64    `json:"id"`
	OrgID      int64    `json:"org_id"`
	CustomerID int64    `json:"customer_id"`
	CaseID     *int64   `json:"case_id,omitempty"`
	Kind       string   `json:"kind"`
	Channels   []string `json:"channels"`
	// SanctionID is the policy measure it enacts (sanctions.measures[].id), if any.
	SanctionID    string     `json:"sanction_id,omitempty"`
	SanctionText  string     `json:"sanction_text,omitempty"`
	Reason        string     `json:"reason"`
	ApproverID    int64      `json:"approver_id"`
	ApproverName  string     `json:"approver_name"`
	ApproverRole  string     `json:"approver_role"`
	Start         time.Time  `json:"start"`
	End           *time.Time `json:"end,omitempty"`
	ReviewAt      *time.Time `json:"review_at,omitempty"`
	LiftedAt      *time.Time `json:"lifted_at,omitempty"`
	LiftedBy      *int64     `json:"lifted_by,omitempty"`
	LiftReason    string     `json:"lift_reason,omitempty"`
	PolicyVersion int64      `json:"policy_version_id"`
	CreatedAt     time.Time  `json:"created_at"`
}

// ActiveAt reports whether r is in force at t.
func (r *Restriction) ActiveAt(t time.Time) bool {
	return r.LiftedAt == nil && !t.Before(r.Start) && (r.End == nil || t.Before(*r.End))
}

// Covers reports whether r applies to channel.
func (r *Restriction) Covers(channel string) bool {
	for _, c := range r.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// Validate checks a restriction; it fills Channels from Kind when empty and
// returns an EINVALID *Error naming the field.
func (r *Restriction) Validate() error {
	def, ok := RestrictionKinds[r.Kind]
	if !ok {
		return FieldError("kind", "cases.error.restriction_kind")
	}
	if len(r.Channels) == 0 {
		r.Channels = append([]string(nil), def...)
	}
	for _, c := range r.Channels {
		if !ValidChannel(c) {
			return FieldError("channels", "cases.error.channel")
		}
	}
	r.Reason = strings.TrimSpace(r.Reason)
	if r.Reason == "" {
		return FieldError("reason", "error.field.required")
	}
	if err := validateText("reason", r.Reason, MaxCustomerText); err != nil {
		return err
	}
	if r.Start.IsZero() {
		return FieldError("start", "error.field.required")
	}
	if r.End != nil && !r.End.After(r.Start) {
		return FieldError("end", "cases.error.end_before_start")
	}
	if r.ReviewAt != nil && r.ReviewAt.Before(r.Start) {
		return FieldError("review_at", "cases.error.end_before_start")
	}
	return nil
}

// CustomerFilter selects customers for the registry.
type CustomerFilter struct {
	OrgID  int64
	Query  string // matches normalized name, kana, phone, email or member number
	Repeat *bool
	Cursor int64 // customers with ID < Cursor; 0 for the first page
	Limit  int
}

// CustomerActivity counts a customer's cases and contacts since a moment,
// and in how many departments they occurred.
type CustomerActivity struct {
	Cases       int
	Contacts    int
	Departments int
}

// CustomerService stores customers, their contacts and restrictions.
type CustomerService interface {
	// CreateCustomer stores c (validated, keys normalized) and sets its ID.
	CreateCustomer(ctx context.Context, c *Customer) error
	// UpdateCustomer replaces c's editable fields; ENOTFOUND unless it exists in c.OrgID.
	UpdateCustomer(ctx context.Context, c *Customer) error
	// SetCustomerRepeat sets or clears the repeat flag with its reason.
	SetCustomerRepeat(ctx context.Context, orgID, id int64, repeat bool, reason string, at time.Time) error
	// FindCustomer returns ENOTFOUND unless the customer exists in orgID.
	FindCustomer(ctx context.Context, orgID, id int64) (*Customer, error)
	// ListCustomers returns the customers matching f, newest first, and their total.
	ListCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, int, error)
	// MatchCustomers returns the customers of orgID whose normalized phone,
	// email or member number equals the given non-empty key, at most 20.
	MatchCustomers(ctx context.Context, orgID int64, k CustomerKeys) ([]*Customer, error)
	// CustomerActivity counts the customer's cases and contacts at or after since.
	CustomerActivity(ctx context.Context, orgID, customerID int64, since time.Time) (CustomerActivity, error)

	// CreateContact stores c and sets its ID.
	CreateContact(ctx context.Context, c *Contact) error
	// ListContacts returns the contacts of a case (caseID > 0) or of a customer, oldest first.
	ListContacts(ctx context.Context, orgID, caseID, customerID int64) ([]*Contact, error)

	// CreateRestriction stores r and sets its ID.
	CreateRestriction(ctx context.Context, r *Restriction) error
	// LiftRestriction records that r was lifted; ECONFLICT if it already was.
	LiftRestriction(ctx context.Context, orgID, id, by int64, reason string, at time.Time) (*Restriction, error)
	// FindRestriction returns ENOTFOUND unless it exists in orgID.
	FindRestriction(ctx context.Context, orgID, id int64) (*Restriction, error)
	// ListRestrictions returns the customer's restrictions, newest first.
	ListRestrictions(ctx context.Context, orgID, customerID int64) ([]*Restriction, error)
}
