package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
	"github.com/kasuhara/kasuhara/policy"
)

// JST is the zone effective dates are counted in: a policy "effective from
// 2025-04-01" takes effect at midnight in Japan, wherever the server runs.
var JST = time.FixedZone("JST", 9*3600)

// ParseEffectiveDate reads a YYYY-MM-DD effective date (施行日) as midnight
// JST; it returns an EINVALID error naming field otherwise.
func ParseEffectiveDate(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, kasuhara.FieldError(field, "error.field.required")
	}
	t, err := time.ParseInLocation("2006-01-02", s, JST)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, kasuhara.FieldError(field, "policyweb.error.date")
	}
	return t, nil
}

// LintError carries every problem of a policy document that was refused.
// It is the Err of the EINVALID *kasuhara.Error PublishPolicy returns, so
// that callers can show each problem with its line and column.
type LintError struct {
	Diagnostics []policy.Diagnostic
}

func (e *LintError) Error() string {
	if len(e.Diagnostics) == 0 {
		return "policy is invalid"
	}
	return fmt.Sprintf("policy is invalid (%d problems), first: %s", len(e.Diagnostics), e.Diagnostics[0])
}

// LintDiagnostics returns the diagnostics carried by err, or nil.
func LintDiagnostics(err error) []policy.Diagnostic {
	var le *LintError
	if errors.As(err, &le) {
		return le.Diagnostics
	}
	return nil
}

// LintPolicy parses source and returns the policy (nil when the YAML cannot
// be read at all) and its problems with messages in lang. It is pure and
// bounded by the policy package's limits on size, depth and aliases, so it
// is safe on hostile input; anyone signed in may call it.
func LintPolicy(source []byte, lang string) (*policy.Policy, []policy.Diagnostic) {
	if !i18n.Supported(lang) {
		lang = i18n.Default
	}
	p, diags := policy.Parse(source)
	for i := range diags {
		diags[i].Message = diags[i].Localize(lang)
	}
	return p, diags
}

// invalidPolicy is the error for a document with problems.
func invalidPolicy(diags []policy.Diagnostic) error {
	return &kasuhara.Error{Code: kasuhara.EINVALID, Field: "source", Key: "policyweb.error.lint", Args: []any{len(diags)},
		Message: "the policy has problems and cannot be published", Err: &LintError{diags}}
}

// PolicyPublish is what an administrator submits to publish a version.
type PolicyPublish struct {
	OrgID         int64
	Source        []byte
	EffectiveFrom time.Time
	ApprovedBy    string
	Note          string
	// Lang is the language of lint messages in the error, if any.
	Lang string
}

// PublishPolicy lints req.Source and stores it as the next version of the
// organization's policy. p is the administrator (policy.manage), or nil for
// the system (demo, CLI). A document with any problem is refused with an
// EINVALID error whose LintDiagnostics list them all; nothing is stored.
// Except for an organization's first version (its policy as already in
// force), a version cannot take effect before today: what was in effect at a
// past moment, and so what past cases were judged under, never changes.
func (a *App) PublishPolicy(ctx context.Context, p *kasuhara.Principal, req PolicyPublish) (*kasuhara.PolicyVersion, error) {
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActPolicyManage, req.OrgID); err != nil {
			return nil, a.denied(ctx, p, kasuhara.ActPolicyManage, target("org", req.OrgID), err)
		}
	}
	doc, diags := LintPolicy(req.Source, req.Lang)
	if len(diags) > 0 || doc == nil {
		return nil, invalidPolicy(diags)
	}
	sum := sha256.Sum256(req.Source)
	v := &kasuhara.PolicyVersion{
		OrgID: req.OrgID, DocID: doc.ID, Title: doc.Title, Kind: doc.Kind, Source: string(req.Source),
		Digest: hex.EncodeToString(sum[:]), EffectiveFrom: req.EffectiveFrom,
		ApprovedBy: strings.TrimSpace(req.ApprovedBy), Note: strings.TrimSpace(req.Note), PublishedByName: "system",
	}
	if p != nil {
		v.PublishedBy, v.PublishedByName = &p.User.ID, p.User.Email
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		existing, err := tx.ListPolicyVersions(ctx, req.OrgID)
		if err != nil {
			return err
		}
		now := a.Now().In(JST)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, JST)
		if len(existing) > 0 && v.EffectiveFrom.Before(today) {
			return kasuhara.FieldError("effective_from", "policyweb.error.backdated", today.Format("2006-01-02"))
		}
		if err := tx.CreatePolicyVersion(ctx, v); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &req.OrgID, "policy.publish", target("policy_version", v.ID), "ok", map[string]any{
			"version": v.Version, "digest": v.Digest, "effective_from": v.EffectiveFrom.In(JST).Format("2006-01-02"),
			"approved_by": v.ApprovedBy, "title": v.Title,
		})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// AuthorizePolicyManage returns nil when p may edit and publish orgID's
