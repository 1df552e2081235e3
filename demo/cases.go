package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// The demo cases: about sixty incidents across the group's three
// organizations, every channel, behaviour type and state; two repeat
// customers (one calling department after department of the call centre,
// one visiting both stores), one restriction and one case reported to the
// police. The content is fixed; dates count back from the day of loading
// so the demo always looks current.

type scenario struct {
	org, reporter, channel string
	types                  []string
	place, demand, story   string
	customer, phone        string
	minutes, staff         int
	injured, talk          bool
}

var scenarios = []scenario{
	{"demo-retail", "shinjuku-staff@demo.example.jp", "face_to_face", []string{"abusive-language"}, "新宿店 1階レジ", "購入した商品の返金", "レシートのない商品の返金を断ったところ「バカ」「役立たず」と10分以上大声で罵倒された。", "", "", 15, 1, false, true},
	{"demo-retail", "umeda-staff@demo.example.jp", "face_to_face", []string{"time-restraint"}, "梅田店 サービスカウンター", "店長を今すぐ呼べ", "閉店後も2時間カウンター前に居座り、店長が来るまで帰らないと言い続けた。", "", "", 120, 2, false, false},
	{"demo-call", "call-staff@demo.example.jp", "phone", []string{"repeat"}, "第一コールセンター", "解約手続の説明のやり直し", "同じ内容の問い合わせを1日に8回。毎回最初から説明を求め、回答を録音していると繰り返した。", "", "", 40, 1, false, false},
	{"demo-call", "mail-staff@demo.example.jp", "email", []string{"abusive-language", "sns-posting"}, "メール窓口", "担当者の実名の開示", "担当者の実名を教えなければ「ネットに晒す」とのメールが3通。人格を否定する表現を含む。", "", "", 0, 1, false, true},
	{"demo-retail", "shinjuku-staff@demo.example.jp", "phone", []string{"excessive-demand"}, "新宿店 電話", "商品代金の10倍の慰謝料", "配送遅延(1日)に対し、商品代金の10倍の慰謝料と社長の直筆の謝罪文を要求。", "", "", 25, 1, false, false},
	{"demo-retail", "umeda-staff@demo.example.jp", "face_to_face", []string{"sexual-harassment"}, "梅田店 売場", "(なし)", "接客中に容姿について執拗に発言し、連絡先を教えるよう何度も求めた。", "", "", 10, 1, false, true},
	{"demo-call", "call-staff@demo.example.jp", "phone", []string{"nitpicking"}, "第一コールセンター", "言葉遣いの謝罪", "説明の言い回しの一つひとつに「今の言い方は何だ」と揚げ足を取り、30分以上謝罪を求め続けた。", "", "", 35, 1, false, false},
	{"demo", "staff@demo.example.jp", "letter", []string{"other"}, "お客様相談室", "株主としての特別待遇", "株主であることを理由に、非公開情報の開示と優先対応を求める書面が届いた。", "", "", 0, 1, false, false},
	{"demo", "staff@demo.example.jp", "chat", []string{"abusive-language"}, "お客様相談室 チャット", "回答の催促", "チャットで「無能」「辞めろ」などの書き込みが連続して20件以上。", "", "", 20, 1, false, false},
	{"demo-retail", "shinjuku-staff@demo.example.jp", "visit", []string{"time-restraint"}, "顧客宅", "自宅での説明", "自宅に呼び出され、3時間にわたり帰宅を認められなかった。", "", "", 180, 1, false, true},
	{"demo-call", "call-staff@demo.example.jp", "sns", []string{"sns-posting"}, "SNS", "投稿の削除要求への対応", "オペレーターの名札写真がSNSに投稿され、「この人が無能」と書かれている。", "", "", 0, 1, false, true},
	{"demo", "staff@demo.example.jp", "phone", nil, "お客様相談室", "請求額の誤りの訂正", "請求額の誤りについて強い口調での問い合わせ。確認したところ当社の誤りであった。", "", "", 15, 1, false, false},
}

