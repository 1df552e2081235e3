package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/policy"
)

// Training modules are generated from a policy version: the definition and
// what is not harassment, each type with its examples, the response
// procedure with the channels' actions and the scripts, and, where the
// policy says so, not harassing others as a customer oneself. The quiz of a
// module is built from the same examples, so an organization that edits its
// policy edits its training.

// QuizLength is the most questions a quiz asks.
const QuizLength = 5

// ModuleSection is one part of a module's reading: a heading, the policy's
// text and its items, all in the policy's own words.
type ModuleSection struct {
	Heading string   `json:"heading"`
	Text    string   `json:"text,omitempty"`
	Items   []string `json:"items,omitempty"`
}

// TrainingModule is a module as generated from a policy version.
type TrainingModule struct {
	Key      string          `json:"key"`
	TitleKey string          `json:"title_key"` // catalog key of the module's title
	Sections []ModuleSection `json:"sections"`
	pool     []Question
	quizSize int
}

// Option is one answer of a question: a catalog key (Key) or the policy's text.
type Option struct {
	Key  string `json:"key,omitempty"`
	Text string `json:"text,omitempty"`
}

// Question is one quiz question. Prompt is a catalog key; Quote is the
// policy's text the question is about. The explanation quotes the clause
// (Clause) under its heading (Source).
type Question struct {
	Kind       string   `json:"kind"` // is_harassment, which_type, which_group, next_step, channel_action, script_stage, acknowledge
	Prompt     string   `json:"prompt"`
	PromptArgs []string `json:"prompt_args,omitempty"`
	Quote      string   `json:"quote"`
	Options    []Option `json:"options"`
	Answer     int      `json:"-"`
	Explain    string   `json:"-"` // catalog key
	ExplainArg []string `json:"-"`
	Clause     string   `json:"-"`
	Source     string   `json:"-"`
}

var (
	optYes = Option{Key: "training.option.yes"}
	optNo  = Option{Key: "training.option.no"}
)

