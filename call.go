package kasuhara

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Call is a live phone call or chat that a phone or chat system reports to
// kasuhara while it happens, so that staff get detection and the policy's
// scripts per utterance and supervisors see alerts as they are raised. The
// database row is the source of truth; servers keep only a cache of it.
type Call struct {
	ID      int64  `json:"id"`
	OrgID   int64  `json:"org_id"`
	Channel string `json:"channel"` // one of CallChannels
	// CallerNumber is the number the phone system shows (or a chat handle),
	// as given; empty when withheld.
	CallerNumber string `json:"caller_number,omitempty"`
	// StaffID is the staff member taking the call; StaffName is kept with the
	// call so the transcript reads the same when the account is renamed.
	StaffID   int64  `json:"staff_id"`
	StaffName string `json:"staff_name"`
	// OpenedBy is the account that opened the call (the phone system's token
	// user or the staff member).
	OpenedBy int64 `json:"opened_by"`
	// PolicyVersionID is the policy version in effect when the call opened;
	// every alert and script of the call comes from it. Nil when the
	// organization has no policy in effect.
	PolicyVersionID *int64     `json:"policy_version_id,omitempty"`
	StartedAt       time.Time  `json:"started_at"`
	EndedAt         *time.Time `json:"ended_at,omitempty"`
	// Stage is the stage a person confirmed: "" (none yet), or one of
	// CallStages. The system only ever suggests the next one.
	Stage string `json:"stage"`
	// Restricted is set when the caller matched a customer under a
	// restriction covering the channel when the call opened.
	Restricted       bool   `json:"restricted"`
	RestrictedReason string `json:"restricted_reason,omitempty"`
	// NeedsCase is set when the call ended with at least one alert: it is
	// waiting for a draft case (see app.CallDraft).
	NeedsCase bool `json:"needs_case"`
	// Utterances and Flagged count the stored utterances and those with an
	// alert or a harassment verdict; filled by FindCall and ListCalls.
	Utterances int `json:"utterances"`
	Flagged    int `json:"flagged"`
}

// CallChannels are the channels a call may come from: both are live
// conversations where a script helps in the moment.
var CallChannels = []string{"phone", "chat"}

// Call stages towards the customer, in order (警告 → 最終警告 → 終了).
const (
	StageWarning      = "warning"
	StageFinalWarning = "final_warning"
	StageClosing      = "closing"
)

// CallStages lists the stages in order.
var CallStages = []string{StageWarning, StageFinalWarning, StageClosing}

// StageIndex returns the position of stage in CallStages (0 for none, 1 for
// warning …), or -1 for an unknown stage.
func StageIndex(stage string) int {
	if stage == "" {
		return 0
	}
	for i, s := range CallStages {
		if s == stage {
			return i + 1
		}
	}
	return -1
}

// Speakers of an utterance.
const (
	SpeakerCustomer = "customer"
	SpeakerStaff    = "staff"
)

// Alert kinds raised on a call.
const (
	AlertImmediateReport  = "immediate_report"  // a category the policy marks for immediate report
	AlertTimeLimit        = "time_limit"        // the call passed the policy's call_minutes
	AlertRepeatedDemand   = "repeated_demand"   // the customer made the same demand again
	AlertRestrictedCaller = "restricted_caller" // the caller is under a restriction
)

// CallAlert is one reason for a supervisor to look at a call now. Reason is
// a sentence in Japanese built from the policy's own labels, stored so the
// record says why the alert was raised under the policy of the day.
type CallAlert struct {
	Kind   string        `json:"kind"`
	Code   BehaviourCode `json:"code,omitempty"`
	Label  string        `json:"label,omitempty"` // the policy's type label
	Reason string        `json:"reason"`
}

// UtteranceSpan is a piece of evidence in an utterance, in Unicode code points.
type UtteranceSpan struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// UtteranceCategory is one behaviour detected in an utterance.
type UtteranceCategory struct {
	Code  BehaviourCode   `json:"code"`
	Label string          `json:"label"`
	Score float64         `json:"score"`
	Spans []UtteranceSpan `json:"spans"`
}

