package detect

import (
	"bufio"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kasuhara/kasuhara"
)

func codes(r Result) []kasuhara.BehaviourCode {
	var out []kasuhara.BehaviourCode
	for _, c := range r.Categories {
		out = append(out, c.Code)
	}
	return out
}

func TestDetect_FlagsSpellingVariantsOfOneInsult(t *testing.T) {
	d := testDetector(t)
	for _, s := range []string{"バカか", "ばかか", "馬鹿か", "ﾊﾞｶか", "ばーーーか", "バッカじゃねーの", "ＢＡＫＡじゃね"} {
		if r := d.Detect(s); !r.Has(kasuhara.Abuse) {
			t.Errorf("Detect(%q) = %v, want abuse", s, codes(r))
		}
	}
}

func TestDetect_IgnoresTriggerWordsInBenignUse(t *testing.T) {
	d := testDetector(t)
	for _, s := range []string{
		"殺菌スプレーはありますか", "死ぬほどおいしかったです", "インスタで知りました",
		"先輩には頭が上がりません", "首都高が混んで遅れます", "バカみたいに安い",
		"殺風景な部屋に合う花", "ガスコンロに火がつかない", "ゴミの分別を教えて",
		"書類はネットでも出せますか", "毎週電話で予約しています",
	} {
		if r := d.Detect(s); len(r.Categories) > 0 {
			t.Errorf("Detect(%q) = %v, want none", s, codes(r))
		}
	}
}

func TestDetect_FindsIndirectDialectAndPoliteCoercion(t *testing.T) {
	d := rulesDetector(t)
	for s, want := range map[string]kasuhara.BehaviourCode{
		"お子さん、駅前の小学校でしたよね": kasuhara.Threat,
		"夜道に気をつけてくださいね":    kasuhara.Threat,
		"なめとんのか":           kasuhara.Intimidation,
		"どないしてくれるんや":       kasuhara.Intimidation,
		"なにしとんのじゃ":         kasuhara.Intimidation,
		"誠意を見せていただけますよね":   kasuhara.ExcessiveDemand,
		"ころすぞ":             kasuhara.Threat,
		"担当者をクビにしろ":        kasuhara.PersonalAttack,
		"ネットに晒すぞ":          kasuhara.SNSExposure,
		"土下座しろ":            kasuhara.Dogeza,
		"納得するまで帰らないからな":    kasuhara.Restraint,
	} {
		if r := d.Detect(s); !r.Has(want) {
			t.Errorf("Detect(%q) = %v, want %s", s, codes(r), want)
		}
	}
}

func TestDetect_NegationSuppressesThreat(t *testing.T) {
	d := testDetector(t)
	if r := d.Detect("ネットに晒すつもりはないです"); r.Has(kasuhara.SNSExposure) {
		t.Errorf("negated exposure flagged: %v", codes(r))
	}
	if r := d.Detect("殺されたくなかったら金を出せ"); !r.Has(kasuhara.Threat) {
		t.Errorf("conditional threat missed: %v", codes(r))
	}
}

func TestDetect_SeparatesComplaintFromHarassment(t *testing.T) {
	d := testDetector(t)
	for s, want := range map[string]string{
		"対応が遅いです。返金してください": VerdictComplaint,
		"責任者の方と話したいのですが":   VerdictComplaint,
		"来週の予約をお願いします":     VerdictNone,
		"返金しろ、このバカが":       VerdictHarassment,
	} {
		if got := d.Detect(s).Verdict; got != want {
			t.Errorf("Detect(%q).Verdict = %s, want %s", s, got, want)
		}
	}
}

func TestDetect_SpansPointIntoOriginalTextInCodePoints(t *testing.T) {
	d := testDetector(t)
	text := "😀ＡＢＣ、ﾊﾞｰｰｰｶじゃねーの"
	r := d.Detect(text)
	if len(r.Categories) == 0 {
		t.Fatalf("nothing found in %q", text)
	}
	runes := []rune(text)
	for _, c := range r.Categories {
		for _, sp := range c.Spans {
			if sp.Start < 0 || sp.End > len(runes) || sp.Start >= sp.End {
				t.Fatalf("span %+v out of range", sp)
			}
			if string(runes[sp.Start:sp.End]) != sp.Text {
				t.Errorf("span %+v does not match original %q", sp, string(runes[sp.Start:sp.End]))
			}
		}
	}
	if got := r.Categories[0].Spans[0].Text; !strings.HasPrefix(got, "ﾊﾞｰｰｰｶ") {
		t.Errorf("span text %q, want it to start at ﾊﾞｰｰｰｶ", got)
	}
}

func TestDetect_SurvivesBadInput(t *testing.T) {
	d := testDetector(t)
	for _, s := range []string{"", "\xff\xfe\xfd", "\x00\x01", strings.Repeat("死ね", MaxTextRunes)} {
		r := d.Detect(s)
		if r.Categories == nil {
			t.Errorf("Categories nil for %q…", s[:min(len(s), 8)])
		}
	}
}

