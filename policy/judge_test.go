package policy

import (
	"testing"

	kasuhara "github.com/kasuhara/kasuhara"
)

func mustPreset(t *testing.T, name string) *Policy {
	t.Helper()
	data, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := Parse(data)
	if len(diags) > 0 {
		t.Fatalf("%s: %v", name, diags)
	}
	return p
}

func TestJudge_NonHarassmentExamplesCarryDutyToRespondSincerely(t *testing.T) {
	for _, info := range Presets() {
		p := mustPreset(t, info.Name)
		for _, e := range p.NotHarassment.Examples {
			j := Judge(p, Facts{Examples: []string{e.ID}})
			if j.Harassment || !j.DutyToRespondSincerely || j.DecidingClause.ID != e.ID || j.Duty == "" {
				t.Errorf("%s/%s: got harassment=%v duty=%v clause=%q", info.Name, e.ID, j.Harassment, j.DutyToRespondSincerely, j.DecidingClause.ID)
			}
		}
		j := Judge(p, Facts{DemandValidity: DemandValid})
		if j.Harassment || j.DutyToRespondSincerely != p.NotHarassment.DutyToRespondSincerely {
			t.Errorf("%s: valid demand, appropriate means: harassment=%v duty=%v", info.Name, j.Harassment, j.DutyToRespondSincerely)
		}
	}
}

func TestJudge_EveryTypeAndSubExampleDecidesAsThatType(t *testing.T) {
	for _, info := range Presets() {
		p := mustPreset(t, info.Name)
		for _, ty := range p.Harassment.Types {
			j := Judge(p, Facts{Types: []string{ty.ID}})
			if !j.Harassment || j.DecidingClause.ID != ty.ID || j.DecidingClause.Text != ty.Label {
				t.Errorf("%s/%s: harassment=%v clause=%+v", info.Name, ty.ID, j.Harassment, j.DecidingClause)
			}
			for _, e := range ty.Examples {
				j := Judge(p, Facts{Examples: []string{e.ID}})
				if !j.Harassment || j.DecidingClause.ID != ty.ID {
					t.Errorf("%s/%s/%s: harassment=%v clause=%+v", info.Name, ty.ID, e.ID, j.Harassment, j.DecidingClause)
				}
			}
		}
	}
}

func TestJudge_ImmediateReportTypesNotifyNow(t *testing.T) {
	for _, info := range Presets() {
		p := mustPreset(t, info.Name)
		for _, ty := range p.Harassment.Types {
			j := Judge(p, Facts{Types: []string{ty.ID}})
			if ty.ImmediateReport && len(j.NotifyNow) == 0 {
				t.Errorf("%s/%s: immediate report type notifies nobody", info.Name, ty.ID)
			}
			if !ty.ImmediateReport && len(j.NotifyNow) > 0 {
				t.Errorf("%s/%s: notifies %v without an immediate report flag", info.Name, ty.ID, j.NotifyNow)
			}
		}
	}
	p := mustPreset(t, "lall-hokenshi-2022")
	for _, id := range []string{"physical-attack", "mental-attack", "dogeza"} {
		j := Judge(p, Facts{Types: []string{id}, Channel: "face_to_face", Stage: "initial"})
		if len(j.NotifyNow) != 2 || j.NotifyNow[0].Role != "supervisor" || j.NotifyNow[1].Role != "staff" {
			t.Errorf("%s: NotifyNow = %+v, want supervisor and another staff member", id, j.NotifyNow)
		}
	}
}

func TestJudge_ProceduralRules(t *testing.T) {
	p := mustPreset(t, "lall-hokenshi-2022")
	has := func(j Judgement, rule string) bool {
		for _, u := range j.UnmetRules {
			if u.RuleID == rule {
				return true
			}
		}
		return false
	}
	for _, tt := range []struct {
		name  string
		facts Facts
		rule  string
		unmet bool
	}{
		{"one staff at a face-to-face follow-up", Facts{Types: []string{"intimidation"}, Channel: "face_to_face", Stage: "follow_up", StaffPresent: 1}, "two-or-more-staff", true},
		{"two staff at a face-to-face follow-up", Facts{Types: []string{"intimidation"}, Channel: "face_to_face", Stage: "follow_up", StaffPresent: 2}, "two-or-more-staff", false},
		{"phone is exempt from the two-staff rule", Facts{Types: []string{"intimidation"}, Channel: "phone", Stage: "follow_up", StaffPresent: 1, Recorded: true}, "two-or-more-staff", false},
		{"phone follow-up must be recorded", Facts{Channel: "phone", Stage: "follow_up", StaffPresent: 1}, "record-phone", true},
		{"face-to-face recording needs consent", Facts{Types: []string{"intimidation"}, Channel: "face_to_face", Stage: "follow_up", StaffPresent: 2, Recorded: true}, "record-with-consent", true},
		{"face-to-face recording with consent", Facts{Types: []string{"intimidation"}, Channel: "face_to_face", Stage: "follow_up", StaffPresent: 2, Recorded: true, RecordingConsent: true}, "record-with-consent", false},
		{"report form due after the response", Facts{Stage: "after"}, "file-report", true},
		{"report form filed", Facts{Stage: "after", ReportFiled: true}, "file-report", false},
		{"no stage, no procedural check", Facts{Channel: "face_to_face", StaffPresent: 1}, "two-or-more-staff", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := has(Judge(p, tt.facts), tt.rule); got != tt.unmet {
				t.Errorf("rule %s unmet = %v, want %v", tt.rule, got, tt.unmet)
			}
		})
	}
}

