package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// loadDeskAndTraining gives the demo consultations (some anonymous, one
// with an overdue follow-up, one consented to a case) and training
// assignments with mixed completion, unless the group has consultations
// already, so that Load stays idempotent.
func loadDeskAndTraining(ctx context.Context, a *app.App) error {
	org, err := a.Store.FindOrgBySlug(ctx, Slug)
	if err != nil {
		return err
	}
	subs, err := a.Store.SubsidiaryIDs(ctx, org.ID)
	if err != nil {
		return err
	}
	have, err := a.Store.ListConsultations(ctx, kasuhara.ConsultationFilter{OrgIDs: append([]int64{org.ID}, subs...), Limit: 1})
	if err != nil || len(have) > 0 {
		return err
	}
	who := func(email string) (*kasuhara.Principal, error) {
		u, err := a.Store.FindUserByEmail(ctx, email)
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", email, err)
		}
		return a.Principal(ctx, u)
	}
	desk, err := who("desk@demo.example.jp")
	if err != nil {
		return err
	}
	staff, err := who("shinjuku-staff@demo.example.jp")
	if err != nil {
		return err
	}
	today := a.Now().In(app.JST)
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }

	// Anonymous, through the retail company's public link: a dispatched worker.
	c1, _, err := a.SubmitPublicConsultation(ctx, "demo-retail", app.ConsultationInput{Anonymous: true, Relation: "dispatched", Topic: "borderline",
		Wish: "advice", Body: "同じお客様から毎日のように「前回の説明と違う」と電話があり、言葉尻をとらえて責められます。クレームとして対応すべきか、ハラスメントとして上長に報告すべきか迷っています。"})
	if err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	if err := a.ReplyToConsultation(ctx, desk, c1.ID, "ご相談ありがとうございます。同じ内容の電話が繰り返され、揚げ足取りが続く場合は、方針の「リピート型」「対応の揚げ足取り」に当たる可能性があります。通話の記録を残し、上長に共有してください。お一人で抱え込まないでください。", ""); err != nil {
		return err
	}
	// Anonymous, through the group's link, about something that happened.
	c2, _, err := a.SubmitPublicConsultation(ctx, Slug, app.ConsultationInput{Anonymous: true, Relation: "contractor", Topic: "incident", Channel: "face_to_face",
		OccurredOn: day(-3), Wish: "listen", Body: "店頭で大声で怒鳴られ、土下座しろと言われました。その後眠れない日が続いています。"})
	if err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	if _, err := a.AddFollowUp(ctx, desk, c2.ID, app.FollowUpInput{Kind: "counselling", DueOn: day(7), Note: "外部カウンセリング窓口を案内済み"}); err != nil {
		return err
	}
	// Named, by a store employee, consented to a case; an interview is overdue.
	c3, err := a.SubmitConsultation(ctx, staff, app.ConsultationInput{Topic: "incident", Channel: "phone", OccurredOn: day(-5), Wish: "action",
		Body: "電話で2時間近く同じ要求を繰り返され、「名前を覚えたからな」と言われました。怖くて電話に出るのがつらいです。"})
	if err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	if err := a.ReplyToConsultation(ctx, desk, c3.ID, "つらい思いをされましたね。面談でお話を伺えますか。ご希望があれば事案として会社の対応に回すこともできます。", ""); err != nil {
		return err
	}
	if err := a.ConsentToCase(ctx, staff, c3.ID, app.ConsentInput{Fields: []string{"narrative", "occurred_on", "channel"},
		Narrative: "電話で2時間近く同じ要求を繰り返され、「名前を覚えたからな」と言われた。"}); err != nil {
		return err
	}
	// An interview due two days ago and not held yet: the desk sees it overdue.
	if _, err := a.AddFollowUp(ctx, desk, c3.ID, app.FollowUpInput{Kind: "interview", DueOn: day(-2)}); err != nil {
		return err
	}
	return loadTraining(ctx, a, org.ID)
}

// loadTraining assigns the definition module to the whole group and the
// types module to the retail company's staff; some have completed them.
func loadTraining(ctx context.Context, a *app.App, groupID int64) error {
	admin, err := a.Store.FindUserByEmail(ctx, "admin@demo.example.jp")
	if err != nil {
		return err
	}
	ap, err := a.Principal(ctx, admin)
	if err != nil {
		return err
	}
	today := a.Now().In(app.JST)
	as, err := a.AssignTraining(ctx, ap, app.AssignInput{OrgID: groupID, Module: kasuhara.ModuleDefinition, Target: kasuhara.TargetAll,
		DueOn: today.AddDate(0, 0, 14).Format("2006-01-02")})
	if err != nil {
		return fmt.Errorf("demo training: %w", err)
	}
	retail, err := a.Store.FindOrgBySlug(ctx, "demo-retail")
	if err != nil {
		return err
	}
	if _, err := a.AssignTraining(ctx, ap, app.AssignInput{OrgID: retail.ID, Module: kasuhara.ModuleTypes, Target: kasuhara.TargetRole, Role: "staff",
		DueOn: today.AddDate(0, 0, 30).Format("2006-01-02")}); err != nil {
		return fmt.Errorf("demo training: %w", err)
	}
	// An assignment whose due day has passed, so reminders and the overdue
	// flag have something to show; the app refuses past due days, so it is
	// stored directly.
	v, err := a.PolicyInEffect(ctx, groupID, a.Now())
	if err != nil {
		return err
	}
	y, m, d := today.AddDate(0, 0, -3).Date()
	var ids []int64
	for _, email := range []string{"staff@demo.example.jp", "supervisor@demo.example.jp"} {
		u, err := a.Store.FindUserByEmail(ctx, email)
		if err != nil {
			return err
		}
		ids = append(ids, u.ID)
	}
	late := &kasuhara.TrainingAssignment{OrgID: groupID, Module: kasuhara.ModuleTypes, PolicyVersionID: v.ID, Target: kasuhara.TargetDepartment,
		DueOn: time.Date(y, m, d, 0, 0, 0, 0, app.JST), CreatedBy: admin.ID}
	if depts, err := a.Store.ListDepartments(ctx, groupID); err == nil {
		for _, dp := range depts {
			if dp.Name == "お客様相談室" {
				late.DepartmentID = &dp.ID
			}
		}
	}
	if late.DepartmentID == nil {
		late.Target = kasuhara.TargetAll
	}
	if err := a.Store.CreateTrainingAssignment(ctx, late, ids); err != nil {
		return err
	}
	// Mixed completion of the group's definition module: two pass, one fails once.
	for _, pass := range []struct {
		email string
		right bool
	}{{"desk@demo.example.jp", true}, {"exec@demo.example.jp", true}, {"staff@demo.example.jp", false}} {
		u, err := a.Store.FindUserByEmail(ctx, pass.email)
		if err != nil {
			return err
		}
		p, err := a.Principal(ctx, u)
		if err != nil {
			return err
		}
		ts, err := a.Store.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: []int64{groupID}, UserID: &u.ID, AssignmentID: as.ID})
		if err != nil || len(ts) == 0 {
			return fmt.Errorf("demo training task of %s: %v", pass.email, err)
		}
		view, err := a.Training(ctx, p, ts[0].ID)
		if err != nil {
			return err
		}
		answers := make([]int, len(view.Questions))
		for i, q := range view.Questions {
			answers[i] = q.Answer
			if !pass.right && i%2 == 0 {
				answers[i] = (q.Answer + 1) % len(q.Options)
			}
		}
		if _, err := a.SubmitQuiz(ctx, p, ts[0].ID, view.Attempt, answers); err != nil {
			return err
		}
	}
	return nil
}
