package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

// The consultation desk (相談窓口). Staff consult by name when signed in;
// anyone with the organization's public link consults by name or
// anonymously and follows up with a receipt code. For consultations through
// the public link nothing that could identify the consultant is stored: the
// audit entries name the actor "anonymous" (or "public" when they gave a
// name) and carry no address, whatever the request context holds.

// ConsultationInput is what a consultant submits.
type ConsultationInput struct {
	Anonymous  bool   `json:"anonymous"`
	Name       string `json:"name"`
	Contact    string `json:"contact"`
	Relation   string `json:"relation"`
	Topic      string `json:"topic"`
	OccurredOn string `json:"occurred_on"` // YYYY-MM-DD, optional
	Channel    string `json:"channel"`
	Body       string `json:"body"`
	Wish       string `json:"wish"`
}

// ConsultationThread is a consultation with what belongs to it. FollowUps
// are filled for the desk only; consultants do not see the desk's notes.
type ConsultationThread struct {
	Consultation *kasuhara.Consultation          `json:"consultation"`
	Messages     []*kasuhara.ConsultationMessage `json:"messages"`
	Consent      *kasuhara.ConsultationConsent   `json:"consent,omitempty"`
	FollowUps    []*kasuhara.FollowUp            `json:"follow_ups,omitempty"`
}

// MaxReceiptFailures is how many wrong receipt codes an organization's
// status page accepts within FailureWindow. The count is per organization,
// not per client, because an anonymous page keeps nothing that tells clients
// apart; the code's 160 bits are what protect a consultation, the limit
// only keeps guessing from hammering the database.
const MaxReceiptFailures = 30

// receiptEncoding spells receipt codes in upper-case letters and digits 2–7,
// which survive being read aloud or written on paper.
var receiptEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newReceipt returns a receipt code of 160 random bits in groups of four.
func newReceipt() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	s := receiptEncoding.EncodeToString(b)
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:min(i+4, len(s))])
	}
	return strings.Join(parts, "-")
}

// receiptDigest normalizes a typed code (case, spaces, hyphens) and hashes it.
func receiptDigest(code string) string {
	code = strings.ToUpper(code)
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\u3000' || r == '\t' {
			return -1
		}
		return r
	}, code)
	return digest("receipt:" + code)
}

// parseDay reads an optional YYYY-MM-DD as midnight JST.
func parseDay(field, s string, required bool) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return nil, kasuhara.FieldError(field, "error.field.required")
		}
		return nil, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, JST)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return nil, kasuhara.FieldError(field, "desk.error.date")
	}
	return &t, nil
}

func (in ConsultationInput) consultation(orgID int64, now time.Time) (*kasuhara.Consultation, error) {
	day, err := parseDay("occurred_on", in.OccurredOn, false)
	if err != nil {
		return nil, err
	}
	if day != nil && day.After(now) {
		return nil, kasuhara.FieldError("occurred_on", "desk.error.future")
	}
	c := &kasuhara.Consultation{OrgID: orgID, Anonymous: in.Anonymous, Name: in.Name, Contact: in.Contact, Relation: in.Relation,
		Topic: in.Topic, OccurredOn: day, Channel: in.Channel, Body: in.Body, Wish: in.Wish}
	if c.Anonymous {
		// Whatever the form sent, an anonymous consultation keeps no identity.
		c.Name, c.Contact = "", ""
	}
	return c, c.Validate()
}

// auditPublic appends an entry for a consultant of the public link: no
// actor ID and no address, even if the context carries one.
func (a *App) auditPublic(ctx context.Context, tx kasuhara.Store, c *kasuhara.Consultation, action, outcome string, detail any) error {
	actor := "anonymous"
	if !c.Anonymous {
		actor = "public"
	}
	e := &kasuhara.AuditEntry{At: a.Now(), OrgID: &c.OrgID, Actor: actor, Action: action, Target: target("consultation", c.ID), Outcome: outcome}
	if detail != nil {
		e.Detail = kasuhara.AuditDetail(detail)
	}
	return tx.AppendAudit(ctx, e)
}