// TrainingModules returns the modules doc supports, in reading order. A
// module whose quiz would have no question is left out.
func TrainingModules(doc *policy.Policy) []*TrainingModule {
	var out []*TrainingModule
	for _, m := range []*TrainingModule{definitionModule(doc), typesModule(doc), procedureModule(doc), staffAsCustomersModule(doc)} {
		if m != nil && len(m.pool) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// TrainingModuleFor returns the module key of doc; EINVALID naming field
// "module" when doc has no such module.
func TrainingModuleFor(doc *policy.Policy, key string) (*TrainingModule, error) {
	for _, m := range TrainingModules(doc) {
		if m.Key == key {
			return m, nil
		}
	}
	return nil, kasuhara.FieldError("module", "training.error.module")
}

func or(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

func typeName(t policy.Type) string { return strings.TrimSpace(t.Number + " " + t.Label) }

func definitionModule(doc *policy.Policy) *TrainingModule {
	m := &TrainingModule{Key: kasuhara.ModuleDefinition, TitleKey: "training.module.definition", quizSize: QuizLength}
	def := doc.Definition
	sec := ModuleSection{Heading: or(def.Heading, "定義"), Text: strings.TrimSpace(strings.Join([]string{def.Intro, def.Text, def.Outro}, "\n"))}
	for _, e := range def.Elements {
		sec.Items = append(sec.Items, e.Text)
	}
	m.Sections = append(m.Sections, sec)
	harassHeading := or(doc.Harassment.Heading, "カスタマーハラスメント")
	typesSec := ModuleSection{Heading: harassHeading, Text: doc.Harassment.Text}
	for _, t := range doc.Harassment.Types {
		typesSec.Items = append(typesSec.Items, typeName(t))
		examples := t.Examples
		if len(examples) == 0 {
			// Policies that list conduct without examples name it in the label.
			examples = []policy.Example{{ID: t.ID, Text: t.Label}}
		}
		for _, ex := range examples {
			m.pool = append(m.pool, Question{Kind: "is_harassment", Prompt: "training.q.is_harassment", Quote: ex.Text,
				Options: []Option{optYes, optNo}, Answer: 0, Explain: "training.explain.is_harassment", ExplainArg: []string{typeName(t)},
				Clause: ex.Text, Source: harassHeading + " — " + typeName(t)})
		}
	}
	m.Sections = append(m.Sections, typesSec)
	nh := doc.NotHarassment
	if nh.Text != "" || nh.DutyText != "" || len(nh.Examples) > 0 {
		nhHeading := or(nh.Heading, "カスタマーハラスメントに当たらないもの")
		s := ModuleSection{Heading: nhHeading, Text: strings.TrimSpace(nh.Text + "\n" + nh.DutyText)}
		for _, ex := range nh.Examples {
			s.Items = append(s.Items, ex.Text)
			m.pool = append(m.pool, Question{Kind: "is_harassment", Prompt: "training.q.is_harassment", Quote: ex.Text,
				Options: []Option{optYes, optNo}, Answer: 1, Explain: "training.explain.not_harassment",
				Clause: ex.Text, Source: nhHeading})
		}
		m.Sections = append(m.Sections, s)
	}
	return m
}

func typesModule(doc *policy.Policy) *TrainingModule {
	types := doc.Harassment.Types
	if len(types) < 2 {
		return nil
	}
	m := &TrainingModule{Key: kasuhara.ModuleTypes, TitleKey: "training.module.types", quizSize: QuizLength}
	heading := or(doc.Harassment.Heading, "カスタマーハラスメント")
	groups := doc.Harassment.Groups
	for i, t := range types {
		s := ModuleSection{Heading: typeName(t), Text: t.Note}
		if g := slices.IndexFunc(groups, func(g policy.Group) bool { return g.Axis == t.Axis }); len(t.Examples) == 0 && g >= 0 && len(groups) > 1 {
			// Without examples, the policy's groups (要求の妥当性・手段の相当性) are what to learn.
			opts := []Option{{Text: groups[g].Heading}}
			for j, o := range groups {
				if j != g {
					opts = append(opts, Option{Text: o.Heading})
				}
			}
			m.pool = append(m.pool, Question{Kind: "which_group", Prompt: "training.q.which_group", Quote: t.Label, Options: opts,
				Explain: "training.explain.which_group", ExplainArg: []string{groups[g].Heading}, Clause: groups[g].Heading + " " + typeName(t), Source: heading})
		}
		for _, ex := range t.Examples {
			s.Items = append(s.Items, ex.Text)
			m.pool = append(m.pool, Question{Kind: "which_type", Prompt: "training.q.which_type", Quote: ex.Text,
				Options: typeOptions(types, i), Explain: "training.explain.which_type", ExplainArg: []string{typeName(t)},
				Clause: ex.Text, Source: heading + " — " + typeName(t)})
		}
		m.Sections = append(m.Sections, s)
	}
	return m
}

// typeOptions lists every type's label with the right one first; the quiz
// picks distractors and shuffles when it asks.
func typeOptions(types []policy.Type, right int) []Option {
	out := []Option{{Text: typeName(types[right])}}
	for i, t := range types {
		if i != right {
			out = append(out, Option{Text: typeName(t)})
		}
	}
	return out
}

func procedureModule(doc *policy.Policy) *TrainingModule {
	m := &TrainingModule{Key: kasuhara.ModuleProcedure, TitleKey: "training.module.procedure", quizSize: QuizLength}
	pr := doc.Procedure
	heading := or(pr.Heading, "対応手順")
	if len(pr.Steps) > 0 || pr.Text != "" {
		s := ModuleSection{Heading: heading, Text: pr.Text}
		for _, st := range pr.Steps {
			s.Items = append(s.Items, strings.TrimSpace(st.Number+" "+st.Text))
		}
		m.Sections = append(m.Sections, s)
	}
	steps := pr.Steps
	for i := 0; i+1 < len(steps); i++ {
		opts := []Option{{Text: steps[i+1].Text}}
		for j, st := range steps {
			if j != i && j != i+1 {
				opts = append(opts, Option{Text: st.Text})
			}
		}
		if len(opts) < 2 {
			continue
		}
		m.pool = append(m.pool, Question{Kind: "next_step", Prompt: "training.q.next_step", Quote: steps[i].Text, Options: opts,
			Explain: "training.explain.next_step", Clause: strings.TrimSpace(steps[i+1].Number + " " + steps[i+1].Text), Source: heading})
	}
	for _, ch := range doc.Channels {
		label := or(ch.Label, ch.Channel)
		s := ModuleSection{Heading: label}
		own := map[string]bool{}
		for _, a := range ch.Actions {
			s.Items = append(s.Items, a.Text)
			own[a.Text] = true
		}
		m.Sections = append(m.Sections, s)
		var others []Option
		for _, o := range doc.Channels {
			for _, a := range o.Actions {
				if !own[a.Text] && !slices.Contains(others, Option{Text: a.Text}) {
					others = append(others, Option{Text: a.Text})
				}
			}
		}
		if len(others) == 0 {
			continue
		}
		for _, a := range ch.Actions {
			m.pool = append(m.pool, Question{Kind: "channel_action", Prompt: "training.q.channel_action", PromptArgs: []string{label},
				Options: append([]Option{{Text: a.Text}}, others...), Explain: "training.explain.channel_action", ExplainArg: []string{label},
				Clause: a.Text, Source: label})
		}
	}
	if len(doc.Scripts.Items) > 0 {
		s := ModuleSection{Heading: "対応フレーズ"}
		for _, sc := range doc.Scripts.Items {
			s.Items = append(s.Items, sc.Text)
		}
		m.Sections = append(m.Sections, s)
		stages := []string{"warning", "final_warning", "closing"}
		for _, sc := range doc.Scripts.Items {
			i := slices.Index(stages, sc.Stage)
			if i < 0 {
				continue
			}
			opts := []Option{{Key: "training.stage." + sc.Stage}}
			for _, st := range stages {
				if st != sc.Stage {
					opts = append(opts, Option{Key: "training.stage." + st})
				}
			}
			m.pool = append(m.pool, Question{Kind: "script_stage", Prompt: "training.q.script_stage", Quote: sc.Text, Options: opts,
				Explain: "training.explain.script_stage", Clause: sc.Text, Source: "scripts"})
		}
	}
	return m
}

func staffAsCustomersModule(doc *policy.Policy) *TrainingModule {
	sc := doc.StaffAsCustomers
	if sc.Open.Open || strings.TrimSpace(sc.Text) == "" {
		return nil
	}
	heading := or(sc.Heading, "自らが顧客等となる場合")
	return &TrainingModule{Key: kasuhara.ModuleStaffAsCustomers, TitleKey: "training.module.staff_as_customers", quizSize: 1,
		Sections: []ModuleSection{{Heading: heading, Text: sc.Text}},
		pool: []Question{{Kind: "acknowledge", Prompt: "training.q.acknowledge", Quote: sc.Text, Options: []Option{optYes, optNo},
			Explain: "training.explain.acknowledge", Clause: sc.Text, Source: heading}}}
}

// quizSeed derives the quiz's randomness from the module, the person, the
// policy version and the attempt: a reload shows the same quiz, a retake
// (the next attempt) another.
func quizSeed(module string, userID, versionID int64, attempt int) (uint64, uint64) {
	h := sha256.Sum256([]byte(fmt.Sprintf("kasuhara-quiz|%s|%d|%d|%d", module, userID, versionID, attempt)))
	return binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:16])
}

// Quiz returns the questions of m for one attempt: up to the module's quiz
// length, drawn from its pool, each with at most four options in an order
// of its own. The right answer's index is in Answer.
func (m *TrainingModule) Quiz(userID, versionID int64, attempt int) []Question {
	rng := rand.New(rand.NewPCG(quizSeed(m.Key, userID, versionID, attempt)))
	pool := slices.Clone(m.pool)
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	// Keep a "not harassment" question in when the pool has one, so the
	// quiz never teaches that every complaint is harassment.
	if i := slices.IndexFunc(pool, func(q Question) bool { return q.Kind == "is_harassment" && q.Answer == 1 }); i >= m.quizSize {
		pool[0], pool[i] = pool[i], pool[0]
	}
	pool = pool[:min(m.quizSize, len(pool))]
	out := make([]Question, len(pool))
	for k, q := range pool {
		right := q.Options[q.Answer]
		opts := slices.Clone(q.Options)
		if q.Kind != "is_harassment" && q.Kind != "acknowledge" {
			// The right option first, then three distractors at random.
			rest := slices.Clone(opts[1:])
			rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
			opts = append([]Option{opts[0]}, rest[:min(3, len(rest))]...)
			rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		}
		q.Options = opts
		q.Answer = slices.Index(opts, right)
		out[k] = q
	}
	return out
}

// TrainingView is one person's task with its module and, while the quiz is
// open, the questions of the next attempt.
type TrainingView struct {
	Task      *kasuhara.TrainingTask      `json:"task"`
	Module    *TrainingModule             `json:"module"`
	Version   *kasuhara.PolicyVersion     `json:"policy_version"`
	Attempt   int                         `json:"attempt"` // the attempt the questions are for
	Questions []Question                  `json:"questions"`
	Attempts  []*kasuhara.TrainingAttempt `json:"attempts"`
}

// QuizResult is a graded attempt with the right answers and explanations.
type QuizResult struct {
	Attempt   *kasuhara.TrainingAttempt `json:"attempt"`
	Questions []Question                `json:"questions"`
	Chosen    []int                     `json:"chosen"`
	Correct   []bool                    `json:"correct"`
}

// trainingTask returns task id for p: their own, or any in reach with training.report.
func (a *App) trainingTask(ctx context.Context, p *kasuhara.Principal, id int64, ownOnly bool) (*kasuhara.TrainingTask, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActTrainingTake, p.User.OrgID); err != nil {
		return nil, err
	}
	t, err := a.Store.FindTrainingTask(ctx, p.OrgIDs, id)
	if err != nil {
		return nil, err
	}
	if t.UserID != p.User.ID && (ownOnly || kasuhara.Authorize(p, kasuhara.ActTrainingReport, t.OrgID) != nil) {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	t.Overdue = t.IsOverdue(a.Now())
	return t, nil
}

func (a *App) moduleOf(ctx context.Context, t *kasuhara.TrainingTask) (*TrainingModule, *kasuhara.PolicyVersion, error) {
	v, err := a.Store.FindPolicyVersion(ctx, t.PolicyVersionID)
	if err != nil {
		return nil, nil, err
	}
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, nil, err
	}
	m, err := TrainingModuleFor(doc, t.Module)
	if err != nil {
		return nil, nil, err
	}
	return m, v, nil
}