// repeaters are the demo's repeat customers.
var repeaters = []struct {
	org, name, phone string
	visits           []scenario
}{
	{"demo-call", "黒田 剛", "090-4444-0001", []scenario{
		{"demo-call", "call-staff@demo.example.jp", "phone", []string{"repeat", "abusive-language"}, "第一コールセンター", "過去の対応への謝罪", "前回の担当者を出せと怒鳴り、1時間に5回架電。", "", "", 50, 1, false, false},
		{"demo-call", "call-lead@demo.example.jp", "phone", []string{"repeat"}, "第二コールセンター", "同上", "第一で断られたとして第二コールセンターに架電、同じ要求を繰り返した。", "", "", 30, 1, false, false},
		{"demo-call", "mail-staff@demo.example.jp", "email", []string{"repeat", "abusive-language"}, "メール窓口", "同上", "電話を切られたとしてメール窓口に同内容のメールを1日12通。", "", "", 0, 1, false, false},
		{"demo-call", "call-staff@demo.example.jp", "phone", []string{"repeat", "time-restraint"}, "第一コールセンター", "同上", "2時間以上の通話。「誠意を見せろ」を繰り返した。", "", "", 130, 1, false, true},
	}},
	{"demo-retail", "白石 恵子", "080-7777-0002", []scenario{
		{"demo-retail", "shinjuku-staff@demo.example.jp", "face_to_face", []string{"excessive-demand"}, "新宿店 サービスカウンター", "使用済み商品の新品交換", "半年使用した商品の新品交換と交通費を要求。", "", "", 40, 1, false, false},
		{"demo-retail", "umeda-staff@demo.example.jp", "face_to_face", []string{"excessive-demand", "abusive-language"}, "梅田店 サービスカウンター", "同上", "新宿店で断られたとして梅田店で同じ要求。応じないと「この店を潰す」と発言。", "", "", 60, 1, false, false},
		{"demo-retail", "shinjuku-staff@demo.example.jp", "phone", []string{"excessive-demand"}, "新宿店 電話", "同上", "同じ要求を電話で繰り返した。", "", "", 20, 1, false, false},
	}},
}

// policeCase is the case reported to the police.
var policeCase = scenario{"demo-retail", "shinjuku-staff@demo.example.jp", "face_to_face", []string{"threat", "abusive-language"}, "新宿店 1階カウンター",
	"店員の解雇", "要求を断ったところ「火をつけてやる」「夜道に気をつけろ」と発言し、カウンターを蹴った。従業員は手に軽い打撲。", "赤木 某", "", 20, 2, true, true}

// loadCases files the demo cases unless the demo's retail company already has some.
func loadCases(ctx context.Context, a *app.App) error {
	retail, err := a.Store.FindOrgBySlug(ctx, "demo-retail")
	if err != nil {
		return err
	}
	page, err := a.Store.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{retail.ID}, Limit: 1})
	if err != nil || page.Total > 0 {
		return err
	}
	l := &caseLoader{a: a, ctx: ctx, principals: map[string]*kasuhara.Principal{}}
	now := a.Now().In(app.JST)
	l.today = time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, app.JST)
	// The plain scenarios, four rounds on different days, ending in different states.
	n := 0
	for round := 0; round < 4; round++ {
		for i, s := range scenarios {
			n++
			at := l.today.AddDate(0, 0, -(3 + (i*7+round*23)%170)).Add(time.Duration((i*37+round*11)%480) * time.Minute)
			if round == 0 && i < 4 {
				at = l.today.AddDate(0, 0, -(i % 2)).Add(-time.Duration(2+i) * time.Hour) // a few fresh ones
			}
			target := kasuhara.CaseStates[(i+round*2)%len(kasuhara.CaseStates)]
			if round == 0 && i < 4 {
				target = kasuhara.StateReported
			}
			if s.phone == "" && (i+round)%3 == 0 {
				s.phone = fmt.Sprintf("03-6000-%04d", n)
				s.customer = []string{"青木", "石田", "上野", "江口", "大野", "加納"}[n%6] + " 様"
			}
			if _, err := l.file(s, at, target, false); err != nil {
				return fmt.Errorf("demo case %d: %w", n, err)
			}
		}
	}
	// The repeat customers: each visit a few days apart, the latest still open.
	for _, r := range repeaters {
		var last *kasuhara.Case
		for i, v := range r.visits {
			v.customer, v.phone = r.name, r.phone
			target := kasuhara.StateClosed
			if i == len(r.visits)-1 {
				target = kasuhara.StateResponse
			}
			at := l.today.AddDate(0, 0, -(6 - i)).Add(time.Duration(i) * time.Hour) // within the call centre policy's 7-day window
			if last, err = l.file(v, at, target, false); err != nil {
				return fmt.Errorf("demo repeat %s: %w", r.name, err)
			}
		}
		if r.org == "demo-call" {
			lead := l.principal("call-lead@demo.example.jp")
			end := l.today.AddDate(0, 6, 0)
			review := l.today.AddDate(0, 3, 0)
			if _, err := a.Restrict(ctx, lead, app.RestrictionInput{OrgID: last.OrgID, CustomerID: *last.CustomerID, CaseID: &last.ID,
				Kind: kasuhara.RestrictRefuseCalls, SanctionID: "suspend-or-refuse", End: &end, ReviewAt: &review,
				Reason: "複数部署への度重なる長時間の架電と暴言。警告後も改善なし。"}); err != nil {
				return fmt.Errorf("demo restriction: %w", err)
			}
		}
	}
	c, err := l.file(policeCase, l.today.AddDate(0, 0, -6).Add(5*time.Hour), kasuhara.StateResponse, true)
	if err != nil {
		return fmt.Errorf("demo police case: %w", err)
	}
	_ = c
	return nil
}

type caseLoader struct {
	a          *app.App
	ctx        context.Context
	today      time.Time
	principals map[string]*kasuhara.Principal
}

