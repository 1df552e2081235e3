package policy

import (
	"strings"
	"testing"
	"time"
)

func TestPresets_AreLintClean(t *testing.T) {
	infos := Presets()
	if len(infos) < 7 {
		t.Fatalf("%d presets, want at least 7", len(infos))
	}
	for _, info := range infos {
		data, err := Preset(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"ja", "en"} {
			for _, d := range Lint(data, lang) {
				t.Errorf("%s: %s", info.Name, d)
			}
		}
		if p := MustParse(data); p.ID != info.Name {
			t.Errorf("preset %s has id %q", info.Name, p.ID)
		}
	}
}

func TestPreset_UnknownNameIsNotFound(t *testing.T) {
	for _, name := range []string{"nope", "../policy", ""} {
		if _, err := Preset(name); err == nil {
			t.Errorf("Preset(%q) succeeded", name)
		}
	}
}

const minimal = `format: kasuhara.policy/v1
id: test
title: テスト
kind: basic_policy
organization: {name: テスト株式会社}
enactment: {enacted: 2025-04-01}
scope: {}
definition: {model: mhlw_two_axis, text: 定義}
harassment:
  types:
    - {id: a, label: A, axis: means_inappropriate_always, codes: [abuse]}
`

func TestLint_ReportsProblemsWithPosition(t *testing.T) {
	for _, tt := range []struct {
		name      string
		yaml      string
		key       string
		line, col int
	}{
		{"unknown key", minimal + "colour: red\n", "policy.lint.unknown_key", 12, 1},
		{"missing required section", strings.Replace(minimal, "scope: {}\n", "", 1), "policy.lint.required", 1, 1},
		{"duplicate type id", minimal + "    - {id: a, label: B, axis: demand_invalid, codes: [other]}\n", "policy.lint.duplicate_id", 12, 12},
		{"type without standard code", minimal + "    - {id: b, label: B, axis: demand_invalid, codes: []}\n", "policy.lint.no_codes", 12, 54},
		{"unknown standard code", minimal + "    - {id: b, label: B, axis: demand_invalid, codes: [rudeness]}\n", "policy.lint.unknown_code", 12, 55},
		{"step with unknown role", minimal + "procedure:\n  steps:\n    - {id: s, actor: manager, text: x}\n", "policy.lint.unknown_role", 14, 22},
		{"invalid date", strings.Replace(minimal, "2025-04-01", "2025-02-30", 1), "policy.lint.bad_date", 6, 22},
		{"wrong type", strings.Replace(minimal, "kind: basic_policy", "kind: [basic_policy]", 1), "policy.lint.wrong_type", 4, 7},
		{"bad enum", strings.Replace(minimal, "kind: basic_policy", "kind: manifesto", 1), "policy.lint.enum", 4, 7},
		{"duplicate key", minimal + "title: again\n", "policy.lint.duplicate_key", 12, 1},
		{"syntax error", "title: [unclosed\n", "policy.lint.syntax", 1, 1},
		{"wrong format", strings.Replace(minimal, "kasuhara.policy/v1", "v0", 1), "policy.lint.format_version", 1, 9},
		{"immediate report without a rule", strings.Replace(minimal, "codes: [abuse]}", "codes: [abuse], immediate_report: true}", 1), "policy.lint.no_immediate_rule", 11, 1},
		{"repeated detection phrase", minimal + "    - {id: b, label: B, axis: demand_invalid, codes: [other], detection: {phrases: [ぽんこつ号, ぽんこつ号]}}\n", "policy.lint.duplicate_key", 12, 92},
		{"blank detection phrase", minimal + "    - {id: b, label: B, axis: demand_invalid, codes: [other], detection: {phrases: [\" \"]}}\n", "policy.lint.required", 12, 85},
		{"detection phrases are valid", minimal + "    - {id: b, label: B, axis: demand_invalid, codes: [other], detection: {phrases: [ぽんこつ号]}}\n", "", 0, 0},
		{"declared role is usable", minimal + "roles: [{id: superior, label: 上長の上長}]\nprocedure:\n  steps:\n    - {id: s, actor: superior, text: x}\n", "", 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			diags := Lint([]byte(tt.yaml), "en")
			if tt.key == "" {
				if len(diags) > 0 {
					t.Fatalf("unexpected %v", diags)
				}
				return
			}
			for _, d := range diags {
				if d.Key == tt.key {
					if d.Line != tt.line || (tt.col > 1 && d.Column != tt.col) {
						t.Errorf("%s at %d:%d, want %d:%d", d.Key, d.Line, d.Column, tt.line, tt.col)
					}
					if d.Message == "" || d.Message == d.Key {
						t.Errorf("no message for %s", d.Key)
					}
					return
				}
			}
			t.Errorf("no %s in %v", tt.key, diags)
		})
	}
}

func TestLint_MinimalPolicyIsValid(t *testing.T) {
	if d := Lint([]byte(minimal), "ja"); len(d) > 0 {
		t.Fatal(d)
	}
}

func TestLint_MessagesInBothLanguages(t *testing.T) {
	data := []byte(minimal + "colour: red\n")
	ja, en := Lint(data, "ja")[0].Message, Lint(data, "en")[0].Message
	if !strings.Contains(ja, "不明なキー") || !strings.Contains(en, "unknown key") {
		t.Errorf("ja %q en %q", ja, en)
	}
}

func TestParse_HostileInputFailsFast(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 9; i++ {
		name := string(rune('b' + i))
		bomb += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	bomb += "title: *j\n"
	for _, tt := range []struct {
		name string
		data string
		key  string
	}{
		{"billion laughs", bomb, "policy.lint.too_many_nodes"},
		{"alias bomb inside a known key", strings.Replace(bomb, "title: *j", "harassment: {types: *j}", 1), "policy.lint.too_many_nodes"},
		{"nesting beyond the YAML parser's limit", "format: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "policy.lint.syntax"},
		{"deep nesting", "format: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000), "policy.lint.too_deep"},
		{"deep nesting under an unknown key", "x: " + strings.Repeat("{a: ", 100) + strings.Repeat("}", 100), "policy.lint.too_deep"},
		{"too large", "title: " + strings.Repeat("x", MaxSize), "policy.lint.too_large"},
		{"empty", "  \n", "policy.lint.empty"},
		{"two documents", minimal + "---\ntitle: x\n", "policy.lint.multiple_documents"},
		{"scalar document", "just text", "policy.lint.wrong_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			p, diags := Parse([]byte(tt.data))
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			found := false
			for _, d := range diags {
				found = found || d.Key == tt.key
			}
			if !found {
				t.Errorf("want %s, got %v", tt.key, diags)
			}
			if tt.key == "policy.lint.too_many_nodes" && p != nil {
				t.Error("a policy was returned for a bomb")
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in   string
		days int
		ok   bool
	}{{"30d", 30, true}, {"3m", 90, true}, {"1y", 365, true}, {"0d", 0, false}, {"d", 0, false}, {"3w", 0, false}, {"+3d", 0, false}} {
		if d, ok := ParsePeriod(tt.in); d != tt.days || ok != tt.ok {
			t.Errorf("ParsePeriod(%q) = %d, %v", tt.in, d, ok)
		}
	}
}