// MyTraining lists p's own training tasks (training.take), earliest due first.
func (a *App) MyTraining(ctx context.Context, p *kasuhara.Principal) ([]*kasuhara.TrainingTask, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActTrainingTake, p.User.OrgID); err != nil {
		return nil, err
	}
	ts, err := a.Store.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: p.OrgIDs, UserID: &p.User.ID})
	now := a.Now()
	for _, t := range ts {
		t.Overdue = t.IsOverdue(now)
	}
	return ts, err
}

// Training returns p's task id with its module and the questions of the
// next attempt; the same questions until that attempt is submitted.
func (a *App) Training(ctx context.Context, p *kasuhara.Principal, id int64) (*TrainingView, error) {
	t, err := a.trainingTask(ctx, p, id, true)
	if err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActTrainingTake, target("training_task", id), err)
	}
	m, v, err := a.moduleOf(ctx, t)
	if err != nil {
		return nil, err
	}
	attempts, err := a.Store.ListTrainingAttempts(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	next := t.Attempts + 1
	return &TrainingView{Task: t, Module: m, Version: v, Attempt: next, Questions: m.Quiz(t.UserID, v.ID, next), Attempts: attempts}, nil
}

// SubmitQuiz grades p's answers to attempt of task id (training.take). The
// attempt must be the next one, so a form submitted twice is not graded
// twice (ECONFLICT); answers must name an option of every question.
func (a *App) SubmitQuiz(ctx context.Context, p *kasuhara.Principal, id int64, attempt int, answers []int) (*QuizResult, error) {
	t, err := a.trainingTask(ctx, p, id, true)
	if err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActTrainingTake, target("training_task", id), err)
	}
	if attempt != t.Attempts+1 {
		return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "training.error.stale", Message: "this quiz was already submitted"}
	}
	m, v, err := a.moduleOf(ctx, t)
	if err != nil {
		return nil, err
	}
	qs := m.Quiz(t.UserID, v.ID, attempt)
	if len(answers) != len(qs) {
		return nil, kasuhara.FieldError("q"+strconv.Itoa(min(len(answers), len(qs)-1)), "training.error.answer")
	}
	res := &QuizResult{Questions: qs, Chosen: answers, Correct: make([]bool, len(qs))}
	right := 0
	strs := make([]string, len(answers))
	for i, q := range qs {
		if answers[i] < 0 || answers[i] >= len(q.Options) {
			return nil, kasuhara.FieldError("q"+strconv.Itoa(i), "training.error.answer")
		}
		res.Correct[i] = answers[i] == q.Answer
		if res.Correct[i] {
			right++
		}
		strs[i] = strconv.Itoa(answers[i])
	}
	score := right * 100 / len(qs)
	at := &kasuhara.TrainingAttempt{TaskID: t.ID, Number: attempt, Score: score, Passed: score >= kasuhara.TrainingPassPercent, Answers: strings.Join(strs, ",")}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.RecordTrainingAttempt(ctx, at); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &t.OrgID, "training.attempt", target("training_task", t.ID), "ok",
			map[string]any{"module": t.Module, "attempt": attempt, "score": score, "passed": at.Passed})
	})
	if kasuhara.ErrorCode(err) == kasuhara.ECONFLICT {
		return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "training.error.stale", Message: "this quiz was already submitted"}
	}
	if err != nil {
		return nil, err
	}
	res.Attempt = at
	return res, nil
}

