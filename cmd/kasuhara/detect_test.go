package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runDetectCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" },
	})
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return out.String(), err
}

func TestDetectCommand_AnswersEveryLineInOrder(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1","text":"殺すぞ","channel":"phone"}`,
		`not json`,
		`{"id":"3"}`,
		`{"id":"4","text":"殺菌スプレーはどこですか"}`,
		`{"id":"5","text":""}`,
		`{"id":"6","text":"` + strings.Repeat("あ", 20001) + `"}`,
		"{\"id\":\"7\",\"text\":\"\xff\xfeバカ\"}",
		"\x00\x01\x02binary",
		`{"id":"9","text":"返金してください"}`,
	}, "\n")
	out, err := runDetectCLI(t, in, "detect")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 9 {
		t.Fatalf("got %d output lines, want 9:\n%s", len(lines), out)
	}
	if lines[0] != `{"id":"1","verdict":"harassment","categories":[{"code":"threat","label":"脅迫・危害の示唆","score":0.98,"spans":[{"start":0,"end":3,"text":"殺すぞ"}]}]}` {
		t.Errorf("line 1 = %s", lines[0])
	}
	for i, want := range map[int]string{1: `"line":2`, 2: `"line":3`, 4: `"line":5`, 5: `cap is 20000`, 7: `"line":8`} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], `"error"`) {
			t.Errorf("line %d = %s, want an error containing %s", i+1, lines[i], want)
		}
	}
	if lines[3] != `{"id":"4","verdict":"none","categories":[]}` {
		t.Errorf("line 4 = %s", lines[3])
	}
	if !strings.Contains(lines[6], `"id":"7"`) || strings.Contains(lines[6], `"error"`) {
		t.Errorf("invalid UTF-8 inside a JSON string should still be examined: %s", lines[6])
	}
	if lines[8] != `{"id":"9","verdict":"complaint","categories":[]}` {
		t.Errorf("line 9 = %s", lines[8])
	}
}

func TestDetectCommand_UsesPolicyLabels(t *testing.T) {
	presetOut, err := runDetectCLI(t, "", "policy", "presets")
	if err != nil || strings.TrimSpace(presetOut) == "" {
		t.Skipf("policy presets unavailable: %v", err)
	}
	name := strings.Fields(presetOut)[0]
	out, err := runDetectCLI(t, `{"id":"1","text":"土下座しろ"}`, "detect", "--policy", name)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Categories []struct{ Code, Label string } `json:"categories"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Categories) == 0 {
		t.Fatalf("output %q: %v", out, err)
	}
	if res.Categories[0].Code != "dogeza" || res.Categories[0].Label == "" {
		t.Errorf("got %+v", res.Categories)
	}
	t.Logf("preset %s labels dogeza as %q", name, res.Categories[0].Label)
}

func TestDetectEvalCommand_PrintsFigures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "set.jsonl")
	data := `{"id":"a","text":"ネットに晒してやる","labels":["sns_exposure"]}
{"id":"b","text":"インスタで知りました","labels":[]}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runDetectCLI(t, "", "detect", "eval", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sns_exposure", "macro-F1 1.000", "false-positive rate 0.000"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestDetectEvalCommand_RejectsMissingFile(t *testing.T) {
	if _, err := runDetectCLI(t, "", "detect", "eval", filepath.Join(t.TempDir(), "none.jsonl")); err == nil {
		t.Fatal("want an error for a missing file")
	}
}

// TestDetectCommand_FlagsPolicyPhrasesUnderTheTypesCodesAndLabel checks
// that a phrase only the organization's policy knows is flagged, in every
// spelling the detector folds, under each code of its type and with the
// type's own label, while the same detector without the policy stays quiet.
func TestDetectCommand_FlagsPolicyPhrasesUnderTheTypesCodesAndLabel(t *testing.T) {
	const pol = `format: kasuhara.policy/v1
id: phrases
title: 検出語句のテスト
kind: basic_policy
organization: {name: テスト交通株式会社}
enactment: {enacted: 2025-04-01}
scope: {}
definition: {model: mhlw_two_axis, text: 定義}
harassment:
  types:
    - id: route-threat
      label: 運行妨害の予告
      axis: means_inappropriate_always
      codes: [threat, intimidation]
      detection:
        phrases: [バス停に釘撒く]
`
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"id":"1","text":"明日の朝、ﾊﾞｽ停に釘撒くから"}` + "\n" + `{"id":"2","text":"バス停の時刻表を教えてください"}`
	out, err := runDetectCLI(t, in, "detect", "--policy", path)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		Verdict    string `json:"verdict"`
		Categories []struct {
			Code, Label string
			Spans       []struct{ Text string } `json:"spans"`
		} `json:"categories"`
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out)
	}
	var hit, benign result
	if err := json.Unmarshal([]byte(lines[0]), &hit); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &benign); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range hit.Categories {
		got[c.Code] = c.Label
		if len(c.Spans) == 0 || c.Spans[0].Text != "ﾊﾞｽ停に釘撒く" {
			t.Errorf("%s spans %+v, want the phrase as written", c.Code, c.Spans)
		}
	}
	if hit.Verdict != "harassment" || got["threat"] != "運行妨害の予告" || got["intimidation"] != "運行妨害の予告" {
		t.Errorf("policy phrase: verdict %s, categories %v; want threat and intimidation labelled 運行妨害の予告", hit.Verdict, got)
	}
	if len(benign.Categories) != 0 {
		t.Errorf("benign line flagged: %s", lines[1])
	}
	plain, err := runDetectCLI(t, `{"id":"1","text":"明日の朝、ﾊﾞｽ停に釘撒くから"}`, "detect")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, `"threat"`) {
		t.Logf("the built-in lexicon already flags the phrase, so the policy test proves less: %s", plain)
	}
}

// Files saved by Windows tools begin with a byte-order mark and end lines
// with CRLF; neither may cost a text.
func TestDetectCommands_AcceptByteOrderMarkAndCRLF(t *testing.T) {
	in := "\ufeff" + `{"id":"1","text":"殺すぞ"}` + "\r\n" + `{"id":"2","text":"ありがとう"}` + "\r\n"
	out, err := runDetectCLI(t, in, "detect")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"id":"1","verdict":"harassment"`) || lines[1] != `{"id":"2","verdict":"none","categories":[]}` {
		t.Fatalf("got:\n%s", out)
	}
	path := filepath.Join(t.TempDir(), "set.jsonl")
	data := "\ufeff" + `{"id":"a","text":"殺すぞ","labels":["threat"]}` + "\r\n" + `{"id":"b","text":"ありがとう","labels":[]}` + "\r\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = runDetectCLI(t, "", "detect", "eval", path)
	if err != nil || !strings.Contains(out, "macro-F1 1.000") || !strings.Contains(out, "examples 2") {
		t.Fatalf("eval: %v\n%s", err, out)
	}
}

func TestDetectCommand_NamesAWrongTypeAndIgnoresTheChannelsForm(t *testing.T) {
	in := `{"id":"1","text":123}` + "\n" + `{"id":"2","text":"殺すぞ","channel":{"kind":"phone"}}` + "\n"
	out, err := runDetectCLI(t, in, "detect")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 2 || lines[0] != `{"line":1,"error":"\"text\" must be a string, not a JSON number"}` || !strings.HasPrefix(lines[1], `{"id":"2","verdict":"harassment"`) {
		t.Fatalf("got:\n%s", out)
	}
}
