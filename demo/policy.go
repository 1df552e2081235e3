package demo

import (
	"bytes"
	"context"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/policy"
)

// policyPreset is the preset the demo organizations start from: a group
// policy written for a company and its subsidiaries, like the demo group.
const policyPreset = "sustainability-group-2024"

// PolicyEffective is the effective date of the demo policies, so that
// /p/demo/policy shows a policy in effect at once.
const PolicyEffective = "2025-04-01"

// demoContact is each demo organization's public contact (fictitious).
var demoContact = map[string]map[string]string{
	Slug:          {"label": "お客様相談室", "phone": "03-0000-0000", "email": "soudan@demo.example.jp", "hours": "平日 9:00〜17:00"},
	"demo-retail": {"label": "さくらリテール お客様窓口", "phone": "0120-000-000", "email": "support@retail.demo.example.jp", "hours": "10:00〜19:00(年末年始を除く)"},
	"demo-call":   {"label": "さくらコールサービス 品質管理室", "phone": "03-0000-0001", "email": "quality@call.demo.example.jp", "hours": "平日 9:00〜18:00"},
}

// loadPolicies publishes the demo policy for every demo organization that
// has none yet, so Load stays idempotent and also fills in policies on a demo
// database created before policies existed.
func loadPolicies(ctx context.Context, a *app.App) error {
	eff, err := app.ParseEffectiveDate("effective_from", PolicyEffective)
	if err != nil {
		return err
	}
	for _, spec := range append([]orgSpec{group}, subsidiaries...) {
		org, err := a.Store.FindOrgBySlug(ctx, spec.slug)
		if err != nil {
			return fmt.Errorf("demo policy %s: %w", spec.slug, err)
		}
		vs, err := a.Store.ListPolicyVersions(ctx, org.ID)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			continue
		}
		src, err := demoPolicy(spec)
		if err != nil {
			return fmt.Errorf("demo policy %s: %w", spec.slug, err)
		}
		_, err = a.PublishPolicy(ctx, nil, app.PolicyPublish{OrgID: org.ID, Source: src, EffectiveFrom: eff,
			ApprovedBy: "取締役会", Note: "ひな形 " + policyPreset + " から作成"})
		if err != nil {
			return fmt.Errorf("demo policy %s: %w (%v)", spec.slug, err, app.LintDiagnostics(err))
		}
	}
	return nil
}

// demoPolicy is the preset with the organization, its contact and the
// enactment filled in, edited as a YAML tree so the preset's text and
// comments stay as they are.
func demoPolicy(spec orgSpec) ([]byte, error) {
	src, err := policy.Preset(policyPreset)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	org := map[string]any{"name": spec.name, "representative": "代表取締役社長 桜井 一郎", "contact": demoContact[spec.slug]}
	if spec.slug != Slug {
		org["group"] = group.name + " グループ"
		org["representative"] = "代表取締役"
	}
	enactment := map[string]any{"enacted": PolicyEffective, "approved_by": "取締役会"}
	for key, value := range map[string]any{"organization": org, "enactment": enactment, "id": "demo-" + spec.slug} {
		var n yaml.Node
		if err := n.Encode(value); err != nil {
			return nil, err
		}
		if !setKey(doc.Content[0], key, &n) {
			return nil, fmt.Errorf("preset %s has no %s", policyPreset, key)
		}
	}
	if err := demoRetention(doc.Content[0]); err != nil {
		return nil, err
	}
	if spec.slug == "demo-call" {
		if err := callCenterPolicy(doc.Content[0]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// setKey replaces the value of key in a mapping node.
func setKey(m *yaml.Node, key string, value *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return true
		}
	}
	return false
}

// demoRetentionPeriods are the demo's retention periods: recordings kept for
// three months as many municipalities do, the rest for years. The preset
// leaves them open, as its source does.
const demoRetentionPeriods = `
- {kind: call_recording, period: 3m}
- {kind: call_transcript, period: 3m}
- {kind: video, period: 3m}
- {kind: email, period: 1y}
- {kind: case, period: 3y}
- {kind: consultation, period: 3y}
`

// demoRetention fills in records.retention so the retention job has
// something to enforce in the demo.
func demoRetention(root *yaml.Node) error {
	var periods yaml.Node
	if err := yaml.Unmarshal([]byte(demoRetentionPeriods), &periods); err != nil {
		return err
	}
	records := lookup(root, "records")
	if records == nil || !setKey(records, "retention", periods.Content[0]) {
		return fmt.Errorf("preset %s has no records.retention", policyPreset)
	}
	return nil
}
