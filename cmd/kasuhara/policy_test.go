package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runPolicyCLI(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	err = run(context.Background(), args, e)
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

func writePolicyFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const brokenPolicy = `format: kasuhara.policy/v1
id: broken
title: 壊れた方針
kind: basic_policy
colour: red
organization: {name: x}
enactment: {enacted: 2025-04-01}
scope: {}
definition: {model: mhlw_two_axis, text: t}
harassment:
  types:
    - {id: a, label: A, axis: means_inappropriate_always, codes: [abuse]}
procedure:
  steps:
    - {id: s, actor: manager, text: t}
`

func TestPolicyCLI_PresetsListsEveryPreset(t *testing.T) {
	out, _, err := runPolicyCLI(t, nil, "policy", "presets")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mhlw-2022", "tokyo-2025", "lall-hokenshi-2022", "lall-sangyo-eisei", "sustainability-group-2024", "saitama-kenmin-kyosai", "tokyo-ishi-kyodo-2025"} {
		if !strings.Contains(out, name) {
			t.Errorf("presets output lacks %s:\n%s", name, out)
		}
	}
}

func TestPolicyCLI_ShowPrintsPresetYAMLThatLintsClean(t *testing.T) {
	out, _, err := runPolicyCLI(t, nil, "policy", "show", "tokyo-ishi-kyodo-2025")
	if err != nil || !strings.Contains(out, "会員資格のはく奪") {
		t.Fatalf("err %v, out %.200s", err, out)
	}
	path := writePolicyFile(t, out)
	if _, stderr, err := runPolicyCLI(t, nil, "policy", "lint", path); err != nil {
		t.Errorf("shown preset does not lint clean: %v\n%s", err, stderr)
	}
	if _, _, err := runPolicyCLI(t, nil, "policy", "show", "nope"); exitCode(err) != 1 {
		t.Errorf("unknown preset: exit %d", exitCode(err))
	}
}

func TestPolicyCLI_LintReportsEveryErrorWithPosition(t *testing.T) {
	path := writePolicyFile(t, brokenPolicy)
	for _, tt := range []struct {
		name string
		vars map[string]string
		args []string
		want []string
	}{
		{"Japanese by default", nil, []string{"policy", "lint", path}, []string{path + ":5:1: colour: 不明なキー", path + ":15:22: procedure.steps[0].actor: 役割 \"manager\""}},
		{"English from LANG", map[string]string{"LANG": "en_US.UTF-8"}, []string{"policy", "lint", path}, []string{":5:1: colour: unknown key \"colour\"", ":15:22: procedure.steps[0].actor: role \"manager\" is not defined"}},
		{"KASUHARA_LANG wins over LANG", map[string]string{"LANG": "en_US.UTF-8", "KASUHARA_LANG": "ja"}, []string{"policy", "lint", path}, []string{"不明なキー"}},
		{"flag wins over environment", map[string]string{"KASUHARA_LANG": "ja"}, []string{"policy", "lint", "--lang", "en", path}, []string{"unknown key"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := runPolicyCLI(t, tt.vars, tt.args...)
			if exitCode(err) != 1 {
				t.Errorf("exit %d, want 1", exitCode(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestPolicyCLI_LintAcceptsPresetsAndValidFiles(t *testing.T) {
	if _, stderr, err := runPolicyCLI(t, nil, "policy", "lint", "mhlw-2022"); err != nil {
		t.Errorf("preset: %v %s", err, stderr)
	}
	if _, _, err := runPolicyCLI(t, nil, "policy", "lint", "no-such-file.yaml"); exitCode(err) != 1 {
		t.Errorf("missing file: exit %d", exitCode(err))
	}
	if _, _, err := runPolicyCLI(t, nil, "policy", "lint"); exitCode(err) != 2 {
		t.Errorf("no argument: exit %d", exitCode(err))
	}
}

func TestPolicyCLI_RenderFormatsAndViews(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"policy", "render", "lall-hokenshi-2022", "--format", "html"}, "@page{size:A4"},
		{[]string{"policy", "render", "--format", "md", "lall-hokenshi-2022"}, "## 行動指針作成の背景について"},
		{[]string{"policy", "render", "lall-hokenshi-2022", "--format", "md", "--view", "handbook", "--lang", "en"}, "## Whom to call"},
	} {
		out, stderr, err := runPolicyCLI(t, nil, tt.args...)
		if err != nil || !strings.Contains(out, tt.want) {
			t.Errorf("%v: err %v %s; output lacks %q", tt.args, err, stderr, tt.want)
		}
	}
	if _, _, err := runPolicyCLI(t, nil, "policy", "render", "mhlw-2022", "--format", "pdf"); exitCode(err) != 2 {
		t.Errorf("unknown format: exit %d", exitCode(err))
	}
	path := writePolicyFile(t, brokenPolicy)
	if _, stderr, err := runPolicyCLI(t, nil, "policy", "render", path); exitCode(err) != 1 || !strings.Contains(stderr, ":5:1:") {
		t.Errorf("invalid policy rendered: exit %d %s", exitCode(err), stderr)
	}
}

func TestPolicyCLI_DiffShowsChanges(t *testing.T) {
	out, stderr, err := runPolicyCLI(t, nil, "policy", "diff", "lall-hokenshi-2022", "lall-sangyo-eisei")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	if !strings.Contains(out, "+ not_harassment.examples[nh-nurse-improvement]") {
		t.Errorf("diff output:\n%s", out)
	}
	if out, _, _ := runPolicyCLI(t, nil, "policy", "diff", "mhlw-2022", "mhlw-2022"); out != "" {
		t.Errorf("identical policies differ:\n%s", out)
	}
}
