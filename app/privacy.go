package app

import (
	"context"
	"time"

	"github.com/kasuhara/kasuhara"
)

// Disclosure requests under the personal-information law (個人情報保護法
// 第33条, 開示請求): everything kasuhara holds about one staff member or one
// customer, as JSON. Only administrators and auditors export
// (privacy.export), within their organizations; every export is audited
// with what was included, not the data itself.

// PrivacyRequest names the person: a staff member by email, or a customer by ID.
type PrivacyRequest struct {
	Email      string `json:"email,omitempty"`
	CustomerID int64  `json:"customer_id,omitempty"`
}

// PersonalData is one person's data. Password hashes and receipt-code
// hashes are never included; consultations of others, and other people's
// care plans, never are.
type PersonalData struct {
	GeneratedAt time.Time `json:"generated_at"`
	Subject     string    `json:"subject"` // "staff" or "customer"

	User          *kasuhara.User           `json:"user,omitempty"`
	CasesReported []*kasuhara.Case         `json:"cases_reported,omitempty"`
	Consultations []*kasuhara.Consultation `json:"consultations,omitempty"`
	CarePlans     []*kasuhara.CarePlan     `json:"care_plans,omitempty"`
	Training      []*kasuhara.TrainingTask `json:"training,omitempty"`
	AuditEntries  []*kasuhara.AuditEntry   `json:"audit_entries,omitempty"`
	Customer      *kasuhara.Customer       `json:"customer,omitempty"`
	Cases         []*kasuhara.Case         `json:"cases,omitempty"`
	Contacts      []*kasuhara.Contact      `json:"contacts,omitempty"`
	Restrictions  []*kasuhara.Restriction  `json:"restrictions,omitempty"`
}

// PrivacyExport gathers the data of the person req names. p nil is the
// CLI, run by whoever holds the database; otherwise p needs privacy.export
// and the person must be in p's organizations (ENOTFOUND otherwise).
// EINVALID unless exactly one of email and customer is given.
func (a *App) PrivacyExport(ctx context.Context, p *kasuhara.Principal, req PrivacyRequest) (*PersonalData, error) {
	if (req.Email == "") == (req.CustomerID == 0) {
		return nil, kasuhara.FieldError("email", "retention.error.one_subject")
	}
	var orgIDs []int64
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActPrivacyExport, p.User.OrgID); err != nil {
			return nil, a.denied(ctx, p, kasuhara.ActPrivacyExport, target("org", p.User.OrgID), err)
		}
		orgIDs = p.OrgIDs
	}
	reach := func(orgID int64) error {
		if p != nil {
			if err := kasuhara.Authorize(p, kasuhara.ActPrivacyExport, orgID); err != nil {
				return err
			}
		}
		return nil
	}
	out := &PersonalData{GeneratedAt: a.Now()}
	var orgID int64
	var tgt string
	if req.Email != "" {
		u, err := a.Store.FindUserByEmail(ctx, kasuhara.NormalizeEmail(req.Email))
		if err == nil {
			err = reach(u.OrgID)
		}
		if err != nil {
			return nil, a.denied(ctx, p, kasuhara.ActPrivacyExport, "user:"+kasuhara.NormalizeEmail(req.Email), err)
		}
		orgID, tgt, out.Subject, out.User = u.OrgID, target("user", u.ID), "staff", u
		own := []int64{u.OrgID}
		page, err := a.Store.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: own, InvolvedUserID: &u.ID, Limit: 500})
		if err != nil {
			return nil, err
		}
		out.CasesReported = page.Items
		if out.Consultations, err = a.Store.ListConsultations(ctx, kasuhara.ConsultationFilter{OrgIDs: own, UserID: &u.ID, Limit: 500}); err != nil {
			return nil, err
		}
		plans, err := a.Store.ListCarePlans(ctx, kasuhara.CarePlanFilter{OrgIDs: own, SubjectID: &u.ID, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, pl := range plans {
			full, err := a.Store.FindCarePlan(ctx, own, pl.ID)
			if err != nil {
				return nil, err
			}
			out.CarePlans = append(out.CarePlans, full)
		}
		if out.Training, err = a.Store.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: own, UserID: &u.ID}); err != nil {
			return nil, err
		}
		if out.AuditEntries, err = a.Store.ListAudit(ctx, kasuhara.AuditFilter{OrgIDs: own, ActorID: &u.ID, Limit: 1000}); err != nil {
			return nil, err
		}
	} else {
		var c *kasuhara.Customer
		var err error
		candidates := orgIDs
		if p == nil {
			orgs, err := a.Store.ListOrgs(ctx)
			if err != nil {
				return nil, err
			}
			for _, o := range orgs {
				candidates = append(candidates, o.ID)
			}
		}
		for _, o := range candidates {
			if c, err = a.Store.FindCustomer(ctx, o, req.CustomerID); err == nil {
				break
			}
		}
		if c == nil {
			err := &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
			return nil, a.denied(ctx, p, kasuhara.ActPrivacyExport, target("customer", req.CustomerID), err)
		}
		orgID, tgt, out.Subject, out.Customer = c.OrgID, target("customer", c.ID), "customer", c
		page, err := a.Store.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{c.OrgID}, CustomerID: &c.ID, Limit: 500})
		if err != nil {
			return nil, err
		}
		out.Cases = page.Items
		if out.Contacts, err = a.Store.ListContacts(ctx, c.OrgID, 0, c.ID); err != nil {
			return nil, err
		}
		if out.Restrictions, err = a.Store.ListRestrictions(ctx, c.OrgID, c.ID); err != nil {
			return nil, err
		}
	}
	counts := map[string]int{"cases": len(out.CasesReported) + len(out.Cases), "consultations": len(out.Consultations), "care_plans": len(out.CarePlans),
		"training": len(out.Training), "audit_entries": len(out.AuditEntries), "contacts": len(out.Contacts), "restrictions": len(out.Restrictions)}
	return out, a.audit(ctx, a.Store, p, &orgID, "privacy.export", tgt, "ok", map[string]any{"subject": out.Subject, "counts": counts})
}
