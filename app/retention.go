package app

import (
	"context"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/policy"
)

// Retention: each organization's policy in effect names how long each kind
// of record is kept (records.retention). A run removes what has passed its
// period, except records of cases under legal hold, and writes one audit
// entry per organization and kind with the count and the IDs removed.

// RetentionRule is one period of the policy.
type RetentionRule struct {
	Kind string `json:"kind"`
	Days int    `json:"days"`
}

// RetentionRules returns the periods doc sets, in kasuhara.RetentionKinds
// order; kinds left open or without a period are kept indefinitely.
func RetentionRules(doc *policy.Policy) []RetentionRule {
	var out []RetentionRule
	for _, k := range kasuhara.RetentionKinds {
		for _, r := range doc.Records.Retention {
			if r.Kind != k || r.Open.Open || r.Period == "" {
				continue
			}
			if days, ok := policy.ParsePeriod(r.Period); ok {
				out = append(out, RetentionRule{Kind: k, Days: days})
			}
			break
		}
	}
	return out
}

// RetentionResult is what one run did, or would do, for one organization and kind.
type RetentionResult struct {
	Org     string    `json:"org"`
	OrgID   int64     `json:"org_id"`
	Kind    string    `json:"kind"`
	Days    int       `json:"days"`
	Cutoff  time.Time `json:"cutoff"`
	IDs     []int64   `json:"ids"`
	Removed int       `json:"removed"`
	DryRun  bool      `json:"dry_run"`
}

// RunRetention applies every organization's retention periods at a.Now().
// p nil is the system (the server's job, the CLI); otherwise p needs
// retention.manage and the run covers p's organizations. With dryRun it
// only reports what would be removed.
func (a *App) RunRetention(ctx context.Context, p *kasuhara.Principal, dryRun bool) ([]RetentionResult, error) {
	var orgs []*kasuhara.Organization
	if p == nil {
		all, err := a.Store.ListOrgs(ctx)
		if err != nil {
			return nil, err
		}
		orgs = all
	} else {
		if err := kasuhara.Authorize(p, kasuhara.ActRetentionManage, p.User.OrgID); err != nil {
			return nil, a.denied(ctx, p, kasuhara.ActRetentionManage, target("org", p.User.OrgID), err)
		}
		for _, id := range p.OrgIDs {
			o, err := a.Store.FindOrgByID(ctx, id)
			if err != nil {
				return nil, err
			}
			orgs = append(orgs, o)
		}
	}
	now := a.Now()
	out := []RetentionResult{}
	for _, o := range orgs {
		v, err := a.PolicyInEffect(ctx, o.ID, now)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			continue // nothing published: nothing says when to delete
		} else if err != nil {
			return out, err
		}
		doc, err := ParsedPolicy(v)
		if err != nil {
			return out, err
		}
		for _, rule := range RetentionRules(doc) {
			cutoff := now.AddDate(0, 0, -rule.Days)
			ids, err := a.Store.ExpiredRecords(ctx, o.ID, rule.Kind, cutoff)
			if err != nil {
				return out, err
			}
			res := RetentionResult{Org: o.Slug, OrgID: o.ID, Kind: rule.Kind, Days: rule.Days, Cutoff: cutoff, IDs: ids, DryRun: dryRun}
			if !dryRun && len(ids) > 0 {
				err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
					n, err := tx.PurgeRecords(ctx, o.ID, rule.Kind, ids, now)
					if err != nil {
						return err
					}
					res.Removed = n
					return a.audit(ctx, tx, p, &o.ID, "retention.purge", target("org", o.ID), "ok", map[string]any{
						"kind": rule.Kind, "days": rule.Days, "cutoff": cutoff.Format(time.RFC3339), "count": n, "ids": ids,
						"policy_version_id": v.ID})
				})
				if err != nil {
					return out, err
				}
			}
			out = append(out, res)
		}
	}
	return out, nil
}

// RetentionJob runs retention once a day from the database: every server
// calls it hourly, and only the one that takes the day's lease runs it.
func (a *App) RetentionJob(ctx context.Context, holder string, lease func(ctx context.Context, name, holder string, now, until time.Time) (bool, error)) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		now := a.Now()
		ok, err := lease(ctx, "retention", holder, now, now.Add(23*time.Hour))
		if err != nil {
			a.Log.Error("retention lease", "err", err)
		} else if ok {
			res, err := a.RunRetention(ctx, nil, false)
			n := 0
			for _, r := range res {
				n += r.Removed
			}
			if err != nil {
				a.Log.Error("retention run", "err", err)
			} else {
				a.Log.Info("retention run", "removed", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SetLegalHold puts case caseID under legal hold or releases it
// (case.hold): a held case and its attachments are kept whatever the
// retention periods say. A hold needs a reason.
func (a *App) SetLegalHold(ctx context.Context, p *kasuhara.Principal, caseID int64, hold bool, reason string) error {
	if err := kasuhara.Authorize(p, kasuhara.ActLegalHold, p.User.OrgID); err != nil {
		return a.denied(ctx, p, kasuhara.ActLegalHold, target("case", caseID), err)
	}
	reason = strings.TrimSpace(reason)
	if hold && reason == "" {
		return kasuhara.FieldError("reason", "error.field.required")
	}
	if len([]rune(reason)) > kasuhara.MaxCaseShort {
		return kasuhara.FieldError("reason", "error.field.too_long", kasuhara.MaxCaseShort)
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := tx.FindCase(ctx, p.OrgIDs, caseID)
		if err == nil {
			err = kasuhara.Authorize(p, kasuhara.ActLegalHold, c.OrgID)
		}
		if err != nil {
			return a.denied(ctx, p, kasuhara.ActLegalHold, target("case", caseID), err)
		}
		if err := tx.SetLegalHold(ctx, c.OrgID, c.ID, hold, reason); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "case.legal_hold", target("case", c.ID), "ok", map[string]any{"hold": hold, "reason": reason})
	})
}
