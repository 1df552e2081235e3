package policy

import (
	kasuhara "github.com/kasuhara/kasuhara"
)

// Validity is a person's judgement of whether the customer's demand is valid
// (要求の内容の妥当性). The engine never guesses it.
type Validity string

// Demand validity values; the zero value means nobody has judged it yet.
const (
	DemandUnknown Validity = ""
	DemandValid   Validity = "valid"
	DemandInvalid Validity = "invalid"
)

// Response stages towards the customer, in order.
const (
	StageWarning      = "warning"
	StageFinalWarning = "final_warning"
	StageClosing      = "closing"
)

// Facts are what is known about a case. Every field is optional; the engine
// only draws conclusions the policy supports from what is given.
type Facts struct {
	DemandValidity   Validity                 `json:"demand_validity"`
	Excessive        bool                     `json:"excessive"` // the demand is excessive in light of its validity
	Types            []string                 `json:"types"`     // the policy's own type ids observed
	Codes            []kasuhara.BehaviourCode `json:"codes"`     // standard codes observed, e.g. by detection
	Examples         []string                 `json:"examples"`  // ids of the policy's examples the case matches
	Channel          string                   `json:"channel"`   // one of Channels
	Stage            string                   `json:"stage"`     // one of Stages; empty checks no procedural rule
	CallMinutes      int                      `json:"call_minutes"`
	Contacts         int                      `json:"contacts"`     // contacts by the customer …
	ContactDays      int                      `json:"contact_days"` // … within this many days
	StaffPresent     int                      `json:"staff_present"`
	Recorded         bool                     `json:"recorded"`
	RecordingConsent bool                     `json:"recording_consent"`
	WarningsGiven    int                      `json:"warnings_given"`
	ReportFiled      bool                     `json:"report_filed"`
}

// Clause is the part of the policy a conclusion rests on, quoted.
type Clause struct {
	Kind   string `json:"kind"` // type, example, not_harassment, definition
	ID     string `json:"id"`
	Number string `json:"number,omitempty"`
	Axis   string `json:"axis,omitempty"`
	Text   string `json:"text"`
}

// Recommendation is an action the policy recommends now.
type Recommendation struct {
	Source string `json:"source"` // channel, script, procedure
	ID     string `json:"id"`
	Stage  string `json:"stage,omitempty"`
	Text   string `json:"text"`
}

// Notice is someone who must be told now, and the rule that says so.
type Notice struct {
	Role   string `json:"role"`
	RuleID string `json:"rule_id"`
	Text   string `json:"text"`
}

// UnmetRule is a procedural rule the facts show as not followed.
type UnmetRule struct {
	StepID string `json:"step_id"`
	RuleID string `json:"rule_id"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"` // staff_below_min, not_recorded, recorded_without_consent, report_not_filed
	Text   string `json:"text"`
}

// Judgement is what the policy says about a case.
type Judgement struct {
	Harassment bool `json:"harassment"`
	// NeedsReview is set when the facts decide nothing (no behaviour observed
	// and the demand not yet judged): a person must look, the engine won't.
	NeedsReview            bool             `json:"needs_review"`
	DecidingClause         Clause           `json:"deciding_clause"`
	Matched                []Clause         `json:"matched,omitempty"` // every type that applies, deciding one first
	Stage                  string           `json:"stage,omitempty"`   // warning, final_warning or closing
	RecommendedActions     []Recommendation `json:"recommended_actions,omitempty"`
	NotifyNow              []Notice         `json:"notify_now,omitempty"`
	UnmetRules             []UnmetRule      `json:"unmet_rules,omitempty"`
	DutyToRespondSincerely bool             `json:"duty_to_respond_sincerely"`
	Duty                   string           `json:"duty,omitempty"`
}

// axisRank orders axes for choosing the deciding clause: conduct that is
// unacceptable whatever the demand is the firmest ground to stand on.
var axisRank = map[string]int{AxisMeansAlways: 0, AxisMeansRelative: 1, AxisDemandInvalid: 2}