// SubmitConsultation records a named consultation of a signed-in user
// (consultation.submit) in their organization. To consult anonymously,
// staff use the public link, which never looks at their sign-in.
func (a *App) SubmitConsultation(ctx context.Context, p *kasuhara.Principal, in ConsultationInput) (*kasuhara.Consultation, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActConsultationSubmit, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActConsultationSubmit, target("org", p.User.OrgID), err)
	}
	if in.Anonymous {
		return nil, kasuhara.FieldError("anonymous", "desk.error.anonymous_signed_in")
	}
	in.Name = p.User.Name
	if in.Relation == "" {
		in.Relation = "employee"
	}
	c, err := in.consultation(p.User.OrgID, a.Now())
	if err != nil {
		return nil, err
	}
	c.UserID = &p.User.ID
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateConsultation(ctx, c); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.submit", target("consultation", c.ID), "ok", map[string]string{"topic": c.Topic})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SubmitPublicConsultation records a consultation through the public link
// of the organization slug, named or anonymous, and returns the receipt
// code: shown to the consultant once, stored only as its hash. ENOTFOUND
// when there is no such organization.
func (a *App) SubmitPublicConsultation(ctx context.Context, slug string, in ConsultationInput) (*kasuhara.Consultation, string, error) {
	org, err := a.Store.FindOrgBySlug(ctx, slug)
	if err != nil {
		return nil, "", err
	}
	if !in.Anonymous && strings.TrimSpace(in.Name) == "" {
		return nil, "", kasuhara.FieldError("name", "desk.error.name_or_anonymous")
	}
	c, err := in.consultation(org.ID, a.Now())
	if err != nil {
		return nil, "", err
	}
	code := newReceipt()
	c.ReceiptHash = receiptDigest(code)
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateConsultation(ctx, c); err != nil {
			return err
		}
		return a.auditPublic(ctx, tx, c, "consultation.submit", "ok", map[string]any{"topic": c.Topic, "anonymous": c.Anonymous})
	})
	if err != nil {
		return nil, "", err
	}
	return c, code, nil
}

// ReceiptConsultation returns the consultation of organization slug whose
// receipt code is code, with the desk's replies. Wrong codes are counted per
// organization and refused with ETOOMANY beyond MaxReceiptFailures in
// FailureWindow; an unknown code answers EINVALID on the code field.
func (a *App) ReceiptConsultation(ctx context.Context, slug, code string) (*ConsultationThread, error) {
	org, err := a.Store.FindOrgBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, kasuhara.FieldError("code", "error.field.required")
	}
	now := a.Now()
	key := "receipt:" + target("org", org.ID)
	n, err := a.Store.LoginFailures(ctx, key, now.Add(-a.FailureWindow))
	if err != nil {
		return nil, err
	}
	if n >= MaxReceiptFailures {
		return nil, &kasuhara.Error{Code: kasuhara.ETOOMANY, Key: "desk.error.throttled", Args: []any{int(a.FailureWindow.Minutes())}, Message: "too many wrong receipt codes"}
	}
	c, err := a.Store.FindConsultationByReceipt(ctx, org.ID, receiptDigest(code))
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
			if err := tx.RecordLoginFailure(ctx, key, now); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &kasuhara.AuditEntry{At: now, OrgID: &org.ID, Actor: "anonymous", Action: "consultation.receipt", Outcome: "failed"})
		})
		if err != nil {
			return nil, err
		}
		return nil, kasuhara.FieldError("code", "desk.error.receipt")
	} else if err != nil {
		return nil, err
	}
	return a.thread(ctx, a.Store, c, false)
}

