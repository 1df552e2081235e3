package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
	"github.com/kasuhara/kasuhara/policy"
)

// Repeat-customer defaults, used where the policy leaves
// thresholds.persistence open: a customer is flagged as a repeat customer
// when, within DefaultRepeatWindowDays, they appear in DefaultRepeatCases
// cases or DefaultRepeatContacts contacts, counted across all departments.
// A policy's persistence threshold (contacts within days) replaces the
// contact count and the window; the case count stays.
const (
	DefaultRepeatCases      = 3
	DefaultRepeatContacts   = 5
	DefaultRepeatWindowDays = 90
)

// DefaultRestrictionApprovers may approve a restriction when the policy's
// measure names no approving role that is one of kasuhara's roles.
var DefaultRestrictionApprovers = []kasuhara.Role{kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAdmin}

// RepeatThresholds returns the repeat rule of a policy: N cases or M contacts within window days.
func RepeatThresholds(doc *policy.Policy) (cases, contacts, days int) {
	cases, contacts, days = DefaultRepeatCases, DefaultRepeatContacts, DefaultRepeatWindowDays
	if doc != nil {
		if ps := doc.Thresholds.Persistence; !ps.Open.Open && ps.Contacts > 0 && ps.Days > 0 {
			contacts, days = ps.Contacts, ps.Days
		}
	}
	return
}

// versionDocs caches parsed policy documents by version ID (versions never
// change) and the version in effect per organization for a short time, so
// the front-line lookup does not read and parse the policy on every call.
var versionDocs sync.Map // storeKey → *policy.Policy

// storeKey scopes a cache entry to one database, since IDs repeat across databases.
type storeKey struct {
	store kasuhara.Store
	id    int64
}

type effectiveEntry struct {
	v     *kasuhara.PolicyVersion
	doc   *policy.Policy
	until time.Time
}

var effectiveCache sync.Map // storeKey{org} → effectiveEntry

// effectiveCacheTTL bounds how long a newly effective version may go unseen by lookups.
const effectiveCacheTTL = 30 * time.Second

// policyDoc returns the document of version id.
func (a *App) policyDoc(ctx context.Context, id int64) (*policy.Policy, error) {
	key := storeKey{a.Store, id}
	if d, ok := versionDocs.Load(key); ok {
		return d.(*policy.Policy), nil
	}
	v, err := a.Store.FindPolicyVersion(ctx, id)
	if err != nil {
		return nil, err
	}
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, err
	}
	versionDocs.Store(key, doc)
	return doc, nil
}

// policyNow returns the version of orgID in effect now and its document, cached briefly.
func (a *App) policyNow(ctx context.Context, orgID int64) (*kasuhara.PolicyVersion, *policy.Policy, error) {
	now := a.Now()
	key := storeKey{a.Store, orgID}
	if e, ok := effectiveCache.Load(key); ok && now.Before(e.(effectiveEntry).until) {
		return e.(effectiveEntry).v, e.(effectiveEntry).doc, nil
	}
	v, err := a.Store.PolicyVersionAt(ctx, orgID, now)
	if err != nil {
		return nil, nil, err
	}
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, nil, err
	}
	light := *v
	light.Source = ""
	effectiveCache.Store(key, effectiveEntry{&light, doc, now.Add(effectiveCacheTTL)})
	return &light, doc, nil
}

// CustomerDetail is a customer with their history, for those who may see it.
type CustomerDetail struct {
	Customer     *kasuhara.Customer      `json:"customer"`
	Contacts     []*kasuhara.Contact     `json:"contacts"`
	Restrictions []*kasuhara.Restriction `json:"restrictions"`
	Cases        []*kasuhara.Case        `json:"cases"`
}

