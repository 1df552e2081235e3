package app

import (
	"context"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/detect"
)

// CallerCheck reports whether a caller is under a restriction covering the
// channel at the moment, with a reason to show staff. App.CallerCheck
// replaces the default, restrictedCaller, which asks the customer registry.
type CallerCheck func(ctx context.Context, orgID int64, number, channel string, at time.Time) (restricted bool, reason string, err error)

// restrictedCaller matches the number against the customer registry's
// phone numbers (normalized, so +81 and full-width digits match) and
// reports the first restriction in force on the channel.
func (a *App) restrictedCaller(ctx context.Context, orgID int64, number, channel string, at time.Time) (bool, string, error) {
	if a.CallerCheck != nil {
		return a.CallerCheck(ctx, orgID, number, channel, at)
	}
	phone := kasuhara.NormalizePhone(number)
	if len(phone) < 3 {
		return false, "", nil
	}
	cs, err := a.Store.MatchCustomers(ctx, orgID, kasuhara.CustomerKeys{Phone: phone})
	if err != nil {
		return false, "", err
	}
	for _, c := range cs {
		rs, err := a.Store.ListRestrictions(ctx, orgID, c.ID)
		if err != nil {
			return false, "", err
		}
		for _, r := range rs {
			if r.ActiveAt(at) && r.Covers(channel) {
				what := r.SanctionText
				if what == "" {
					what = r.Kind
				}
				return true, fmt.Sprintf("顧客 %d(%s)", c.ID, what), nil
			}
		}
	}
	return false, "", nil
}

// CallOpen is what a phone or chat system sends when a call starts.
type CallOpen struct {
	Channel      string
	CallerNumber string
	// StaffID is the staff member on the call; 0 means the caller itself.
	StaffID int64
}

// CallOpened is the answer to OpenCall: the call and any alerts already
// known (a restricted caller).
type CallOpened struct {
	Call   *kasuhara.Call       `json:"call"`
	Alerts []kasuhara.CallAlert `json:"alerts"`
}

// UtteranceInput is one transcribed turn.
type UtteranceInput struct {
	Speaker string
	Text    string
	At      time.Time // zero: now
}

// UtteranceResult answers a posted utterance: it was stored, what was
// found, and what the policy suggests saying next. NextStage and Script are
// suggestions only: nothing changes until a person confirms (SetCallStage).
type UtteranceResult struct {
	Utterance *kasuhara.Utterance  `json:"utterance"`
	Stage     string               `json:"stage"`
	NextStage string               `json:"next_stage,omitempty"`
	Script    *kasuhara.CallScript `json:"script,omitempty"`
}

// repeatAlertAt is the occurrence of one demand that raises an alert:
// saying a grievance twice is ordinary, the third time is persistence.
const repeatAlertAt = 3

// authorizeCall allows staff on the call (call.assist) and supervisors
// watching (call.monitor) alike.
func authorizeCall(p *kasuhara.Principal, orgID int64) error {
	err := kasuhara.Authorize(p, kasuhara.ActCallAssist, orgID)
	if err != nil && kasuhara.ErrorCode(err) == kasuhara.EFORBIDDEN {
		return kasuhara.Authorize(p, kasuhara.ActCallMonitor, orgID)
	}
	return err
}