func (a *App) thread(ctx context.Context, tx kasuhara.Store, c *kasuhara.Consultation, desk bool) (*ConsultationThread, error) {
	t := &ConsultationThread{Consultation: c}
	var err error
	if t.Messages, err = tx.ListConsultationMessages(ctx, c.ID); err != nil {
		return nil, err
	}
	if t.Consent, err = tx.FindConsultationConsent(ctx, c.ID); err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		return nil, err
	}
	if desk {
		if t.FollowUps, err = tx.ListFollowUps(ctx, kasuhara.FollowUpFilter{OrgIDs: []int64{c.OrgID}, ConsultationID: c.ID}); err != nil {
			return nil, err
		}
		now := a.Now()
		for _, f := range t.FollowUps {
			f.Overdue = f.IsOverdue(now)
		}
	}
	return t, nil
}

// ownConsultation returns consultation id if p submitted it; anyone else's answers ENOTFOUND.
func (a *App) ownConsultation(ctx context.Context, p *kasuhara.Principal, id int64) (*kasuhara.Consultation, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActConsultationSubmit, p.User.OrgID); err != nil {
		return nil, err
	}
	c, err := a.Store.FindConsultation(ctx, []int64{p.User.OrgID}, id)
	if err != nil {
		return nil, err
	}
	if c.UserID == nil || *c.UserID != p.User.ID {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return c, nil
}

// MyConsultations lists the named consultations p submitted while signed in.
func (a *App) MyConsultations(ctx context.Context, p *kasuhara.Principal) ([]*kasuhara.Consultation, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActConsultationSubmit, p.User.OrgID); err != nil {
		return nil, err
	}
	return a.Store.ListConsultations(ctx, kasuhara.ConsultationFilter{OrgIDs: []int64{p.User.OrgID}, UserID: &p.User.ID, Limit: 200})
}

// MyConsultation returns one of p's own consultations with the desk's replies.
func (a *App) MyConsultation(ctx context.Context, p *kasuhara.Principal, id int64) (*ConsultationThread, error) {
	c, err := a.ownConsultation(ctx, p, id)
	if err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActConsultationSubmit, target("consultation", id), err)
	}
	return a.thread(ctx, a.Store, c, false)
}

func validMessage(body string) (string, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return "", kasuhara.FieldError("body", "error.field.required")
	}
	if n := len([]rune(body)); n > kasuhara.MaxConsultationText {
		return "", kasuhara.FieldError("body", "error.field.too_long", kasuhara.MaxConsultationText)
	}
	return body, nil
}

// addConsultantMessage stores a consultant's follow-up and reopens a closed consultation.
func (a *App) addConsultantMessage(ctx context.Context, tx kasuhara.Store, c *kasuhara.Consultation, body string) error {
	if err := tx.AddConsultationMessage(ctx, &kasuhara.ConsultationMessage{ConsultationID: c.ID, Body: body}); err != nil {
		return err
	}
	if c.Status == "closed" {
		return tx.SetConsultationStatus(ctx, c.OrgID, c.ID, "in_progress")
	}
	return nil
}

// AddMyConsultationMessage adds p's follow-up to their own consultation.
func (a *App) AddMyConsultationMessage(ctx context.Context, p *kasuhara.Principal, id int64, body string) error {
	c, err := a.ownConsultation(ctx, p, id)
	if err != nil {
		return a.denied(ctx, p, kasuhara.ActConsultationSubmit, target("consultation", id), err)
	}
	if body, err = validMessage(body); err != nil {
		return err
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := a.addConsultantMessage(ctx, tx, c, body); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.message", target("consultation", c.ID), "ok", nil)
	})
}

// AddReceiptMessage adds a follow-up through the public status page.
func (a *App) AddReceiptMessage(ctx context.Context, slug, code, body string) error {
	t, err := a.ReceiptConsultation(ctx, slug, code)
	if err != nil {
		return err
	}
	if body, err = validMessage(body); err != nil {
		return err
	}
	c := t.Consultation
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := a.addConsultantMessage(ctx, tx, c, body); err != nil {
			return err
		}
		return a.auditPublic(ctx, tx, c, "consultation.message", "ok", nil)
	})
}