// CreateCustomer registers c (customer.manage).
func (a *App) CreateCustomer(ctx context.Context, p *kasuhara.Principal, c *kasuhara.Customer) error {
	if err := kasuhara.Authorize(p, kasuhara.ActCustomerManage, c.OrgID); err != nil {
		return a.denied(ctx, p, kasuhara.ActCustomerManage, target("org", c.OrgID), err)
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "customer.create", target("customer", c.ID), "ok", map[string]any{"after": customerAudit(c)})
	})
}

// customerAudit is what the trail keeps of a customer: which fields are
// set, not their values, so the trail holds no personal data.
func customerAudit(c *kasuhara.Customer) map[string]any {
	return map[string]any{"name": c.Name != "", "kana": c.Kana != "", "phone": c.Phone != "", "email": c.Email != "",
		"member_no": c.MemberNo != "", "address": c.Address != "", "repeat": c.Repeat}
}

// UpdateCustomer replaces the editable fields of customer c.ID (customer.manage).
func (a *App) UpdateCustomer(ctx context.Context, p *kasuhara.Principal, c *kasuhara.Customer) error {
	if err := kasuhara.Authorize(p, kasuhara.ActCustomerManage, c.OrgID); err != nil {
		return a.denied(ctx, p, kasuhara.ActCustomerManage, target("customer", c.ID), err)
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		before, err := tx.FindCustomer(ctx, c.OrgID, c.ID)
		if err != nil {
			return err
		}
		if err := tx.UpdateCustomer(ctx, c); err != nil {
			return err
		}
		c.Repeat, c.RepeatReason, c.RepeatAt, c.CreatedAt = before.Repeat, before.RepeatReason, before.RepeatAt, before.CreatedAt
		return a.audit(ctx, tx, p, &c.OrgID, "customer.update", target("customer", c.ID), "ok",
			map[string]any{"before": customerAudit(before), "after": customerAudit(c)})
	})
}

// Customers lists orgID's customers (customer.view).
func (a *App) Customers(ctx context.Context, p *kasuhara.Principal, f kasuhara.CustomerFilter) ([]*kasuhara.Customer, int, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActCustomerView, f.OrgID); err != nil {
		return nil, 0, a.denied(ctx, p, kasuhara.ActCustomerView, target("org", f.OrgID), err)
	}
	if err := a.Audit(ctx, p, "customer.list", target("org", f.OrgID), "ok", map[string]any{"query": f.Query != ""}); err != nil {
		return nil, 0, err
	}
	return a.Store.ListCustomers(ctx, f)
}

// Customer returns a customer with contacts, restrictions and cases (customer.view); the read is audited.
func (a *App) Customer(ctx context.Context, p *kasuhara.Principal, orgID, id int64) (*CustomerDetail, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActCustomerView, orgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCustomerView, target("customer", id), err)
	}
	c, err := a.Store.FindCustomer(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	d := &CustomerDetail{Customer: c}
	if d.Contacts, err = a.Store.ListContacts(ctx, orgID, 0, id); err != nil {
		return nil, err
	}
	if d.Restrictions, err = a.Store.ListRestrictions(ctx, orgID, id); err != nil {
		return nil, err
	}
	page, err := a.Store.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{orgID}, CustomerID: &id, Limit: 200})
	if err != nil {
		return nil, err
	}
	d.Cases = page.Items
	return d, a.Audit(ctx, p, "customer.view", target("customer", id), "ok", nil)
}