// Certificate is what the certificate of completion shows.
type Certificate struct {
	Task    *kasuhara.TrainingTask  `json:"task"`
	Org     *kasuhara.Organization  `json:"org"`
	Module  *TrainingModule         `json:"module"`
	Version *kasuhara.PolicyVersion `json:"policy_version"`
}

// TrainingCertificate returns the certificate of a completed task to its
// person, or to those with training.report; EINVALID while not completed.
func (a *App) TrainingCertificate(ctx context.Context, p *kasuhara.Principal, id int64) (*Certificate, error) {
	t, err := a.trainingTask(ctx, p, id, false)
	if err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActTrainingTake, target("training_task", id), err)
	}
	if t.CompletedAt == nil {
		return nil, &kasuhara.Error{Code: kasuhara.EINVALID, Key: "training.error.not_completed", Message: "not completed yet"}
	}
	m, v, err := a.moduleOf(ctx, t)
	if err != nil {
		return nil, err
	}
	org, err := a.Store.FindOrgByID(ctx, t.OrgID)
	if err != nil {
		return nil, err
	}
	return &Certificate{Task: t, Org: org, Module: m, Version: v}, nil
}

// AssignInput is an assignment to make.
type AssignInput struct {
	OrgID        int64  `json:"org_id"`
	Module       string `json:"module"`
	Target       string `json:"target"` // all, department, role
	DepartmentID *int64 `json:"department_id"`
	Role         string `json:"role"`
	DueOn        string `json:"due_on"` // YYYY-MM-DD
}