// ConsentInput is the consultant's consent to a case: the fields they let
// pass (kasuhara.HandoverFields) and the account of what happened for the case.
type ConsentInput struct {
	Fields    []string `json:"fields"`
	Narrative string   `json:"narrative"`
}

func (in ConsentInput) consent(c *kasuhara.Consultation, now time.Time) (*kasuhara.ConsultationConsent, error) {
	fields := []string{}
	for _, f := range in.Fields {
		if !slices.Contains(kasuhara.HandoverFields, f) {
			return nil, kasuhara.FieldError("fields", "desk.error.choice")
		}
		if f == "name" && c.Anonymous {
			return nil, kasuhara.FieldError("fields", "desk.error.no_name")
		}
		if (f == "occurred_on" && c.OccurredOn == nil) || (f == "channel" && c.Channel == "") {
			continue // nothing to pass on
		}
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	narrative := strings.TrimSpace(in.Narrative)
	if !slices.Contains(fields, "narrative") {
		narrative = ""
	} else if narrative == "" {
		return nil, kasuhara.FieldError("narrative", "error.field.required")
	} else if len([]rune(narrative)) > kasuhara.MaxConsultationText {
		return nil, kasuhara.FieldError("narrative", "error.field.too_long", kasuhara.MaxConsultationText)
	}
	if narrative == "" {
		return nil, kasuhara.FieldError("fields", "desk.error.narrative_needed")
	}
	return &kasuhara.ConsultationConsent{ConsultationID: c.ID, Fields: fields, Narrative: narrative, ConsentedAt: now}, nil
}

// ConsentToCase records p's consent to make a case of their own consultation.
func (a *App) ConsentToCase(ctx context.Context, p *kasuhara.Principal, id int64, in ConsentInput) error {
	c, err := a.ownConsultation(ctx, p, id)
	if err != nil {
		return a.denied(ctx, p, kasuhara.ActConsultationSubmit, target("consultation", id), err)
	}
	cs, err := in.consent(c, a.Now())
	if err != nil {
		return err
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateConsultationConsent(ctx, cs); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.consent", target("consultation", c.ID), "ok", map[string]any{"fields": cs.Fields})
	})
}

// ReceiptConsent records consent through the public status page.
func (a *App) ReceiptConsent(ctx context.Context, slug, code string, in ConsentInput) error {
	t, err := a.ReceiptConsultation(ctx, slug, code)
	if err != nil {
		return err
	}
	c := t.Consultation
	cs, err := in.consent(c, a.Now())
	if err != nil {
		return err
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateConsultationConsent(ctx, cs); err != nil {
			return err
		}
		return a.auditPublic(ctx, tx, c, "consultation.consent", "ok", map[string]any{"fields": cs.Fields})
	})
}

// DeskConsultations lists consultations of the desk's organizations
// (consultation.read), newest first; the listing is audited.
func (a *App) DeskConsultations(ctx context.Context, p *kasuhara.Principal, status string) ([]*kasuhara.Consultation, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActConsultationRead, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActConsultationRead, target("org", p.User.OrgID), err)
	}
	if status != "" && !slices.Contains(kasuhara.ConsultationStatuses, status) {
		return nil, kasuhara.FieldError("status", "desk.error.choice")
	}
	list, err := a.Store.ListConsultations(ctx, kasuhara.ConsultationFilter{OrgIDs: p.OrgIDs, Status: status, Limit: 200})
	if err != nil {
		return nil, err
	}
	return list, a.Audit(ctx, p, "consultation.list", "", "ok", map[string]any{"count": len(list), "status": status})
}