// OpenCall records that a call started, for p (call.assist) in the
// organization of the staff member taking it, under the policy in effect
// now. A staff member outside p's reach is ENOTFOUND. Opening is audited.
func (a *App) OpenCall(ctx context.Context, p *kasuhara.Principal, req CallOpen) (*CallOpened, error) {
	if p == nil || p.User == nil {
		return nil, kasuhara.Authorize(nil, kasuhara.ActCallAssist, 0)
	}
	staff := p.User
	if req.StaffID != 0 && req.StaffID != p.User.ID {
		u, err := a.Store.FindUserByID(ctx, req.StaffID)
		if err != nil {
			if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
				return nil, kasuhara.FieldError("staff_id", "calls.error.staff")
			}
			return nil, err
		}
		staff = u
	}
	if err := kasuhara.Authorize(p, kasuhara.ActCallAssist, staff.OrgID); err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			err = kasuhara.FieldError("staff_id", "calls.error.staff")
		}
		return nil, a.denied(ctx, p, kasuhara.ActCallAssist, target("user", staff.ID), err)
	}
	if staff.Disabled {
		return nil, kasuhara.FieldError("staff_id", "calls.error.staff")
	}
	c := &kasuhara.Call{OrgID: staff.OrgID, Channel: req.Channel, CallerNumber: req.CallerNumber,
		StaffID: staff.ID, StaffName: staff.Name, OpenedBy: p.User.ID, StartedAt: a.Now()}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	pi, err := a.policyInfoAt(ctx, c.OrgID)
	if err != nil {
		return nil, err
	}
	if pi != nil {
		c.PolicyVersionID = &pi.versionID
	}
	var alerts []kasuhara.CallAlert
	if c.CallerNumber != "" {
		restricted, reason, err := a.restrictedCaller(ctx, c.OrgID, c.CallerNumber, c.Channel, c.StartedAt)
		if err != nil {
			return nil, err
		}
		if restricted {
			c.Restricted, c.RestrictedReason = true, reason
			alerts = append(alerts, kasuhara.CallAlert{Kind: kasuhara.AlertRestrictedCaller, Reason: "利用制限中のお客様からの着信です: " + reason})
		}
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateCall(ctx, c); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "call.open", target("call", c.ID), "ok", map[string]any{
			"channel": c.Channel, "staff_id": c.StaffID, "restricted": c.Restricted, "policy_version_id": c.PolicyVersionID,
		})
	})
	if err != nil {
		return nil, err
	}
	e := a.calls()
	st := e.state(c.ID)
	st.mu.Lock()
	cc := *c
	st.call, st.pi, st.loaded, st.lastUsed = &cc, pi, true, time.Now()
	st.mu.Unlock()
	e.hub.publish(&CallEvent{Kind: "open", OrgID: c.OrgID, CallID: c.ID, Call: c})
	e.notifyCall("open", c.ID)
	if alerts == nil {
		alerts = []kasuhara.CallAlert{}
	}
	return &CallOpened{Call: c, Alerts: alerts}, nil
}

// lockCall returns the call's state locked and loaded, after checking p
// may act on it; the caller unlocks st.mu.
func (a *App) lockCall(ctx context.Context, p *kasuhara.Principal, id int64) (*callState, error) {
	e := a.calls()
	st := e.state(id)
	st.mu.Lock()
	if !st.loaded || st.stale {
		if err := e.load(ctx, id, st); err != nil {
			st.mu.Unlock()
			if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
				e.forget(id)
			}
			return nil, err
		}
	}
	if err := authorizeCall(p, st.call.OrgID); err != nil {
		st.mu.Unlock()
		return nil, a.denied(ctx, p, kasuhara.ActCallAssist, target("call", id), err)
	}
	st.lastUsed = time.Now()
	return st, nil
}

// judgeTurn detects harassment in a customer's turn. Staff turns are not
// judged: staff repeat what they were told to confirm and record it
// (「殺すとおっしゃいましたね」), which must not raise an alert or put their
// own words among a draft case's flagged utterances.
func judgeTurn(d *detect.Detector, in UtteranceInput) detect.Result {
	if in.Speaker != kasuhara.SpeakerCustomer {
		return detect.Result{Verdict: detect.VerdictNone, Categories: []detect.Category{}}
	}
	return d.Detect(in.Text)
}