// AvailableModules returns the modules of orgID's policy in effect now, for
// those who assign training; ENOTFOUND when no policy is in effect.
func (a *App) AvailableModules(ctx context.Context, p *kasuhara.Principal, orgID int64) ([]*TrainingModule, *kasuhara.PolicyVersion, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActTrainingAssign, orgID); err != nil {
		return nil, nil, a.denied(ctx, p, kasuhara.ActTrainingAssign, target("org", orgID), err)
	}
	v, err := a.PolicyInEffect(ctx, orgID, a.Now())
	if err != nil {
		return nil, nil, err
	}
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, nil, err
	}
	return TrainingModules(doc), v, nil
}

// AssignTraining assigns a module of the policy in effect to every active
// user of a department, of a role or of the organization (training.assign).
func (a *App) AssignTraining(ctx context.Context, p *kasuhara.Principal, in AssignInput) (*kasuhara.TrainingAssignment, error) {
	if in.OrgID == 0 {
		in.OrgID = p.User.OrgID
	}
	if err := kasuhara.Authorize(p, kasuhara.ActTrainingAssign, in.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActTrainingAssign, target("org", in.OrgID), err)
	}
	now := a.Now()
	due, err := parseDay("due_on", in.DueOn, true)
	if err != nil {
		return nil, err
	}
	if due.Add(24 * time.Hour).Before(now) {
		return nil, kasuhara.FieldError("due_on", "training.error.past")
	}
	as := &kasuhara.TrainingAssignment{OrgID: in.OrgID, Module: in.Module, Target: in.Target, DueOn: *due, CreatedBy: p.User.ID}
	f := kasuhara.UserFilter{OrgID: in.OrgID, Limit: 500}
	switch in.Target {
	case kasuhara.TargetAll:
	case kasuhara.TargetDepartment:
		if in.DepartmentID == nil {
			return nil, kasuhara.FieldError("department_id", "error.field.required")
		}
		if _, err := a.Store.FindDepartment(ctx, in.OrgID, *in.DepartmentID); err != nil {
			return nil, kasuhara.FieldError("department_id", "error.field.unknown_department")
		}
		as.DepartmentID, f.DepartmentID = in.DepartmentID, in.DepartmentID
	case kasuhara.TargetRole:
		r := kasuhara.Role(in.Role)
		if !r.Valid() {
			return nil, kasuhara.FieldError("role", "error.field.role_unknown", in.Role)
		}
		as.Role, f.Role = r, r
	default:
		return nil, kasuhara.FieldError("target", "training.error.choice")
	}
	v, err := a.PolicyInEffect(ctx, in.OrgID, now)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, kasuhara.FieldError("module", "training.error.no_policy")
	} else if err != nil {
		return nil, err
	}
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, err
	}
	if _, err := TrainingModuleFor(doc, in.Module); err != nil {
		return nil, err
	}
	as.PolicyVersionID = v.ID
	var ids []int64
	for {
		us, total, err := a.Store.ListUsers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if !u.Disabled && u.OrgID == in.OrgID {
				ids = append(ids, u.ID)
			}
		}
		f.Offset += len(us)
		if len(us) == 0 || f.Offset >= total {
			break
		}
	}
	if len(ids) == 0 {
		return nil, kasuhara.FieldError("target", "training.error.nobody")
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateTrainingAssignment(ctx, as, ids); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &as.OrgID, "training.assign", target("training_assignment", as.ID), "ok",
			map[string]any{"module": as.Module, "target": as.Target, "department_id": as.DepartmentID, "role": as.Role, "due_on": in.DueOn, "people": len(ids)})
	})
	if err != nil {
		return nil, err
	}
	return as, nil
}