// OverdueFollowUps lists the open follow-ups past their due day in the desk's organizations.
func (a *App) OverdueFollowUps(ctx context.Context, p *kasuhara.Principal) ([]*kasuhara.FollowUp, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActConsultationFollowUp, p.User.OrgID); err != nil {
		return nil, err
	}
	open, err := a.Store.ListFollowUps(ctx, kasuhara.FollowUpFilter{OrgIDs: p.OrgIDs, OpenOnly: true})
	if err != nil {
		return nil, err
	}
	now := a.Now()
	out := []*kasuhara.FollowUp{}
	for _, f := range open {
		if f.Overdue = f.IsOverdue(now); f.Overdue {
			out = append(out, f)
		}
	}
	return out, nil
}

// deskConsultation finds id for a desk action, auditing a refusal.
func (a *App) deskConsultation(ctx context.Context, p *kasuhara.Principal, action kasuhara.Action, id int64) (*kasuhara.Consultation, error) {
	if err := kasuhara.Authorize(p, action, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, action, target("consultation", id), err)
	}
	c, err := a.Store.FindConsultation(ctx, p.OrgIDs, id)
	if err == nil {
		err = kasuhara.Authorize(p, action, c.OrgID)
	}
	if err != nil {
		return nil, a.denied(ctx, p, action, target("consultation", id), err)
	}
	return c, nil
}

// DeskConsultation returns a consultation with its messages, consent and
// follow-ups to the desk (consultation.read). Every read is audited.
func (a *App) DeskConsultation(ctx context.Context, p *kasuhara.Principal, id int64) (*ConsultationThread, error) {
	c, err := a.deskConsultation(ctx, p, kasuhara.ActConsultationRead, id)
	if err != nil {
		return nil, err
	}
	t, err := a.thread(ctx, a.Store, c, true)
	if err != nil {
		return nil, err
	}
	return t, a.audit(ctx, a.Store, p, &c.OrgID, "consultation.read", target("consultation", c.ID), "ok", nil)
}

// ReplyToConsultation adds the desk's answer and optionally sets the status
// (consultation.reply); either may be empty, not both.
func (a *App) ReplyToConsultation(ctx context.Context, p *kasuhara.Principal, id int64, body, status string) error {
	c, err := a.deskConsultation(ctx, p, kasuhara.ActConsultationReply, id)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	if status != "" && !slices.Contains(kasuhara.ConsultationStatuses, status) {
		return kasuhara.FieldError("status", "desk.error.choice")
	}
	if body == "" && status == "" {
		return kasuhara.FieldError("body", "error.field.required")
	}
	if body != "" {
		if body, err = validMessage(body); err != nil {
			return err
		}
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if body != "" {
			if err := tx.AddConsultationMessage(ctx, &kasuhara.ConsultationMessage{ConsultationID: c.ID, FromDesk: true, AuthorID: &p.User.ID,
				AuthorName: p.User.Name, Body: body}); err != nil {
				return err
			}
		}
		next := status
		if next == "" && c.Status == "new" {
			next = "in_progress"
		}
		if next != "" && next != c.Status {
			if err := tx.SetConsultationStatus(ctx, c.OrgID, c.ID, next); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.reply", target("consultation", c.ID), "ok", map[string]any{"message": body != "", "status": next})
	})
}

// FollowUpInput is a follow-up the desk records.
type FollowUpInput struct {
	Kind  string `json:"kind"`
	Note  string `json:"note"`
	DueOn string `json:"due_on"` // YYYY-MM-DD
}

// AddFollowUp records a follow-up with its due day (consultation.followup).
func (a *App) AddFollowUp(ctx context.Context, p *kasuhara.Principal, id int64, in FollowUpInput) (*kasuhara.FollowUp, error) {
	c, err := a.deskConsultation(ctx, p, kasuhara.ActConsultationFollowUp, id)
	if err != nil {
		return nil, err
	}
	due, err := parseDay("due_on", in.DueOn, true)
	if err != nil {
		return nil, err
	}
	f := &kasuhara.FollowUp{OrgID: c.OrgID, ConsultationID: c.ID, Kind: in.Kind, Note: in.Note, DueOn: *due, CreatedBy: p.User.ID}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.AddFollowUp(ctx, f); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.followup", target("followup", f.ID), "ok",
			map[string]any{"consultation_id": c.ID, "kind": f.Kind, "due_on": in.DueOn})
	})
	if err != nil {
		return nil, err
	}
	f.Overdue = f.IsOverdue(a.Now())
	return f, nil
}