// policy (policy.manage), and records a refusal otherwise. The editor calls
// it before showing anything, since importing and previewing store nothing
// and so pass through no other use case.
func (a *App) AuthorizePolicyManage(ctx context.Context, p *kasuhara.Principal, orgID int64) error {
	if err := kasuhara.Authorize(p, kasuhara.ActPolicyManage, orgID); err != nil {
		return a.denied(ctx, p, kasuhara.ActPolicyManage, target("org", orgID), err)
	}
	return nil
}

// PolicyVersions lists every version of orgID's policy, newest first, for
// those who may read the history (policy.history).
func (a *App) PolicyVersions(ctx context.Context, p *kasuhara.Principal, orgID int64) ([]*kasuhara.PolicyVersion, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActPolicyHistory, orgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActPolicyHistory, target("org", orgID), err)
	}
	return a.Store.ListPolicyVersions(ctx, orgID)
}

// PolicyVersion returns one version with its source (policy.history); a
// version of an organization outside p's reach is ENOTFOUND, like one that
// does not exist.
func (a *App) PolicyVersion(ctx context.Context, p *kasuhara.Principal, id int64) (*kasuhara.PolicyVersion, error) {
	v, err := a.Store.FindPolicyVersion(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := kasuhara.Authorize(p, kasuhara.ActPolicyHistory, v.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActPolicyHistory, target("policy_version", id), err)
	}
	return v, nil
}

// PolicyInEffect returns the version of orgID's policy in effect at at, with
// its source; ENOTFOUND when none is. Case handling records the version it
// returns. It checks no caller: a published policy is public.
func (a *App) PolicyInEffect(ctx context.Context, orgID int64, at time.Time) (*kasuhara.PolicyVersion, error) {
	return a.Store.PolicyVersionAt(ctx, orgID, at)
}

// PolicyAt returns the version of orgID in effect at at and its document,
// for staff (policy.view): the handbook, and the version a case is judged under.
func (a *App) PolicyAt(ctx context.Context, p *kasuhara.Principal, orgID int64, at time.Time) (*kasuhara.PolicyVersion, *policy.Policy, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActPolicyView, orgID); err != nil {
		return nil, nil, a.denied(ctx, p, kasuhara.ActPolicyView, target("org", orgID), err)
	}
	v, err := a.PolicyInEffect(ctx, orgID, at)
	if err != nil {
		return nil, nil, err
	}
	doc, err := ParsedPolicy(v)
	return v, doc, err
}

// CurrentPolicy is PolicyAt now.
func (a *App) CurrentPolicy(ctx context.Context, p *kasuhara.Principal, orgID int64) (*kasuhara.PolicyVersion, *policy.Policy, error) {
	return a.PolicyAt(ctx, p, orgID, a.Now())
}

// PublicPolicy returns the organization named by slug, the version of its
// policy in effect now and the document, for the public page. ENOTFOUND
// when the organization does not exist or has published nothing in effect.
func (a *App) PublicPolicy(ctx context.Context, slug string) (*kasuhara.Organization, *kasuhara.PolicyVersion, *policy.Policy, error) {
	org, err := a.Store.FindOrgBySlug(ctx, slug)
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := a.PolicyInEffect(ctx, org.ID, a.Now())
	if err != nil {
		return nil, nil, nil, err
	}
	doc, err := ParsedPolicy(v)
	return org, v, doc, err
}

// parsed caches documents by digest: versions never change, and the public
// page must not parse tens of kilobytes of YAML on every anonymous request.
var parsed = struct {
	sync.Mutex
	m map[string]*policy.Policy
}{m: map[string]*policy.Policy{}}

const parsedCacheSize = 128

// ParsedPolicy returns the document of a stored version. The result is
// shared and must not be modified. Stored versions were linted when
// published, so an error here means the format's rules changed since; it is
// reported as internal rather than shown half-parsed.
func ParsedPolicy(v *kasuhara.PolicyVersion) (*policy.Policy, error) {
	parsed.Lock()
	doc, ok := parsed.m[v.Digest]
	parsed.Unlock()
	if ok {
		return doc, nil
	}
	doc, diags := policy.Parse([]byte(v.Source))
	if doc == nil || len(diags) > 0 {
		return nil, &kasuhara.Error{Code: kasuhara.EINTERNAL, Message: fmt.Sprintf("stored policy version %d no longer parses", v.ID), Err: &LintError{diags}}
	}
	parsed.Lock()
	if len(parsed.m) >= parsedCacheSize {
		clear(parsed.m)
	}
	parsed.m[v.Digest] = doc
	parsed.Unlock()
	return doc, nil
}