// PostUtterance detects harassment in one transcribed turn of call id,
// raises the policy's alerts, stores the utterance and only then answers.
// Utterances are not audited one by one: each is a stored row with its
// author's call, and the call's opening, stages and end are audited.
// A call posting faster than the per-call limit gets ETOOMANY at once; an
// ended call ECONFLICT.
func (a *App) PostUtterance(ctx context.Context, p *kasuhara.Principal, id int64, in UtteranceInput) (*UtteranceResult, error) {
	if in.Speaker != kasuhara.SpeakerCustomer && in.Speaker != kasuhara.SpeakerStaff {
		return nil, kasuhara.FieldError("speaker", "calls.error.speaker")
	}
	if err := kasuhara.ValidateUtteranceText("text", in.Text, kasuhara.MaxUtteranceRunes); err != nil {
		return nil, err
	}
	now := a.Now()
	if in.At.IsZero() {
		in.At = now
	} else if d := in.At.Sub(now); d > 5*time.Minute || d < -24*time.Hour {
		return nil, kasuhara.FieldError("at", "calls.error.at")
	}
	e := a.calls()
	if !e.state(id).allow(time.Now()) {
		return nil, &kasuhara.Error{Code: kasuhara.ETOOMANY, Key: "calls.error.rate", Args: []any{int(callRate)}, Message: "too many utterances for this call"}
	}
	d, err := Detector()
	if err != nil {
		return nil, err
	}
	// Detection needs only the call's policy, so it runs before the call's
	// lock: utterances of one call overlap their detection. The policy is
	// read under a short lock; a call not loaded yet is checked again below.
	pre := e.state(id)
	pre.mu.Lock()
	used := pre.pi.detectorOr(d)
	pre.mu.Unlock()
	det := judgeTurn(used, in)
	st, err := a.lockCall(ctx, p, id)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	if want := st.pi.detectorOr(d); want != used {
		det = judgeTurn(want, in)
	}
	if st.call.EndedAt != nil {
		return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "calls.error.ended", Message: "the call has already ended"}
	}
	var u *kasuhara.Utterance
	var g grams
	for attempt := 0; ; attempt++ {
		u = &kasuhara.Utterance{CallID: id, Seq: st.seq + 1, Speaker: in.Speaker, Text: in.Text, At: in.At,
			Verdict: det.Verdict, Categories: toCategories(det, st.pi)}
		g = a.alerts(st, u, g)
		stored, err := e.store(ctx, u)
		if err != nil {
			return nil, err
		}
		if stored {
			break
		}
		// Another server stored this number first: reread the call (its
		// transcript decides the alerts) and try the next number.
		if attempt == 3 {
			return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "error.conflict", Message: "the call is being written by another server; retry"}
		}
		if err := e.load(ctx, id, st); err != nil {
			return nil, err
		}
	}
	st.seq = u.Seq
	st.remember(u, g)
	st.call.Utterances++
	res := &UtteranceResult{Utterance: u, Stage: st.call.Stage}
	if u.Flagged() {
		st.call.Flagged++
		res.NextStage = nextStage(st.call.Stage, u.Alerts)
		res.Script = st.pi.callScript(res.NextStage, st.call.Channel)
		cc := *st.call
		e.hub.publish(&CallEvent{Kind: "utterance", OrgID: cc.OrgID, CallID: id, Call: &cc, Utterance: u, NextStage: res.NextStage, Script: res.Script})
	}
	return res, nil
}

// alerts fills u.Alerts from the policy and the call so far; st.mu is held.
// g caches the utterance's bigrams across retries.
func (a *App) alerts(st *callState, u *kasuhara.Utterance, g grams) grams {
	u.Alerts = []kasuhara.CallAlert{}
	pi := st.pi
	if pi != nil {
		for _, c := range u.Categories {
			label, ok := pi.immediate[c.Code]
			if !ok {
				continue
			}
			quote := ""
			if len(c.Spans) > 0 {
				quote = "「" + c.Spans[0].Text + "」: "
			}
			u.Alerts = append(u.Alerts, kasuhara.CallAlert{Kind: kasuhara.AlertImmediateReport, Code: c.Code, Label: label,
				Reason: fmt.Sprintf("%s「%s」は方針(第%d版)で直ちに報告する類型です", quote, label, pi.version)})
		}
		if pi.callMinutes > 0 && !st.timeAlert && u.At.Sub(st.call.StartedAt) >= time.Duration(pi.callMinutes)*time.Minute {
			u.Alerts = append(u.Alerts, kasuhara.CallAlert{Kind: kasuhara.AlertTimeLimit,
				Reason: fmt.Sprintf("通話が方針(第%d版)の上限 %d 分を超えました", pi.version, pi.callMinutes)})
		}
	}
	if u.Speaker == kasuhara.SpeakerCustomer && u.Verdict != "none" {
		if g == nil {
			g = bigrams(u.Text)
		}
		if i := st.matchDemand(g); i >= 0 && st.demands[i].count+1 >= repeatAlertAt {
			n, first := st.demands[i].count+1, st.demands[i].seq
			u.Alerts = append(u.Alerts, kasuhara.CallAlert{Kind: kasuhara.AlertRepeatedDemand, Code: kasuhara.Persistence,
				Reason: fmt.Sprintf("同じ要求が%d回目です(最初は発言 %d)", n, first)})
		}
	}
	return g
}