// CompleteFollowUp marks follow-up fid of consultation id done (consultation.followup).
func (a *App) CompleteFollowUp(ctx context.Context, p *kasuhara.Principal, id, fid int64) error {
	c, err := a.deskConsultation(ctx, p, kasuhara.ActConsultationFollowUp, id)
	if err != nil {
		return err
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		fs, err := tx.ListFollowUps(ctx, kasuhara.FollowUpFilter{OrgIDs: []int64{c.OrgID}, ConsultationID: c.ID})
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(fs, func(f *kasuhara.FollowUp) bool { return f.ID == fid }) {
			return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
		}
		if err := tx.CompleteFollowUp(ctx, c.OrgID, fid, a.Now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.followup_done", target("followup", fid), "ok", map[string]any{"consultation_id": c.ID})
	})
}

// HandoverInput is what the desk adds when it makes a case: the channel,
// only when the consultant did not pass one on (it identifies nobody).
type HandoverInput struct {
	Channel string `json:"channel"`
}

// HandOver makes a case of a consultation whose consultant consented
// (consultation.handover), passing on only the fields they chose: their
// account in their chosen words, and when they chose so, the day, the
// channel and their name. A day not passed on is replaced by the day of the
// consultation. The case is reported in the desk member's name, so the
// consultant stays out of it unless they passed their name. EINVALID
// without consent, ECONFLICT when handed over already.
func (a *App) HandOver(ctx context.Context, p *kasuhara.Principal, id int64, in HandoverInput) (*CaseResult, error) {
	c, err := a.deskConsultation(ctx, p, kasuhara.ActConsultationHandover, id)
	if err != nil {
		return nil, err
	}
	cs, err := a.Store.FindConsultationConsent(ctx, c.ID)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, &kasuhara.Error{Code: kasuhara.EINVALID, Key: "desk.error.no_consent", Message: "the consultant has not consented to a case"}
	} else if err != nil {
		return nil, err
	}
	report := CaseReport{OrgID: c.OrgID, Narrative: cs.Narrative, Channel: in.Channel}
	if cs.Passes("channel") {
		report.Channel = c.Channel
	}
	if !kasuhara.ValidChannel(report.Channel) {
		return nil, kasuhara.FieldError("channel", "desk.error.choice")
	}
	y, m, d := c.CreatedAt.In(JST).Date()
	report.OccurredAt = time.Date(y, m, d, 0, 0, 0, 0, JST)
	if cs.Passes("occurred_on") {
		report.OccurredAt = *c.OccurredOn
	}
	if cs.Passes("name") {
		report.StaffInvolved = c.Name
	}
	now := a.Now()
	// Claim the handover first, so that two desk members cannot make two
	// cases of it; the claim is withdrawn if the case cannot be made.
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.RecordHandover(ctx, c.ID, nil, p.User.ID, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "consultation.handover", target("consultation", c.ID), "ok", map[string]any{"fields": cs.Fields})
	})
	if err != nil {
		return nil, err
	}
	res, err := a.ReportCase(ctx, p, report)
	if err != nil {
		if rerr := a.Store.FinishHandover(ctx, c.ID, nil); rerr != nil {
			a.Log.Error("withdraw handover", "consultation", c.ID, "err", rerr)
		}
		return nil, err
	}
	if err := a.Store.FinishHandover(ctx, c.ID, &res.Case.ID); err != nil {
		return nil, err
	}
	return res, nil
}