func (l *caseLoader) principal(email string) *kasuhara.Principal {
	if p, ok := l.principals[email]; ok {
		return p
	}
	u, err := l.a.Store.FindUserByEmail(l.ctx, email)
	if err != nil {
		panic("demo user missing: " + email)
	}
	p, err := l.a.Principal(l.ctx, u)
	if err != nil {
		panic(err)
	}
	l.principals[email] = p
	return p
}

// supervisorOf is the supervisor who handles an organization's cases.
var supervisorOf = map[string]string{
	"demo": "supervisor@demo.example.jp", "demo-retail": "shinjuku-lead@demo.example.jp", "demo-call": "call-lead@demo.example.jp",
}

// file reports s as its reporter at at, then walks it to target as the
// organization's supervisor: facts, assessment, response, closing.
func (l *caseLoader) file(s scenario, at time.Time, target kasuhara.CaseState, police bool) (*kasuhara.Case, error) {
	ctx := l.ctx
	rep := l.principal(s.reporter)
	res, err := l.a.ReportCase(ctx, rep, app.CaseReport{
		OrgID: rep.User.OrgID, Channel: s.channel, OccurredAt: at, Place: s.place, CustomerName: s.customer, CustomerPhone: s.phone,
		Demand: s.demand, Narrative: s.story, Types: s.types, StaffInvolved: rep.User.Name, StaffCount: s.staff,
		StaffInjured: s.injured, WantsToTalk: s.talk, DurationMinutes: s.minutes, Recorded: s.channel == "phone", RecordingConsent: s.channel == "phone",
	})
	if err != nil {
		return nil, err
	}
	c := res.Case
	sv := l.principal(supervisorOf[s.org])
	due := at.Add(dueAfter(c))
	if _, err := l.a.AssignCase(ctx, sv, c.ID, sv.User.ID, &due, 0); err != nil {
		return nil, err
	}
	order := []kasuhara.CaseState{kasuhara.StateFactFinding, kasuhara.StateAssessment, kasuhara.StateResponse, kasuhara.StateClosed}
	for _, st := range order {
		if stateIndex(st) > stateIndex(target) {
			break
		}
		switch st {
		case kasuhara.StateAssessment:
			if err := l.move(sv, c.ID, st); err != nil {
				return nil, err
			}
			validity, means := kasuhara.ValidityInvalid, false
			text := "商品・サービスに瑕疵はなく、要求は妥当でない。手段も社会通念上不相当。"
			if len(s.types) == 0 {
				validity, means, text = kasuhara.ValidityValid, true, "当社の請求誤り。要求は妥当で、口調は強いが手段は相当。誠実に対応する。"
			}
			if _, err := l.a.AssessCase(ctx, sv, c.ID, app.Assessment{DemandValidity: validity, MeansAppropriate: &means, Text: text}); err != nil {
				return nil, err
			}
			if police {
				if _, err := l.a.EscalateCase(ctx, sv, c.ID, app.Escalation{To: "police", Station: "新宿警察署", ReportNo: "新宿-2026-0412"}); err != nil {
					return nil, err
				}
				exec := l.principal("exec@demo.example.jp")
				if _, err := l.a.EscalateCase(ctx, sv, c.ID, app.Escalation{To: "executive", ExecutiveID: exec.User.ID}); err != nil {
					return nil, err
				}
			}
		case kasuhara.StateResponse:
			if err := l.move(sv, c.ID, st); err != nil {
				return nil, err
			}
			follow := &kasuhara.Contact{Channel: s.channel, At: at.Add(26 * time.Hour), Minutes: 20, StaffCount: 2,
				StaffNames: sv.User.Name + "、" + rep.User.Name, Summary: "上長同席で方針に基づき対応を説明し、以後の要求には応じられない旨を伝えた。"}
			if s.channel == "face_to_face" || s.channel == "visit" {
				follow.Channel = "phone" // the follow-up call after a visit
			}
			if err := l.a.AddContact(ctx, sv, c.ID, follow); err != nil {
				return nil, err
			}
		default:
			if err := l.move(sv, c.ID, st); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// dueAfter is the time a supervisor gives for handling a case, counted from
// the incident: a day when it is urgent, two days to a week otherwise, so
// that the open cases of the demo are partly overdue and partly not, as in
// an organization's real list.
func dueAfter(c *kasuhara.Case) time.Duration {
	if c.Urgent {
		return 24 * time.Hour
	}
	days := []int{2, 3, 3, 5, 7}
	return time.Duration(days[c.ID%int64(len(days))]) * 24 * time.Hour
}

func (l *caseLoader) move(p *kasuhara.Principal, id int64, to kasuhara.CaseState) error {
	_, err := l.a.TransitionCase(l.ctx, p, id, app.Transition{To: to})
	return err
}

func stateIndex(s kasuhara.CaseState) int {
	for i, x := range kasuhara.CaseStates {
		if x == s {
			return i
		}
	}
	return -1
}