// TrainingReport is completion per assignment and person.
type TrainingReport struct {
	Assignments []*kasuhara.TrainingAssignment `json:"assignments"`
	Tasks       []*kasuhara.TrainingTask       `json:"tasks"`
}

// TrainingProgress returns every assignment of p's organizations with each
// person's completion and score (training.report).
func (a *App) TrainingProgress(ctx context.Context, p *kasuhara.Principal) (*TrainingReport, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActTrainingReport, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActTrainingReport, target("org", p.User.OrgID), err)
	}
	as, err := a.Store.ListTrainingAssignments(ctx, p.OrgIDs)
	if err != nil {
		return nil, err
	}
	ts, err := a.Store.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: p.OrgIDs})
	if err != nil {
		return nil, err
	}
	now := a.Now()
	for _, t := range ts {
		t.Overdue = t.IsOverdue(now)
	}
	return &TrainingReport{Assignments: as, Tasks: ts}, nil
}

// RemindOverdueTraining notifies everyone whose task is past its due day and
// who was not reminded yet, in p's organizations (training.assign), or in
// orgIDs for the system (p nil, a scheduled job). It returns how many were reminded.
func (a *App) RemindOverdueTraining(ctx context.Context, p *kasuhara.Principal, orgIDs []int64) (int, error) {
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActTrainingAssign, p.User.OrgID); err != nil {
			return 0, a.denied(ctx, p, kasuhara.ActTrainingAssign, target("org", p.User.OrgID), err)
		}
		orgIDs = p.OrgIDs
	}
	now := a.Now()
	// A task is overdue once its whole due day has passed.
	cutoff := now.Add(-24 * time.Hour)
	n := 0
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		ts, err := tx.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: orgIDs, DueBefore: &cutoff, NotReminded: true})
		if err != nil {
			return err
		}
		for _, t := range ts {
			if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: t.OrgID, Kind: "training_overdue", RecipientID: t.UserID}); err != nil {
				return err
			}
			if err := tx.MarkTrainingReminded(ctx, t.ID, now); err != nil {
				return err
			}
			n++
		}
		if p == nil && n == 0 {
			return nil // the scheduled sweep runs often; only reminders sent are worth an entry
		}
		var org *int64
		if len(orgIDs) == 1 || p != nil {
			org = &orgIDs[0]
		}
		return a.audit(ctx, tx, p, org, "training.remind", "", "ok", map[string]int{"reminded": n})
	})
	return n, err
}
