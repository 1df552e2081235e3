package kasuhara

import (
	"context"
	"time"
)

// PolicyVersion is one published version (版) of an organization's
// customer-harassment policy. Versions are immutable once published: a case
// records the version it was judged under by ID and Digest, so that the
// version must read the same years later. The source is the policy YAML as
// published (see package policy); the root package keeps it as text because
// it does not depend on the policy package.
type PolicyVersion struct {
	ID      int64 `json:"id"`
	OrgID   int64 `json:"org_id"`
	Version int   `json:"version"` // 1, 2, 3… within the organization
	// DocID, Title and Kind are copied from the document so lists need not parse it.
	DocID string `json:"doc_id"`
	Title string `json:"title"`
	Kind  string `json:"kind"`
	// Source is the YAML document; empty in lists.
	Source string `json:"source,omitempty"`
	// Digest is the hex SHA-256 of Source, recorded with every judgement.
	Digest string `json:"digest"`
	// EffectiveFrom is when the version takes effect (施行日): midnight JST of the chosen day.
	EffectiveFrom time.Time `json:"effective_from"`
	// ApprovedBy names the approving authority as decided (承認者: 代表取締役 …, 理事会).
	ApprovedBy string `json:"approved_by"`
	// Note says what changed, for the version list.
	Note string `json:"note,omitempty"`
	// PublishedBy is the user who published it; nil for the system (demo, CLI).
	PublishedBy     *int64    `json:"published_by,omitempty"`
	PublishedByName string    `json:"published_by_name"`
	PublishedAt     time.Time `json:"published_at"`
}

// Limits on the fields a publisher types.
const (
	MaxPolicyApprover = 200
	MaxPolicyNote     = 2000
)

// Validate checks the fields a publisher sets besides the document, which
// the policy package lints; it returns an EINVALID *Error naming the field.
func (v *PolicyVersion) Validate() error {
	if v.EffectiveFrom.IsZero() {
		return FieldError("effective_from", "error.field.required")
	}
	if err := validateName("approved_by", v.ApprovedBy, MaxPolicyApprover); err != nil {
		return err
	}
	if v.Note != "" {
		if err := validateName("note", v.Note, MaxPolicyNote); err != nil {
			return err
		}
	}
	return nil
}

// PolicyService stores policy versions. Versions are only ever added.
type PolicyService interface {
	// CreatePolicyVersion stores v as the next version of v.OrgID, setting
	// ID and Version; ECONFLICT when another version was published at the
	// same moment (the caller may retry).
	CreatePolicyVersion(ctx context.Context, v *PolicyVersion) error
	// FindPolicyVersion returns the version with its source; ENOTFOUND if there is none.
	FindPolicyVersion(ctx context.Context, id int64) (*PolicyVersion, error)
	// ListPolicyVersions returns the versions of orgID without their
	// source, newest version first.
	ListPolicyVersions(ctx context.Context, orgID int64) ([]*PolicyVersion, error)
	// PolicyVersionAt returns, with its source, the version of orgID in
	// effect at t: the latest effective date not after t, and among versions
	// effective the same moment the one published last. ENOTFOUND when no
	// version is in effect yet.
	PolicyVersionAt(ctx context.Context, orgID int64, t time.Time) (*PolicyVersion, error)
}
