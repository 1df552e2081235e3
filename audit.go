package kasuhara

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the append-only audit trail (監査ログ). Each
// entry's Hash covers its own fields and the previous entry's hash, so
// altering or deleting any row breaks the chain from that row on.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	OrgID    *int64          `json:"org_id,omitempty"`
	ActorID  *int64          `json:"actor_id,omitempty"`
	Actor    string          `json:"actor"` // email or "system"; kept so the trail reads without joins
	Action   string          `json:"action"`
	Target   string          `json:"target,omitempty"` // e.g. "user:42"
	IP       string          `json:"ip,omitempty"`
	Outcome  string          `json:"outcome"` // "ok", "denied", "failed"
	Detail   json.RawMessage `json:"detail,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the hex SHA-256 of the entry's content and PrevHash.
// Fields are length-prefixed so that no two different entries serialize alike.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	optInt := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatInt(*p, 10)
	}
	field(strconv.FormatInt(e.Seq, 10))
	field(strconv.FormatInt(e.At.UTC().UnixMicro(), 10))
	field(optInt(e.OrgID))
	field(optInt(e.ActorID))
	field(e.Actor)
	field(e.Action)
	field(e.Target)
	field(e.IP)
	field(e.Outcome)
	field(string(e.Detail))
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects entries for the audit log view.
type AuditFilter struct {
	OrgIDs  []int64 // empty: all organizations (system administration only)
	Action  string  // prefix match, e.g. "auth."
	ActorID *int64
	// Targets, when set, selects entries whose Target is one of these
	// (e.g. "case:12" and its attachments, for an evidence bundle).
	Targets   []string
	BeforeSeq int64 // cursor: entries with Seq < BeforeSeq; 0 for the newest
	Limit     int
}

// AuditBreak describes the first entry at which the chain is broken.
type AuditBreak struct {
	Seq    int64
	Reason string
}

// AuditService appends to and reads the audit trail.
type AuditService interface {
	// AppendAudit chains e after the last entry (setting Seq, PrevHash, Hash) and stores it.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns entries matching f, newest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// VerifyAudit walks the whole chain; it returns nil break and the count when intact.
	VerifyAudit(ctx context.Context) (checked int64, brk *AuditBreak, err error)
}

// AuditDetail marshals v for AuditEntry.Detail; values that cannot be
// marshalled are recorded as their error so the entry is never lost.
func AuditDetail(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"marshal_error": err.Error()})
	}
	return b
}

// Redact replaces all but the first character of each local part so audit
// details can mention an address without spelling it out.
func Redact(email string) string {
	at := strings.IndexByte(email, '@')
	if at <= 1 {
		return "***"
	}
	return email[:1] + "***" + email[at:]
}