// nextStage is the stage the policy's scripts suggest after current:
// warning, then final warning, then closing; a call over its time limit
// goes to closing. Only a person moves the call there.
func nextStage(current string, alerts []kasuhara.CallAlert) string {
	for _, al := range alerts {
		if al.Kind == kasuhara.AlertTimeLimit {
			return kasuhara.StageClosing
		}
	}
	i := kasuhara.StageIndex(current)
	if i < 0 || i >= len(kasuhara.CallStages) {
		return kasuhara.StageClosing
	}
	return kasuhara.CallStages[i]
}

func (pi *policyInfo) callScript(stage, channel string) *kasuhara.CallScript {
	s := pi.script(stage, channel)
	if s == nil {
		return nil
	}
	return &kasuhara.CallScript{ID: s.ID, Stage: s.Stage, Text: s.Text}
}

// SetCallStage records that a person (the staff member, call.assist, or a
// supervisor, call.monitor) confirmed the call moved to stage; stages only
// move forward, and the change is audited. It answers with the call and
// the policy's script for the stage.
func (a *App) SetCallStage(ctx context.Context, p *kasuhara.Principal, id int64, stage string) (*kasuhara.Call, *kasuhara.CallScript, error) {
	if kasuhara.StageIndex(stage) <= 0 {
		return nil, nil, kasuhara.FieldError("stage", "calls.error.stage")
	}
	st, err := a.lockCall(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	defer st.mu.Unlock()
	if st.call.EndedAt != nil {
		return nil, nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "calls.error.ended", Message: "the call has already ended"}
	}
	from := st.call.Stage
	if kasuhara.StageIndex(stage) <= kasuhara.StageIndex(from) {
		return nil, nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Field: "stage", Key: "calls.error.stage_back", Message: "stages only move forward"}
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.SetCallStage(ctx, id, stage); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &st.call.OrgID, "call.stage", target("call", id), "ok", map[string]any{"from": from, "to": stage})
	})
	if err != nil {
		return nil, nil, err
	}
	st.call.Stage = stage
	cc := *st.call
	script := st.pi.callScript(stage, cc.Channel)
	e := a.calls()
	e.hub.publish(&CallEvent{Kind: "stage", OrgID: cc.OrgID, CallID: id, Call: &cc, Script: script})
	e.notifyCall("stage", id)
	return &cc, script, nil
}