// Judge applies the policy to the facts. It is pure and deterministic: the
// same policy and facts always give the same judgement. Unknown ids in facts
// are ignored, so a case judged under an older version still evaluates.
func Judge(p *Policy, f Facts) Judgement {
	var j Judgement
	observed := map[string]bool{}
	for _, id := range f.Types {
		observed[id] = true
	}
	codes := map[kasuhara.BehaviourCode]bool{}
	for _, c := range f.Codes {
		codes[c] = true
	}
	if persistent(p, f) {
		codes[kasuhara.Persistence] = true
	}
	var nhExample *Example
	for _, id := range f.Examples {
		for _, t := range p.Harassment.Types {
			for _, e := range t.Examples {
				if e.ID == id {
					observed[t.ID] = true
				}
			}
		}
		for i, e := range p.NotHarassment.Examples {
			if e.ID == id && nhExample == nil {
				nhExample = &p.NotHarassment.Examples[i]
			}
		}
	}
	validity := f.DemandValidity
	if validity == DemandUnknown && nhExample != nil {
		validity = DemandValid
	}

	var matched []Type
	for _, t := range p.Harassment.Types {
		hit := observed[t.ID]
		for _, c := range t.Codes {
			hit = hit || codes[c]
		}
		if !hit {
			continue
		}
		if t.Axis == AxisMeansRelative && validity == DemandValid && !f.Excessive {
			continue // proportionate to a valid demand: not harassment (e.g. reasonable compensation)
		}
		matched = append(matched, t)
	}
	if len(matched) == 0 && validity == DemandInvalid {
		for _, t := range p.Harassment.Types {
			if t.Axis == AxisDemandInvalid {
				matched = append(matched, t)
				break
			}
		}
	}
	// Stable order: by axis rank, then the policy's own order.
	for i := 1; i < len(matched); i++ {
		for k := i; k > 0 && axisRank[matched[k].Axis] < axisRank[matched[k-1].Axis]; k-- {
			matched[k], matched[k-1] = matched[k-1], matched[k]
		}
	}
	for _, t := range matched {
		j.Matched = append(j.Matched, Clause{Kind: "type", ID: t.ID, Number: t.Number, Axis: t.Axis, Text: t.Label})
	}

	switch {
	case len(matched) > 0:
		j.Harassment = true
		j.DecidingClause = j.Matched[0]
	case validity == DemandValid:
		j.DutyToRespondSincerely = p.NotHarassment.DutyToRespondSincerely
		j.Duty = p.NotHarassment.DutyText
		j.DecidingClause = Clause{Kind: "not_harassment", ID: "not_harassment", Text: firstNonEmpty(p.NotHarassment.Text, p.NotHarassment.DutyText)}
		if nhExample != nil {
			j.DecidingClause = Clause{Kind: "example", ID: nhExample.ID, Text: nhExample.Text}
		}
	default:
		j.NeedsReview = true
		j.DecidingClause = Clause{Kind: "definition", ID: "definition", Text: definitionText(p)}
	}

	if j.Harassment {
		j.NotifyNow = notifyNow(p, matched)
		j.Stage = StageWarning
		switch {
		case f.WarningsGiven >= 2:
			j.Stage = StageClosing
		case f.WarningsGiven == 1:
			j.Stage = StageFinalWarning
		}
	}
	if t := p.Thresholds.CallMinutes.Value; t > 0 && f.CallMinutes >= t && (f.Channel == "" || f.Channel == "phone") {
		j.Stage = StageClosing
	}
	if j.Stage != "" {
		j.RecommendedActions = recommend(p, f.Channel, j.Stage)
	}
	j.UnmetRules = unmet(p, f, j.Harassment)
	return j
}

// persistent reports whether the contact count meets the policy's
// persistence threshold (N contacts within D days).
func persistent(p *Policy, f Facts) bool {
	ps := p.Thresholds.Persistence
	return ps.Contacts > 0 && ps.Days > 0 && f.Contacts >= ps.Contacts && f.ContactDays > 0 && f.ContactDays <= ps.Days
}

func notifyNow(p *Policy, matched []Type) []Notice {
	immediate := false
	for _, t := range matched {
		immediate = immediate || t.ImmediateReport
	}
	if !immediate {
		return nil
	}
	var out []Notice
	seen := map[string]bool{}
	for _, s := range p.Procedure.Steps {
		for _, r := range s.Rules {
			if r.Kind != "immediate_report" {
				continue
			}
			for _, role := range r.Notify {
				if !seen[role] {
					seen[role] = true
					out = append(out, Notice{Role: role, RuleID: r.ID, Text: r.Text})
				}
			}
		}
	}
	return out
}

func recommend(p *Policy, channel, stage string) []Recommendation {
	var out []Recommendation
	for _, ch := range p.Channels {
		if ch.Channel != channel {
			continue
		}
		for _, a := range ch.Actions {
			if a.Stage == "" || a.Stage == stage {
				out = append(out, Recommendation{Source: "channel", ID: a.ID, Stage: a.Stage, Text: a.Text})
			}
		}
	}
	for _, s := range p.Scripts.Items {
		if s.Stage == stage && (s.Channel == "" || s.Channel == channel) {
			out = append(out, Recommendation{Source: "script", ID: s.ID, Stage: s.Stage, Text: s.Text})
		}
	}
	return out
}

// applies reports whether a rule covers the channel; a rule limited to some
// channels does not cover a case whose channel is unknown.
func applies(r Rule, channel string) bool {
	if contains(r.ExceptChannels, channel) {
		return false
	}
	if len(r.Channels) > 0 {
		return contains(r.Channels, channel)
	}
	return true
}

func unmet(p *Policy, f Facts, harassment bool) []UnmetRule {
	if f.Stage == "" {
		return nil
	}
	var out []UnmetRule
	for _, s := range p.Procedure.Steps {
		if s.Stage != "" && s.Stage != f.Stage {
			continue
		}
		for _, r := range s.Rules {
			if !applies(r, f.Channel) || (r.IfNeeded && !harassment) {
				continue
			}
			reason := ""
			switch r.Kind {
			case "min_staff":
				min := r.Min
				if min == 0 {
					min = p.Thresholds.MinStaffFaceToFace.Value
				}
				if f.StaffPresent < min {
					reason = "staff_below_min"
				}
			case "recording":
				if !f.Recorded {
					reason = "not_recorded"
				} else if r.Consent && !f.RecordingConsent {
					reason = "recorded_without_consent"
				}
			case "report_form":
				if !f.ReportFiled {
					reason = "report_not_filed"
				}
			}
			if reason != "" {
				out = append(out, UnmetRule{StepID: s.ID, RuleID: r.ID, Kind: r.Kind, Reason: reason, Text: r.Text})
			}
		}
	}
	return out
}

func definitionText(p *Policy) string {
	if p.Definition.Text != "" {
		return p.Definition.Text
	}
	var s string
	for _, e := range p.Definition.Elements {
		s += e.Text
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
