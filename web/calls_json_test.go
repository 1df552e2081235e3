package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// The hand-written answer to an utterance must be byte for byte what
// writeJSON (encoding/json) writes, so clients cannot tell them apart.
func TestUtteranceAnswer_IsEncodedExactlyAsEncodingJSONWould(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123000, time.UTC)
	results := []*app.UtteranceResult{
		{Utterance: &kasuhara.Utterance{CallID: 7, Seq: 1, Speaker: "customer", Text: "先週注文した商品がまだ届かない", At: at, Verdict: "none",
			Categories: []kasuhara.UtteranceCategory{}, Alerts: []kasuhara.CallAlert{}}},
		{Utterance: &kasuhara.Utterance{CallID: 1 << 40, Seq: 12, Speaker: "customer", Text: "夜道には気をつけろ \"本気\" だ\\ \t\n\r\b\f\x01 <a>&  😀 \xff",
			At: at.In(time.FixedZone("JST", 9*3600)), Verdict: "harassment",
			Categories: []kasuhara.UtteranceCategory{
				{Code: kasuhara.Threat, Label: "脅迫", Score: 0.9712345, Spans: []kasuhara.UtteranceSpan{{Start: 0, End: 5, Text: "夜道には気"}, {Start: 7, End: 9, Text: "ろ\""}}},
				{Code: kasuhara.Abuse, Label: "暴言", Score: 1, Spans: nil},
				{Code: kasuhara.Abuse, Label: "", Score: 1e-7, Spans: []kasuhara.UtteranceSpan{}},
				{Code: kasuhara.Abuse, Label: "x", Score: 0, Spans: []kasuhara.UtteranceSpan{}},
			},
			Alerts: []kasuhara.CallAlert{
				{Kind: kasuhara.AlertImmediateReport, Code: kasuhara.Threat, Label: "脅迫", Reason: "「夜道には気」: 「脅迫」は方針(第3版)で直ちに報告する類型です"},
				{Kind: kasuhara.AlertRepeatedDemand, Code: kasuhara.Persistence, Reason: "同じ要求が3回目です(最初は発言 2)"},
				{Kind: kasuhara.AlertTimeLimit, Reason: "通話が方針(第3版)の上限 30 分を超えました"},
			}},
			Stage: "warning", NextStage: "final_warning", Script: &kasuhara.CallScript{ID: "s-2", Stage: "final_warning", Text: "これ以上続く場合は「通話を終了」します。"}},
		{Utterance: &kasuhara.Utterance{CallID: 2, Seq: 3, Speaker: "staff", Text: "はい", At: at, Verdict: "none"}, Stage: "closing"},
		{},
	}
	for i, res := range results {
		want := httptest.NewRecorder()
		writeJSON(want, 201, res)
		got := httptest.NewRecorder()
		writeUtteranceResult(got, res)
		if got.Body.String() != want.Body.String() {
			t.Errorf("result %d:\n got %s\nwant %s", i, got.Body, want.Body)
		}
		if got.Code != 201 || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || got.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("result %d: status %d, headers %v", i, got.Code, got.Header())
		}
	}
}

func TestJSONFloat_FormatsAsEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.5, 0.123456789, 1e-6, 9.99e-7, 1e-9, 1e20, 1e21, 123456789012345678901234.0, -2.5e-8} {
		want, _ := json.Marshal(f)
		got, ok := appendJSONFloat(nil, f)
		if !ok || string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
	if _, ok := appendJSONFloat(nil, math.NaN()); ok {
		t.Error("NaN accepted")
	}
}

func TestJSONString_EscapesAsEncodingJSON(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x80; r++ {
		all.WriteRune(r)
	}
	for _, s := range []string{"", all.String(), "\u2028\u2029", "a\xffb\xc3", "カスハラ", "\U0001F600"} {
		want, _ := json.Marshal(s)
		want = []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(want)))
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// The direct reading of simple utterance bodies must agree with decodeJSON
// on every body, accepted or refused.
func TestUtteranceRequest_DecodedAsDecodeJSONWould(t *testing.T) {
	bodies := []string{
		`{"speaker":"customer","text":"先週注文した商品がまだ届かない"}`,
		` { "text" : "はい" , "speaker" : "staff" } `,
		`{"speaker":"robot","text":"x"}`,
		`{}`,
		`{"speaker":"customer"}`,
		`{"speaker":"customer","text":"改行\nあり"}`,
		`{"speaker":"customer","text":"tab	inside"}`,
		`{"speaker":"customer","text":"\u6bba\u3059"}`,
		`{"speaker":"customer","text":null}`,
		`{"speaker":"customer","text":"a","at":"2026-01-02T03:04:05Z"}`,
		`{"speaker":"customer","text":"a","at":"yesterday"}`,
		`{"Speaker":"customer","TEXT":"a"}`,
		`{"speaker":"customer","text":"a","text":"b"}`,
		`{"speaker":"customer","text":"a","volume":3}`,
		`{"speaker":"customer","text":42}`,
		`{"speaker":"customer","text":"a"} {}`,
		`{"speaker":"customer","text":"a"}x`,
		`{"speaker":"customer","text":"a",}`,
		`{"speaker":"customer" "text":"a"}`,
		`{"speaker":"customer","text":"a"`,
		`[]`,
		``,
		`   `,
		"{\"speaker\":\"customer\",\"text\":\"\xff\"}",
		`{"speaker":"customer","text":""}`,
	}
	for _, body := range bodies {
		var want, got utteranceRequest
		wantErr := decodeJSON(strings.NewReader(body), &want)
		gotErr := decodeUtterance(strings.NewReader(body), &got)
		if describeErr(gotErr) != describeErr(wantErr) {
			t.Errorf("%s: error %s, want %s", body, describeErr(gotErr), describeErr(wantErr))
			continue
		}
		if wantErr == nil && describeReq(got) != describeReq(want) {
			t.Errorf("%s: got %s, want %s", body, describeReq(got), describeReq(want))
		}
	}
}

func describeErr(err error) string {
	if err == nil {
		return "nil"
	}
	var ke *kasuhara.Error
	if errors.As(err, &ke) {
		return fmt.Sprintf("%s/%s/%s/%v", ke.Code, ke.Key, ke.Field, ke.Args)
	}
	return err.Error()
}

func describeReq(r utteranceRequest) string {
	s := "speaker=" + r.Speaker
	if r.Text != nil {
		s += " text=" + *r.Text
	}
	if r.At != nil {
		s += " at=" + r.At.String()
	}
	return s
}