// checkRepeat flags customerID as a repeat customer once its cases or
// contacts within the policy's window reach the threshold, across
// departments. It is called in the transaction that added the case or contact.
func (a *App) checkRepeat(ctx context.Context, tx kasuhara.Store, p *kasuhara.Principal, orgID, customerID int64, doc *policy.Policy) error {
	c, err := tx.FindCustomer(ctx, orgID, customerID)
	if err != nil || c.Repeat {
		return err
	}
	nCases, nContacts, days := RepeatThresholds(doc)
	now := a.Now()
	act, err := tx.CustomerActivity(ctx, orgID, customerID, now.AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	if act.Cases < nCases && act.Contacts < nContacts {
		return nil
	}
	reason := fmt.Sprintf("%d日間に事案%d件・応対%d件(%d部署)", days, act.Cases, act.Contacts, act.Departments)
	if err := tx.SetCustomerRepeat(ctx, orgID, customerID, true, reason, now); err != nil {
		return err
	}
	return a.audit(ctx, tx, p, &orgID, "customer.repeat_flag", target("customer", customerID), "ok", map[string]any{
		"cases": act.Cases, "contacts": act.Contacts, "departments": act.Departments, "window_days": days,
		"threshold_cases": nCases, "threshold_contacts": nContacts,
	})
}

// RestrictionInput is what an approver submits to restrict a customer.
type RestrictionInput struct {
	OrgID      int64
	CustomerID int64
	CaseID     *int64
	Kind       string
	Channels   []string
	SanctionID string // a measure of the policy (sanctions.measures[].id), optional
	Reason     string
	Start      time.Time // zero: now
	End        *time.Time
	ReviewAt   *time.Time
}

// ApproverRoles returns the roles that may approve measure sanctionID under
// doc: the measure's approved_by roles that are kasuhara roles, or
// DefaultRestrictionApprovers. An unknown sanctionID is EINVALID.
func ApproverRoles(doc *policy.Policy, sanctionID string) (*policy.Sanction, []kasuhara.Role, error) {
	if sanctionID == "" {
		return nil, DefaultRestrictionApprovers, nil
	}
	for i, m := range doc.Sanctions.Measures {
		if m.ID != sanctionID {
			continue
		}
		var roles []kasuhara.Role
		for _, r := range m.ApprovedBy {
			if kasuhara.Role(r).Valid() {
				roles = append(roles, kasuhara.Role(r))
			}
		}
		if len(roles) == 0 {
			roles = DefaultRestrictionApprovers
		}
		return &doc.Sanctions.Measures[i], roles, nil
	}
	return nil, nil, kasuhara.FieldError("sanction_id", "cases.error.sanction")
}

// Restrict imposes a restriction on a customer. The caller is the approver
// and must hold one of the roles the policy in effect allows for the
// measure (restriction.set, narrowed by ApproverRoles); otherwise EFORBIDDEN
// naming the roles.
func (a *App) Restrict(ctx context.Context, p *kasuhara.Principal, in RestrictionInput) (*kasuhara.Restriction, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActRestrictionSet, in.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActRestrictionSet, target("customer", in.CustomerID), err)
	}
	v, doc, err := a.policyNow(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	measure, roles, err := ApproverRoles(doc, in.SanctionID)
	if err != nil {
		return nil, err
	}
	var role kasuhara.Role
	for _, r := range roles {
		if p.User.HasRole(r) {
			role = r
			break
		}
	}
	if role == "" {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = i18n.T(p.User.Lang, "role."+string(r))
		}
		err := &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Key: "cases.error.approver", Args: []any{strings.Join(names, "・")}, Message: "the policy does not allow this role to approve the measure"}
		return nil, a.denied(ctx, p, kasuhara.ActRestrictionSet, target("customer", in.CustomerID), err)
	}
	r := &kasuhara.Restriction{OrgID: in.OrgID, CustomerID: in.CustomerID, CaseID: in.CaseID, Kind: in.Kind, Channels: in.Channels,
		SanctionID: in.SanctionID, Reason: in.Reason, ApproverID: p.User.ID, ApproverName: p.User.Name, ApproverRole: string(role),
		Start: in.Start, End: in.End, ReviewAt: in.ReviewAt, PolicyVersion: v.ID}
	if measure != nil {
		r.SanctionText = measure.Text
	}
	if r.Start.IsZero() {
		r.Start = a.Now()
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if _, err := tx.FindCustomer(ctx, in.OrgID, in.CustomerID); err != nil {
			return err
		}
		if in.CaseID != nil {
			if _, err := tx.FindCase(ctx, []int64{in.OrgID}, *in.CaseID); err != nil {
				return kasuhara.FieldError("case_id", "error.not_found")
			}
		}
		if err := tx.CreateRestriction(ctx, r); err != nil {
			return err
		}
		if err := a.notifyRestriction(ctx, tx, p, r); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &in.OrgID, "restriction.create", target("restriction", r.ID), "ok", map[string]any{"after": r})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// LiftRestriction records that a restriction ends now, with the reason (restriction.set).