// EndCall records the end of call id for the staff member or a
// supervisor. A call that ended with alerts (or from a restricted caller)
// is marked as needing a case, and App.CallEnded, when set, receives its
// draft in the same transaction. Ending is audited.
func (a *App) EndCall(ctx context.Context, p *kasuhara.Principal, id int64) (*kasuhara.Call, error) {
	st, err := a.lockCall(ctx, p, id)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	if st.call.EndedAt != nil {
		return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "calls.error.ended", Message: "the call has already ended"}
	}
	// Every acknowledged utterance is committed, so the stored counts are complete.
	c, err := a.Store.FindCall(ctx, id)
	if err != nil {
		return nil, err
	}
	at := a.Now()
	needs := c.Flagged > 0 || c.Restricted
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.EndCall(ctx, id, at, needs); err != nil {
			return err
		}
		c.EndedAt, c.NeedsCase = &at, needs
		if err := a.audit(ctx, tx, p, &c.OrgID, "call.end", target("call", id), "ok", map[string]any{
			"utterances": c.Utterances, "flagged": c.Flagged, "needs_case": needs, "minutes": int(at.Sub(c.StartedAt).Minutes()),
		}); err != nil {
			return err
		}
		if needs && a.CallEnded != nil {
			d, err := callDraft(ctx, tx, c)
			if err != nil {
				return err
			}
			return a.CallEnded(ctx, tx, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.call = c
	e := a.calls()
	e.forget(id)
	e.hub.publish(&CallEvent{Kind: "end", OrgID: c.OrgID, CallID: id, Call: c})
	e.notifyCall("end", id)
	return c, nil
}

// CallDraft is what a draft case made from a call needs: the call, the
// policy version it ran under, the whole transcript, the flagged
// utterances, and the behaviour codes and alerts found.
type CallDraft struct {
	Call            *kasuhara.Call           `json:"call"`
	PolicyVersionID *int64                   `json:"policy_version_id,omitempty"`
	Transcript      []*kasuhara.Utterance    `json:"transcript"`
	Flagged         []*kasuhara.Utterance    `json:"flagged"`
	Codes           []kasuhara.BehaviourCode `json:"codes"`
	Alerts          []kasuhara.CallAlert     `json:"alerts"`
}

// CallDraft returns the draft-case data of call id for a supervisor
// (call.monitor); another organization's call is ENOTFOUND.
func (a *App) CallDraft(ctx context.Context, p *kasuhara.Principal, id int64) (*CallDraft, error) {
	c, err := a.Store.FindCall(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := kasuhara.Authorize(p, kasuhara.ActCallMonitor, c.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCallMonitor, target("call", id), err)
	}
	return callDraft(ctx, a.Store, c)
}

func callDraft(ctx context.Context, s kasuhara.Store, c *kasuhara.Call) (*CallDraft, error) {
	us, err := s.ListUtterances(ctx, c.ID, 0)
	if err != nil {
		return nil, err
	}
	d := &CallDraft{Call: c, PolicyVersionID: c.PolicyVersionID, Transcript: us,
		Flagged: []*kasuhara.Utterance{}, Codes: []kasuhara.BehaviourCode{}, Alerts: []kasuhara.CallAlert{}}
	seen := map[kasuhara.BehaviourCode]bool{}
	if c.Restricted {
		d.Alerts = append(d.Alerts, kasuhara.CallAlert{Kind: kasuhara.AlertRestrictedCaller, Reason: c.RestrictedReason})
	}
	for _, u := range us {
		if !u.Flagged() {
			continue
		}
		d.Flagged = append(d.Flagged, u)
		d.Alerts = append(d.Alerts, u.Alerts...)
		for _, cat := range u.Categories {
			if !seen[cat.Code] {
				seen[cat.Code] = true
				d.Codes = append(d.Codes, cat.Code)
			}
		}
	}
	return d, nil
}

// Call returns call id with its transcript, for the staff member or a
// supervisor.
func (a *App) Call(ctx context.Context, p *kasuhara.Principal, id int64) (*kasuhara.Call, []*kasuhara.Utterance, error) {
	c, err := a.Store.FindCall(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := authorizeCall(p, c.OrgID); err != nil {
		return nil, nil, a.denied(ctx, p, kasuhara.ActCallAssist, target("call", id), err)
	}
	us, err := a.Store.ListUtterances(ctx, id, 0)
	return c, us, err
}

// LiveCall is an ongoing call on the board with its latest flagged utterances.
type LiveCall struct {
	Call    *kasuhara.Call        `json:"call"`
	Flagged []*kasuhara.Utterance `json:"flagged"`
}

// boardFlagged is how many flagged utterances per call the board starts with.
const boardFlagged = 5

// LiveCalls returns the ongoing calls of every organization p monitors
// (call.monitor), newest first, each with its latest flagged utterances.
func (a *App) LiveCalls(ctx context.Context, p *kasuhara.Principal) ([]*LiveCall, error) {
	orgs, err := a.monitoredOrgs(ctx, p)
	if err != nil {
		return nil, err
	}
	open := true
	cs, err := a.Store.ListCalls(ctx, kasuhara.CallFilter{OrgIDs: orgs, Open: &open, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]*LiveCall, 0, len(cs))
	for _, c := range cs {
		lc := &LiveCall{Call: c, Flagged: []*kasuhara.Utterance{}}
		if c.Flagged > 0 {
			if lc.Flagged, err = a.Store.ListFlaggedUtterances(ctx, c.ID, boardFlagged); err != nil {
				return nil, err
			}
		}
		out = append(out, lc)
	}
	return out, nil
}

func (a *App) monitoredOrgs(ctx context.Context, p *kasuhara.Principal) ([]int64, error) {
	if p == nil || p.Org == nil {
		return nil, kasuhara.Authorize(nil, kasuhara.ActCallMonitor, 0)
	}
	if err := kasuhara.Authorize(p, kasuhara.ActCallMonitor, p.Org.ID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCallMonitor, target("org", p.Org.ID), err)
	}
	return p.OrgIDs, nil
}

// WatchCalls subscribes p (call.monitor) to the changes of every call in
// the organizations p reaches, as they happen on any server. Call the
// returned function to stop.
func (a *App) WatchCalls(ctx context.Context, p *kasuhara.Principal) (*CallSubscription, func(), error) {
	orgs, err := a.monitoredOrgs(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	h := a.calls().hub
	s := h.subscribe(orgs)
	return s, func() { h.unsubscribe(s) }, nil
}
