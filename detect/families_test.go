package detect

import "testing"

// TestFamilies_WritersOwnActsAndThanksAreNotHarassment checks the guards
// added with probe 3's families: the writer's own mishap or a relative's
// outburst apologised for, a referral reported, goods or a visit received
// with thanks, "I did not know your family", a group chat used for a
// school event, and tea poured on rice.
func TestFamilies_WritersOwnActsAndThanksAreNotHarassment(t *testing.T) {
	d := rulesDetector(t)
	for _, s := range []string{
		"ご飯にお茶をかけて食べるのが好きです",
		"市議会議員の知り合いに紹介されて、こちらの窓口に来ました。",
		"お詫びにクーポンを二つ送っていただき、ありがとうございました。",
		"ご家族のこと、存じ上げずに失礼いたしました。",
		"保護者のグループLINEで運動会の写真を流しますね、と先生に伝えました",
		"駐車場で車を柱にぶつけてしまいました、申し訳ありません",
		"高齢の母が窓口で怒鳴ってしまい、本当にすみませんでした",
		"運動会の騎馬戦で相手の帽子を叩き落としたそうです",
		"インスタで見て来店しました、最高すぎて拡散したいです",
	} {
		if r := d.Detect(s); r.Verdict == "harassment" {
			t.Errorf("%q: got harassment %+v", s, r.Categories)
		}
	}
}

// TestFamilies_FlagTheBehaviourWithoutTheUsualWords checks that the
// families match by meaning class rather than by the development set's
// wording: a keigo "I know your home", making someone unable to work,
// refusing to let someone leave, a count of visits, clothing remarks,
// a finished exposure and an apology demanded a hundred times.
func TestFamilies_FlagTheBehaviourWithoutTheUsualWords(t *testing.T) {
	d := rulesDetector(t)
	for s, want := range map[string]string{
		"担当者様のご自宅の場所は存じ上げておりますので、よくお考えください。": "threat",
		"二度と包丁持てんようにしたるからな":                  "threat",
		"話が終わるまで店から一歩も出さへんで":                 "restraint",
		"同じ件で今月二十回来店し、毎回一時間以上居続けた":           "persistence",
		"受付の子のスカート、もうちょっと短くしてや":              "sexual",
		"店長の顔写真、掲示板に晒しといたから":                 "sns_exposure",
		"ごめんなさいって五十回書いて送ってこい":                "excessive_apology",
	} {
		r := d.Detect(s)
		found := false
		for _, c := range r.Categories {
			found = found || string(c.Code) == want
		}
		if !found {
			t.Errorf("%q: want %s, got %+v", s, want, r.Categories)
		}
	}
}