func (a *App) LiftRestriction(ctx context.Context, p *kasuhara.Principal, orgID, id int64, reason string) (*kasuhara.Restriction, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActRestrictionSet, orgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActRestrictionSet, target("restriction", id), err)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, kasuhara.FieldError("reason", "error.field.required")
	}
	var out *kasuhara.Restriction
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		before, err := tx.FindRestriction(ctx, orgID, id)
		if err != nil {
			return err
		}
		if out, err = tx.LiftRestriction(ctx, orgID, id, p.User.ID, reason, a.Now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &orgID, "restriction.lift", target("restriction", id), "ok", map[string]any{"before": before, "after": out})
	})
	return out, err
}

// LookupQuery is what the front line (or a phone system) knows of a caller.
type LookupQuery struct {
	OrgID   int64
	Phone   string
	Email   string
	Member  string
	Channel string // empty: phone for a phone number, email for an address, face_to_face for a member number
}

// RestrictionNotice is an active restriction as the front line sees it;
// Reason, Approver and the customer are shown only to customer.view roles.
type RestrictionNotice struct {
	ID       int64      `json:"id"`
	Kind     string     `json:"kind"`
	Channels []string   `json:"channels"`
	Sanction string     `json:"sanction,omitempty"`
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Approver string     `json:"approver,omitempty"`
	ReviewAt *time.Time `json:"review_at,omitempty"`
}

// LookupResult answers the front line: is the caller restricted on this
// channel, and what should staff say.
type LookupResult struct {
	Channel      string              `json:"channel"`
	Known        bool                `json:"known"`
	Restricted   bool                `json:"restricted"`
	Repeat       bool                `json:"repeat"`
	Restrictions []RestrictionNotice `json:"restrictions"`
	// Say is what staff should say or do, from the policy's scripts and
	// channel actions; ScriptSource says where it came from (script,
	// channel, default).
	Say          []string `json:"say"`
	ScriptSource string   `json:"script_source"`
	// Customers are the matched records, only for customer.view roles.
	Customers []*kasuhara.Customer `json:"customers,omitempty"`
}