// Utterance is one transcribed turn of a call, stored with its detection
// and alerts before it is acknowledged.
type Utterance struct {
	CallID int64 `json:"call_id"`
	// Seq numbers the call's utterances 1, 2, 3… in the order stored.
	Seq     int    `json:"seq"`
	Speaker string `json:"speaker"`
	Text    string `json:"text"`
	// At is when it was said (the phone system's clock), else when received.
	At         time.Time           `json:"at"`
	Verdict    string              `json:"verdict"`
	Categories []UtteranceCategory `json:"categories"`
	Alerts     []CallAlert         `json:"alerts"`
}

// Flagged reports whether the utterance raised an alert or was judged harassment.
func (u *Utterance) Flagged() bool { return len(u.Alerts) > 0 || u.Verdict == "harassment" }

// Limits on call input.
const (
	// MaxUtteranceRunes caps one utterance: a transcribed turn is a few
	// sentences; anything longer is a stuck recognizer or abuse of the API.
	MaxUtteranceRunes = 2000
	MaxCallerNumber   = 64
)

// ValidCallChannel reports whether c is one of CallChannels.
func ValidCallChannel(c string) bool {
	for _, x := range CallChannels {
		if x == c {
			return true
		}
	}
	return false
}

// ValidateUtteranceText checks text from a recognizer or a chat: not
// empty, valid UTF-8, no control characters but line breaks and tabs (so
// binary data is refused, not stored), at most max code points. It returns
// an EINVALID or ETOOLARGE *Error naming field.
func ValidateUtteranceText(field, text string, max int) error {
	if !utf8.ValidString(text) {
		return FieldError(field, "error.field.utf8")
	}
	if strings.TrimSpace(text) == "" {
		return FieldError(field, "error.field.required")
	}
	if n := utf8.RuneCountInString(text); n > max {
		return &Error{Code: ETOOLARGE, Field: field, Key: "calls.error.text_too_long", Args: []any{max},
			Message: "text too long"}
	}
	for _, r := range text {
		if r == utf8.RuneError || unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return FieldError(field, "calls.error.binary")
		}
	}
	return nil
}

// Validate checks the fields a phone system sets when it opens a call.
func (c *Call) Validate() error {
	if !ValidCallChannel(c.Channel) {
		return FieldError("channel", "calls.error.channel")
	}
	c.CallerNumber = strings.TrimSpace(c.CallerNumber)
	if c.CallerNumber != "" {
		if err := ValidateUtteranceText("caller_number", c.CallerNumber, MaxCallerNumber); err != nil {
			return err
		}
	}
	if c.StaffID <= 0 {
		return FieldError("staff_id", "error.field.required")
	}
	return nil
}

// CallFilter selects calls.
type CallFilter struct {
	OrgIDs    []int64
	Open      *bool // only ongoing (true) or ended (false) calls
	NeedsCase *bool
	Limit     int
}

// CallService stores live calls and their utterances.
type CallService interface {
	// CreateCall stores c and sets its ID.
	CreateCall(ctx context.Context, c *Call) error
	// FindCall returns the call with its counts; ENOTFOUND if there is none.
	FindCall(ctx context.Context, id int64) (*Call, error)
	// ListCalls returns the calls matching f, newest first, with their counts.
	ListCalls(ctx context.Context, f CallFilter) ([]*Call, error)
	// InsertUtterances stores a batch of utterances of any calls in one
	// statement. A (call, seq) already taken is not stored: the returned
	// slice says, per input, whether it was stored, so the caller can renumber
	// and retry (another server stored that number first).
	InsertUtterances(ctx context.Context, us []*Utterance) (stored []bool, err error)
	// ListUtterances returns the call's utterances in order, from seq after+1.
	ListUtterances(ctx context.Context, callID int64, after int) ([]*Utterance, error)
	// ListFlaggedUtterances returns the call's latest flagged utterances,
	// at most limit, newest first.
	ListFlaggedUtterances(ctx context.Context, callID int64, limit int) ([]*Utterance, error)
	// FindUtterance returns one utterance; ENOTFOUND if there is none.
	FindUtterance(ctx context.Context, callID int64, seq int) (*Utterance, error)
	// SetCallStage records the stage a person confirmed.
	SetCallStage(ctx context.Context, id int64, stage string) error
	// EndCall records the end; ECONFLICT when the call already ended.
	EndCall(ctx context.Context, id int64, at time.Time, needsCase bool) error
}

// CallScript is a phrase from the policy's scripts that staff may say at a stage.
type CallScript struct {
	ID    string `json:"id"`
	Stage string `json:"stage"`
	Text  string `json:"text"`
}