func TestNew_AppliesOrganizationLabelsAndPhrases(t *testing.T) {
	d, err := New(
		WithLabels(map[kasuhara.BehaviourCode]string{kasuhara.Dogeza: "土下座の強要"}),
		WithExtraPhrases(map[kasuhara.BehaviourCode][]string{kasuhara.Intimidation: {"ワレ"}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Detect("土下座しろ"); len(r.Categories) == 0 || r.Categories[0].Label != "土下座の強要" {
		t.Errorf("label not applied: %+v", r.Categories)
	}
	if r := d.Detect("われ、何しとんねん"); !r.Has(kasuhara.Intimidation) {
		t.Errorf("extra phrase (folded from katakana) not used: %v", codes(r))
	}
	if _, err := New(WithLabels(map[kasuhara.BehaviourCode]string{"nope": "x"})); err == nil {
		t.Error("unknown code accepted")
	}
}

func TestDetector_IsSafeForConcurrentUse(t *testing.T) {
	d := testDetector(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if r := d.Detect("後ろから刺されても文句言うなよ"); !r.Has(kasuhara.Threat) {
					t.Error("lost threat under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestSplits_TestTextsDoNotAppearInDev keeps the frozen split honest: a text
// copied from dev to test would measure memory, not generalization.
func TestSplits_TestTextsDoNotAppearInDev(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range readSplit(t, "testdata/dev.jsonl") {
		seen[ex.Text] = true
	}
	for _, ex := range readSplit(t, "testdata/test.jsonl") {
		if seen[ex.Text] {
			t.Errorf("%s also in dev: %q", ex.ID, ex.Text)
		}
	}
}

// TestSplits_MeetTheIssueRequirements checks size, coverage and the share
// of hard negatives over both splits.
func TestSplits_MeetTheIssueRequirements(t *testing.T) {
	all := append(readSplit(t, "testdata/dev.jsonl"), readSplit(t, "testdata/test.jsonl")...)
	count := map[kasuhara.BehaviourCode]int{}
	neg := 0
	for _, ex := range all {
		if len(ex.Labels) == 0 {
			neg++
		}
		for _, c := range ex.Labels {
			count[c]++
		}
	}
	if len(all) < 600 {
		t.Errorf("%d texts, want ≥ 600", len(all))
	}
	if float64(neg) < 0.4*float64(len(all)) {
		t.Errorf("%d negatives of %d, want ≥ 40%%", neg, len(all))
	}
	for _, c := range kasuhara.BehaviourCodes {
		if c == kasuhara.OtherBehaviour {
			continue
		}
		if count[c] < 25 {
			t.Errorf("%s appears %d times, want ≥ 25", c, count[c])
		}
	}
	t.Logf("%d texts, %d negatives, per code %v", len(all), neg, count)
}

// TestLexicon_NeverReadsTheFrozenSplit guards the one rule of the frozen
// split: nothing that builds the detector may open it.
func TestLexicon_NeverReadsTheFrozenSplit(t *testing.T) {
	for _, f := range []string{"lexicon.go", "detect.go", "normalize.go", "eval.go"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			if strings.Contains(sc.Text(), "test.jsonl") {
				t.Errorf("%s mentions the frozen split: %s", f, sc.Text())
			}
		}
	}
}

func TestDetect_CoversConjugationsAndDialectNegationByMorphology(t *testing.T) {
	d := testDetector(t)
	for s, want := range map[string]kasuhara.BehaviourCode{
		"お前の店潰しますよ":        kasuhara.Threat,
		"会社ごとつぶしたるからな":     kasuhara.Threat,
		"ここから一歩も動かへんで":     kasuhara.Restraint,
		"納得するまで絶対離れんからな":   kasuhara.Restraint,
		"あの担当さっさと辞めさせろ":    kasuhara.PersonalAttack,
		"順番なんか関係ない、先に案内しろ": kasuhara.ExcessiveDemand,
	} {
		if r := d.Detect(s); !r.Has(want) {
			t.Errorf("Detect(%q) = %v, want %s", s, codes(r), want)
		}
	}
}

func TestDetect_IgnoresVictimPassivesQuotedTitlesAndPoliteRequests(t *testing.T) {
	d := testDetector(t)
	for _, s := range []string{
		"蚊に刺されたところがかゆいです", "弟が同級生に殴られて帰ってきました",
		"『殺人者の記憶法』はありますか", "「クビ」という映画を探しています",
		"帰らないといけないので急いでもらえますか", "今日は帰りません、延泊したいです",
		"担当を替えていただけませんか", "上の者を出してもらえますか",
	} {
		if r := d.Detect(s); len(r.Categories) > 0 {
			t.Errorf("Detect(%q) = %v, want none", s, codes(r))
		}
	}
}

// TestDetect_AddsASecondCategoryOnlyWithItsOwnEvidence covers the
// over-labelling a fresh probe showed: the words that make one behaviour
// (無事に帰れると思うな is a threat; the imperative of クビにしとけ is the
// punishment demand; the name in an exposure threat is what is exposed)
// must not also count as a restraint, an intimidation or a privacy breach.
// This is how the rules settle their evidence, so it is checked on the
// rules alone: the learned layer may still add a category it is confident
// of, explained by its own spans.
func TestDetect_AddsASecondCategoryOnlyWithItsOwnEvidence(t *testing.T) {
	d := rulesDetector(t)
	for text, want := range map[string][]kasuhara.BehaviourCode{
		"お前、今度来たら無事に帰れると思うなよ": {kasuhara.Threat},
		"あの店員クビにしとけよ":         {kasuhara.PersonalAttack},
		"詫びに来るなら支店長も連れて来い":    {kasuhara.ExcessiveApology},
		"あんたの名前、掲示板に全部書いたろか":  {kasuhara.SNSExposure},
		// Two behaviours with their own words both stay.
		"土下座せえ、その動画ネットに全部上げたるからな": {kasuhara.Dogeza, kasuhara.SNSExposure},
	} {
		got := codes(d.Detect(text))
		if !sameCodes(got, want) {
			t.Errorf("Detect(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestDetect_ReadsVeiledThreatsAndCourtesiesApart checks concept families
// for threats without a harm word against the courtesies that share their
// words.
func TestDetect_ReadsVeiledThreatsAndCourtesiesApart(t *testing.T) {
	d := testDetector(t)
	for _, s := range []string{
		"嫁さんが大事なら大人しく言う通りにしとけ",
		"担当さんの顔はもう覚えたからな",
		"どのような目に遭われても当方は関知しません",
	} {
		if r := d.Detect(s); !r.Has(kasuhara.Threat) {
			t.Errorf("Detect(%q) = %v, want threat", s, codes(r))
		}
	}
	// The rules read an ambush as a threat; writers of the training data
	// call waiting for staff a privacy breach as often, and the learned
	// layer, sure it is harassment but of no one kind, reports nothing
	// (docs/detect.md, known misses).
	if r := rulesDetector(t).Detect("明日の夕方、裏口で待ち伏せしとくわ"); !r.Has(kasuhara.Threat) {
		t.Errorf("rules: Detect(待ち伏せ) = %v, want threat", codes(r))
	}
	for _, s := range []string{
		"雨の夜道は滑りますので、お気をつけてお帰りください",
		"身の安全のために手袋は必要ですか",
		"土下座したいくらいありがたいです",
		"無料で修理してもらえるのは何年目までですか",
		"このまま切らないで待っていますね",
	} {
		if r := d.Detect(s); len(r.Categories) > 0 {
			t.Errorf("Detect(%q) = %v, want none", s, codes(r))
		}
	}
}

func sameCodes(a, b []kasuhara.BehaviourCode) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[kasuhara.BehaviourCode]bool{}
	for _, c := range a {
		seen[c] = true
	}
	for _, c := range b {
		if !seen[c] {
			return false
		}
	}
	return true
}

// TestDetect_IssueExamples runs the whole detector, learned layer
// included, on the examples the product promises to get right: benign
// trigger words stay none, and width/kana variants, dialect, polite
// coercion and an indirect threat are harassment.
func TestDetect_IssueExamples(t *testing.T) {
	d := testDetector(t)
	for text, want := range map[string]kasuhara.BehaviourCode{
		"殺菌スプレーはどこですか":     "",
		"死ぬほどおいしい":         "",
		"インスタで知りました":       "",
		"頭が上がりません":         "",
		"首都高が混んで遅れます":      "",
		"バカ":               kasuhara.Abuse,
		"ばかじゃないの":          kasuhara.Abuse,
		"馬鹿かお前は":           kasuhara.Abuse,
		"なめとんのか":           kasuhara.Intimidation,
		"どないしてくれるんや":       kasuhara.Intimidation,
		"誠意を見せていただけますよね":   kasuhara.ExcessiveDemand,
		"お子さん、駅前の小学校でしたよね": kasuhara.Threat,
		"殺すぞ":              kasuhara.Threat,
	} {
		r := d.Detect(text)
		if want == "" {
			if r.Verdict == VerdictHarassment {
				t.Errorf("Detect(%q) = %v, want no harassment", text, codes(r))
			}
			continue
		}
		if !r.Has(want) {
			t.Errorf("Detect(%q) = %v, want %s", text, codes(r), want)
		}
	}
}

// A staff member's report says what they were not allowed to do
// (電話を切らせてもらえなかった): that is a restraint, while asking leave
// to hang up or go home is not.
func TestDetect_ReadsNarratedRestraint(t *testing.T) {
	d := testDetector(t)
	for _, s := range []string{"その後1時間電話を切らせてもらえなかった", "閉店後も2時間帰してもらえなかった"} {
		if r := d.Detect(s); !r.Has(kasuhara.Restraint) {
			t.Errorf("Detect(%q) = %v, want restraint", s, codes(r))
		}
	}
	for _, s := range []string{"それでは電話を切らせていただきます", "子どもが熱を出したので早めに帰らせてもらえないでしょうか"} {
		if r := d.Detect(s); len(r.Categories) > 0 {
			t.Errorf("Detect(%q) = %v, want none", s, codes(r))
		}
	}
}
