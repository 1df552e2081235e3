package policy

import (
	"strings"
	"testing"
)

func TestDiff_LallCompaniesDifferInDataOnly(t *testing.T) {
	a, b := mustPreset(t, "lall-hokenshi-2022"), mustPreset(t, "lall-sangyo-eisei")
	changes := Diff(a, b)
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.String())
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"+ not_harassment.examples[nh-nurse-improvement]: 提携先の産業医から",
		"- not_harassment.examples[nh-alternative-contractor]:",
		"~ structure.desk.contact.phone: 03-6770-3258 → 03-5774-0305",
		"~ organization.name: ほけんし株式会社 → 産業衛生サポート株式会社",
		"- enactment.enacted: 2014-01-01",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diff lacks %q\n%s", want, text)
		}
	}
	for _, c := range changes {
		if strings.HasPrefix(c.Path, "harassment.types[") && c.Op != "changed" {
			t.Errorf("types should match by id: %s", c)
		}
	}
}

func TestDiff_ReportsTypesStepsAndThresholds(t *testing.T) {
	a := mustPreset(t, "lall-hokenshi-2022")
	b := mustPreset(t, "lall-hokenshi-2022")
	b.Harassment.Types = append(b.Harassment.Types[:1:1], b.Harassment.Types[2:]...)
	b.Harassment.Types[4].Examples = append(b.Harassment.Types[4].Examples, Example{ID: "x", Text: "新しい例"})
	b.Thresholds.CallMinutes = Threshold{Value: 30}
	b.Procedure.Steps[0].Text = "変更"
	got := map[string]string{}
	for _, c := range Diff(a, b) {
		got[c.Path] = c.Op
	}
	for path, op := range map[string]string{
		"harassment.types[unrelated-demand]":   "removed",
		"harassment.types[dogeza].examples[x]": "added",
		"thresholds.call_minutes.value":        "changed",
		"thresholds.call_minutes.open":         "changed",
		"procedure.steps[identify].text":       "changed",
	} {
		if got[path] != op {
			t.Errorf("%s: got %q, want %q (all: %v)", path, got[path], op, got)
		}
	}
	if len(Diff(a, a)) != 0 {
		t.Error("a policy differs from itself")
	}
}