// Lookup answers whether the caller is restricted (customer.lookup). It
// reads only indexed rows and a cached policy, so a phone system may call
// it on every incoming call; it is not audited unless details are shown.
func (a *App) Lookup(ctx context.Context, p *kasuhara.Principal, q LookupQuery) (*LookupResult, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActCustomerLookup, q.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCustomerLookup, target("org", q.OrgID), err)
	}
	k := kasuhara.CustomerKeys{Phone: kasuhara.NormalizePhone(q.Phone), Email: kasuhara.NormalizeCustomerEmail(q.Email), Member: kasuhara.NormalizeMember(q.Member)}
	res := &LookupResult{Channel: q.Channel, Restrictions: []RestrictionNotice{}, Say: []string{}}
	switch {
	case k.Phone != "":
		if len(k.Phone) < 3 {
			return nil, kasuhara.FieldError("phone", "cases.error.phone")
		}
		res.Channel = cmpOr(res.Channel, "phone")
	case k.Email != "":
		res.Channel = cmpOr(res.Channel, "email")
	case k.Member != "":
		res.Channel = cmpOr(res.Channel, "face_to_face")
	default:
		return nil, kasuhara.FieldError("phone", "cases.error.lookup_key")
	}
	if !kasuhara.ValidChannel(res.Channel) {
		return nil, kasuhara.FieldError("channel", "cases.error.channel")
	}
	matches, err := a.Store.MatchCustomers(ctx, q.OrgID, k)
	if err != nil {
		return nil, err
	}
	details := p.Can(kasuhara.ActCustomerView)
	now := a.Now()
	for _, c := range matches {
		res.Known = true
		res.Repeat = res.Repeat || c.Repeat
		rs, err := a.Store.ListRestrictions(ctx, q.OrgID, c.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !r.ActiveAt(now) || !r.Covers(res.Channel) {
				continue
			}
			res.Restricted = true
			n := RestrictionNotice{ID: r.ID, Kind: r.Kind, Channels: r.Channels, Sanction: r.SanctionText, Start: r.Start, End: r.End}
			if details {
				n.Reason, n.Approver, n.ReviewAt = r.Reason, r.ApproverName, r.ReviewAt
			}
			res.Restrictions = append(res.Restrictions, n)
		}
	}
	if details && len(matches) > 0 {
		res.Customers = matches
		if err := a.Audit(ctx, p, "customer.lookup", target("org", q.OrgID), "ok", map[string]any{"matches": len(matches), "restricted": res.Restricted}); err != nil {
			return nil, err
		}
	}
	if res.Restricted {
		_, doc, err := a.policyNow(ctx, q.OrgID)
		if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			return nil, err
		}
		res.Say, res.ScriptSource = scriptFor(doc, res.Channel, p.User.Lang)
	}
	return res, nil
}

// scriptFor returns what staff should say on channel to a restricted
// customer: the policy's closing scripts for the channel, else its actions
// for the channel, else the catalog's default sentence.
func scriptFor(doc *policy.Policy, channel, lang string) ([]string, string) {
	var out []string
	if doc != nil {
		for _, s := range doc.Scripts.Items {
			if s.Stage == policy.StageClosing && (s.Channel == "" || s.Channel == channel) {
				out = append(out, s.Text)
			}
		}
		if len(out) > 0 {
			return out, "script"
		}
		for _, ch := range doc.Channels {
			if ch.Channel != channel {
				continue
			}
			for _, act := range ch.Actions {
				out = append(out, act.Text)
			}
		}
		if len(out) > 0 {
			return out, "channel"
		}
	}
	return []string{i18n.T(lang, "cases.lookup.default_script."+channelGroup(channel))}, "default"
}

func channelGroup(ch string) string {
	switch ch {
	case "phone":
		return "phone"
	case "face_to_face", "visit":
		return "face"
	}
	return "written"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// notifyRestriction tells the organization's supervisors (who brief the
// front line) and the case's assignee that a customer is now restricted.
// The approver is not notified of their own decision.
func (a *App) notifyRestriction(ctx context.Context, tx kasuhara.Store, p *kasuhara.Principal, r *kasuhara.Restriction) error {
	users, _, err := tx.ListUsers(ctx, kasuhara.UserFilter{OrgID: r.OrgID, Role: kasuhara.RoleSupervisor, Limit: 500})
	if err != nil {
		return err
	}
	recipients := map[int64]bool{}
	for _, u := range users {
		if !u.Disabled {
			recipients[u.ID] = true
		}
	}
	if r.CaseID != nil {
		if c, err := tx.FindCase(ctx, []int64{r.OrgID}, *r.CaseID); err == nil && c.AssigneeID != nil {
			recipients[*c.AssigneeID] = true
		}
	}
	delete(recipients, p.User.ID)
	ids := make([]int64, 0, len(recipients))
	for id := range recipients {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a stable order keeps deliveries and tests deterministic
	for _, id := range ids {
		if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: r.OrgID, Kind: "restriction", CaseID: r.CaseID, RecipientID: id}); err != nil {
			return err
		}
	}
	return nil
}
