package kasuhara

import (
	"context"
	"time"
)

// Retention (保存期間). The policy names how long each kind of record is
// kept; when that has passed, records are deleted or anonymized, except
// those of a case under legal hold. Every run is logged in the audit trail
// with the counts and IDs of what it removed.

// RetentionKinds are the record kinds a policy may give a period for, in
// the order a run treats them. Attachments are sorted by their content:
// call_recording (audio), video, email (messages), report (any other file).
var RetentionKinds = []string{"call_recording", "video", "email", "report", "call_transcript", "consultation", "case"}

// RetentionService finds and removes records past their retention period.
type RetentionService interface {
	// ExpiredRecords returns the IDs of orgID's records of kind that are
	// past cutoff and not yet removed, leaving out those of cases under
	// legal hold: attachments created before it, call transcripts of calls
	// ended before it, consultations closed and untouched since before it,
	// cases closed before it.
	ExpiredRecords(ctx context.Context, orgID int64, kind string, cutoff time.Time) ([]int64, error)
	// PurgeRecords removes the records: attachment bytes are emptied (name,
	// size and hash stay), transcripts deleted and the caller's number
	// blanked, consultations' texts and identities blanked, cases'
	// narratives, customer details and staff details blanked (type,
	// channel, dates and outcome stay for statistics). It returns how many
	// records changed.
	PurgeRecords(ctx context.Context, orgID int64, kind string, ids []int64, at time.Time) (int, error)
	// SetLegalHold puts case caseID of orgID under legal hold or releases it;
	// ENOTFOUND unless the case is in orgID.
	SetLegalHold(ctx context.Context, orgID, caseID int64, hold bool, reason string) error
	// LegalHold reports whether the case is held and why.
	LegalHold(ctx context.Context, orgID, caseID int64) (bool, string, error)
	// TryLease claims the background job name for holder until until,
	// unless another holder's claim runs past now; it reports whether it did.
	TryLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
}
