package demo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// callCenterSettings is what the demo call center (demo-call) decides on
// top of the group policy, so that live call assist has something to apply:
// threats and sexual harassment are reported at once, calls are limited to
// 30 minutes, and staff have a phrase for each stage. These are the demo's
// own decisions, not the preset's source.
const callCenterSettings = `
procedure:
  heading: お客さまへの対応
  text: カスタマーハラスメントと判断される言動等が認められた場合は、従業員を守るため毅然とした対応を行います。
  steps:
    - id: report-at-once
      actor: staff
      stage: initial
      notify: [supervisor]
      text: 脅迫や性的な言動があったときは、直ちに上長に報告します。通話の終了は担当者または上長が判断します。
      rules:
        - id: immediate-report
          kind: immediate_report
          notify: [supervisor]
          text: 脅迫・性的な言動は直ちに上長に報告します(デモ用の設定です)。
thresholds:
  call_minutes: {value: 30, note: デモ用の設定です。}
  persistence: {contacts: 5, days: 7, note: デモ用の設定です。}
  min_staff_face_to_face: {open: true, note: 原文に定めがありません。}
scripts:
  items:
    - {id: warn, stage: warning, text: これ以上そのようなご発言が続く場合は、対応を続けることができません。}
    - {id: final-warn, stage: final_warning, text: 先ほども申し上げましたが、同様のご発言が続く場合はこのお電話を終了させていただきます。}
    - {id: close-phone, stage: closing, channel: phone, text: 誠に恐れ入りますが、これ以上の対応はいたしかねますので、お電話を終了させていただきます。}
    - {id: close-chat, stage: closing, channel: chat, text: これ以上の対応はいたしかねますので、本チャットを終了いたします。}
`

// callCenterPhrases are words the demo call center has learnt to treat as
// threats though no general lexicon would: callers who note an operator's
// number to go after them.
var callCenterPhrases = map[string]string{
	"threat": "{phrases: [オペレーター番号を控えた, 担当者番号は控えた]}",
}

// immediateTypes are the demo call center's types reported at once.
var immediateTypes = map[string]bool{"threat": true, "sexual-harassment": true}

// callCenterPolicy applies callCenterSettings to the policy document root.
func callCenterPolicy(root *yaml.Node) error {
	var extra yaml.Node
	if err := yaml.Unmarshal([]byte(callCenterSettings), &extra); err != nil {
		return err
	}
	m := extra.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !setKey(root, m.Content[i].Value, m.Content[i+1]) {
			return fmt.Errorf("preset %s has no %s", policyPreset, m.Content[i].Value)
		}
	}
	types := lookup(lookup(root, "harassment"), "types")
	if types == nil {
		return fmt.Errorf("preset %s has no harassment types", policyPreset)
	}
	for _, t := range types.Content {
		id := lookup(t, "id")
		if id != nil && immediateTypes[id.Value] && lookup(t, "immediate_report") == nil {
			t.Content = append(t.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: "immediate_report"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		if id != nil && callCenterPhrases[id.Value] != "" && lookup(t, "detection") == nil {
			var det yaml.Node
			if err := yaml.Unmarshal([]byte(callCenterPhrases[id.Value]), &det); err != nil {
				return err
			}
			t.Content = append(t.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "detection"}, det.Content[0])
		}
	}
	return nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