// withThresholds is a preset with the numbers an organization would fill in.
func withThresholds(t *testing.T) *Policy {
	p := mustPreset(t, "lall-hokenshi-2022")
	p.Thresholds.CallMinutes = Threshold{Value: 30}
	p.Thresholds.Persistence = Persistence{Contacts: 5, Days: 7}
	p.Scripts.Items = []Script{
		{ID: "warn", Stage: StageWarning, Text: "このようなご発言が続く場合、対応を控えさせていただきます。"},
		{ID: "close-phone", Stage: StageClosing, Channel: "phone", Text: "これ以上のご対応はいたしかねます。失礼いたします。"},
	}
	return p
}

func TestJudge_Thresholds(t *testing.T) {
	p := withThresholds(t)
	script := func(j Judgement, id string) bool {
		for _, r := range j.RecommendedActions {
			if r.Source == "script" && r.ID == id {
				return true
			}
		}
		return false
	}
	j := Judge(p, Facts{Channel: "phone", CallMinutes: 45})
	if j.Stage != StageClosing || !script(j, "close-phone") {
		t.Errorf("call over threshold: stage %q, actions %+v", j.Stage, j.RecommendedActions)
	}
	if j := Judge(p, Facts{Channel: "phone", CallMinutes: 10}); j.Stage != "" || script(j, "close-phone") {
		t.Errorf("short call: stage %q", j.Stage)
	}
	j = Judge(p, Facts{Channel: "phone", Contacts: 6, ContactDays: 3})
	if !j.Harassment || j.DecidingClause.ID != "persistence" {
		t.Errorf("contacts over threshold: %+v", j.DecidingClause)
	}
	if j := Judge(p, Facts{Channel: "phone", Contacts: 6, ContactDays: 30}); j.Harassment {
		t.Errorf("contacts spread over a month counted as persistence")
	}
	j = Judge(p, Facts{Types: []string{"apology-demand"}, DemandValidity: DemandInvalid, Channel: "phone"})
	if j.Stage != StageWarning || !script(j, "warn") {
		t.Errorf("first harassment: stage %q actions %+v", j.Stage, j.RecommendedActions)
	}
	if j := Judge(p, Facts{Types: []string{"dogeza"}, WarningsGiven: 1}); j.Stage != StageFinalWarning {
		t.Errorf("after one warning: stage %q", j.Stage)
	}
}

func TestJudge_DemandAxes(t *testing.T) {
	p := mustPreset(t, "lall-hokenshi-2022")
	for _, tt := range []struct {
		name       string
		facts      Facts
		harassment bool
		clause     string
		review     bool
	}{
		{"reasonable compensation for a valid demand", Facts{Types: []string{"monetary-compensation"}, DemandValidity: DemandValid}, false, "not_harassment", false},
		{"excessive compensation for a valid demand", Facts{Types: []string{"monetary-compensation"}, DemandValidity: DemandValid, Excessive: true}, true, "monetary-compensation", false},
		{"dogeza whatever the demand", Facts{Types: []string{"dogeza"}, DemandValidity: DemandValid}, true, "dogeza", false},
		{"invalid demand alone", Facts{DemandValidity: DemandInvalid}, true, "no-service-problem", false},
		{"means outrank demand", Facts{Types: []string{"unrelated-demand", "apology-demand", "sexual"}}, true, "sexual", false},
		{"standard code maps to the policy's type", Facts{Codes: []kasuhara.BehaviourCode{kasuhara.Dogeza}}, true, "dogeza", false},
		{"nothing known needs a person", Facts{}, false, "definition", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := Judge(p, tt.facts)
			if j.Harassment != tt.harassment || j.DecidingClause.ID != tt.clause || j.NeedsReview != tt.review {
				t.Errorf("got harassment=%v clause=%q review=%v", j.Harassment, j.DecidingClause.ID, j.NeedsReview)
			}
		})
	}
}

func TestJudge_ChannelActionsFromThePolicy(t *testing.T) {
	p := mustPreset(t, "sustainability-group-2024")
	j := Judge(p, Facts{Types: []string{"time-restraint"}, Channel: "phone"})
	var ids []string
	for _, r := range j.RecommendedActions {
		ids = append(ids, r.ID)
	}
	want := []string{"hang-up", "refuse-later-calls", "stop-responding-phone"}
	if len(ids) != len(want) {
		t.Fatalf("actions %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Errorf("actions %v, want %v", ids, want)
		}
	}
}
