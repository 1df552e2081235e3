package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// check runs the rules that need the whole decoded policy: references
// between parts, uniqueness, dates and thresholds.
func check(p *Policy, pos positions) []Diagnostic {
	c := &checker{pos: pos, ids: map[string]string{}}
	c.run(p)
	return c.diags
}

type checker struct {
	pos   positions
	diags []Diagnostic
	ids   map[string]string // example and type ids → first path, shared because Facts names them in one list
}

func (c *checker) add(path, key string, args ...any) {
	at := c.at(path)
	c.diags = append(c.diags, Diagnostic{Line: at[0], Column: at[1], Path: path, Key: key, Args: args})
}

// at finds the nearest recorded position, walking up the path so a missing
// key is reported at its parent.
func (c *checker) at(path string) [2]int {
	for path != "" {
		if p, ok := c.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return [2]int{1, 1}
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (c *checker) id(path, id string) {
	if id != "" && !idRE.MatchString(id) {
		c.add(path, "policy.lint.bad_id", id)
	}
}

// unique reports a repeated id within one namespace.
func (c *checker) unique(seen map[string]string, path, id string) {
	c.id(path, id)
	if id == "" {
		return
	}
	if first, dup := seen[id]; dup {
		c.add(path, "policy.lint.duplicate_id", id, first)
		return
	}
	seen[id] = path
}

func (c *checker) run(p *Policy) {
	if p.Format != "" && p.Format != FormatVersion {
		c.add("format", "policy.lint.format_version", p.Format, FormatVersion)
	}
	c.id("id", p.ID)
	c.dates(p)

	roles := map[string]bool{}
	for _, r := range BuiltinRoles {
		roles[r] = true
	}
	seenRoles := map[string]string{}
	for i, r := range p.Roles {
		path := fmt.Sprintf("roles[%d].id", i)
		c.unique(seenRoles, path, r.ID)
		if contains(BuiltinRoles, r.ID) {
			c.add(path, "policy.lint.builtin_role", r.ID)
		}
		roles[r.ID] = true
	}
	role := func(path, r string) {
		if !roles[r] {
			c.add(path, "policy.lint.unknown_role", r, strings.Join(roleNames(p), ", "))
		}
	}

	seenSections := map[string]string{}
	for i, s := range p.Preamble {
		c.unique(seenSections, fmt.Sprintf("preamble[%d].id", i), s.ID)
	}
	for i, s := range p.Closing {
		c.unique(seenSections, fmt.Sprintf("closing[%d].id", i), s.ID)
	}

	if p.Definition.Text == "" && len(p.Definition.Elements) == 0 {
		c.add("definition.text", "policy.lint.required", "text")
	}
	if p.Definition.Model == ModelThreeElements && len(p.Definition.Elements) == 0 {
		c.add("definition.elements", "policy.lint.elements_required")
	}
	seenEl := map[string]string{}
	for i, e := range p.Definition.Elements {
		c.unique(seenEl, fmt.Sprintf("definition.elements[%d].id", i), e.ID)
	}

	for i, e := range p.NotHarassment.Examples {
		c.unique(c.ids, fmt.Sprintf("not_harassment.examples[%d].id", i), e.ID)
	}
	if p.NotHarassment.DutyToRespondSincerely && p.NotHarassment.DutyText == "" {
		c.add("not_harassment.duty_text", "policy.lint.required", "duty_text")
	}
	c.types(p)
	c.procedure(p, role)

	seenCh := map[string]string{}
	seenAct := map[string]string{}
	for i, ch := range p.Channels {
		path := fmt.Sprintf("channels[%d].channel", i)
		if first, dup := seenCh[ch.Channel]; dup {
			c.add(path, "policy.lint.duplicate_id", ch.Channel, first)
		} else {
			seenCh[ch.Channel] = path
		}
		for j, a := range ch.Actions {
			c.unique(seenAct, fmt.Sprintf("channels[%d].actions[%d].id", i, j), a.ID)
		}
	}
	seenSan := map[string]string{}
	for i, s := range p.Sanctions.Measures {
		c.unique(seenSan, fmt.Sprintf("sanctions.measures[%d].id", i), s.ID)
		for j, r := range s.ApprovedBy {
			role(fmt.Sprintf("sanctions.measures[%d].approved_by[%d]", i, j), r)
		}
	}
	if p.Structure.Desk.Role != "" {
		role("structure.desk.role", p.Structure.Desk.Role)
	}
	seenItems := map[string]string{}
	for i, it := range p.Records.Items {
		c.unique(seenItems, fmt.Sprintf("records.items[%d].id", i), it.ID)
	}
	for i, it := range p.Structure.Items {
		c.unique(seenItems, fmt.Sprintf("structure.items[%d].id", i), it.ID)
	}
	for i, it := range p.StaffCare.Items {
		c.unique(seenItems, fmt.Sprintf("staff_care.items[%d].id", i), it.ID)
	}
	seenRet := map[string]string{}
	for i, r := range p.Records.Retention {
		path := fmt.Sprintf("records.retention[%d]", i)
		if first, dup := seenRet[r.Kind]; dup {
			c.add(path+".kind", "policy.lint.duplicate_id", r.Kind, first)
		} else {
			seenRet[r.Kind] = path + ".kind"
		}
		c.openValue(path, r.Period != "", r.Open.Open)
		if r.Period != "" {
			if _, ok := ParsePeriod(r.Period); !ok {
				c.add(path+".period", "policy.lint.bad_period", r.Period)
			}
		}
	}
	c.thresholds(p)
	seenScripts := map[string]string{}
	for i, s := range p.Scripts.Items {
		c.unique(seenScripts, fmt.Sprintf("scripts.items[%d].id", i), s.ID)
	}
}

func roleNames(p *Policy) []string {
	out := append([]string(nil), BuiltinRoles...)
	for _, r := range p.Roles {
		out = append(out, r.ID)
	}
	return out
}

func (c *checker) dates(p *Policy) {
	e := p.Enactment
	if e.Enacted == "" && !e.Open.Open {
		c.add("enactment.enacted", "policy.lint.enacted_missing")
	}
	prev, prevPath := time.Time{}, ""
	check := func(path string, d Date) {
		t, ok := d.Time()
		if !ok {
			c.add(path, "policy.lint.bad_date", string(d))
			return
		}
		if !prev.IsZero() && t.Before(prev) {
			c.add(path, "policy.lint.date_order", string(d), prevPath)
		}
		prev, prevPath = t, path
	}
	if e.Enacted != "" {
		check("enactment.enacted", e.Enacted)
	}
	for i, d := range e.Revised {
		check(fmt.Sprintf("enactment.revised[%d]", i), d)
	}
}

// Time parses the date; a month-only date is the first of the month.
func (d Date) Time() (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "2006-01"} {
		if t, err := time.Parse(layout, string(d)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (c *checker) types(p *Policy) {
	h := p.Harassment
	if len(h.Types) == 0 {
		c.add("harassment.types", "policy.lint.no_types")
	}
	seenAxis := map[string]string{}
	for i, g := range h.Groups {
		path := fmt.Sprintf("harassment.groups[%d].axis", i)
		if first, dup := seenAxis[g.Axis]; dup {
			c.add(path, "policy.lint.duplicate_id", g.Axis, first)
		} else {
			seenAxis[g.Axis] = path
		}
	}
	numbers := map[string]string{}
	for i, t := range h.Types {
		path := fmt.Sprintf("harassment.types[%d]", i)
		c.unique(c.ids, path+".id", t.ID)
		if t.Number != "" {
			if first, dup := numbers[t.Number]; dup {
				c.add(path+".number", "policy.lint.duplicate_number", t.Number, first)
			} else {
				numbers[t.Number] = path + ".number"
			}
		}
		if len(t.Codes) == 0 {
			c.add(path+".codes", "policy.lint.no_codes", t.ID)
		}
		codes := map[string]bool{}
		for j, code := range t.Codes {
			cp := fmt.Sprintf("%s.codes[%d]", path, j)
			if !code.Valid() {
				c.add(cp, "policy.lint.unknown_code", string(code))
			}
			if codes[string(code)] {
				c.add(cp, "policy.lint.duplicate_code", string(code), t.ID)
			}
			codes[string(code)] = true
		}
		for j, e := range t.Examples {
			c.unique(c.ids, fmt.Sprintf("%s.examples[%d].id", path, j), e.ID)
		}
		// A blank phrase would be dropped silently and a repeated one is
		// usually a copy-paste slip; both are worth a line number.
		phrases := map[string]bool{}
		for j, ph := range t.Detection.Phrases {
			pp := fmt.Sprintf("%s.detection.phrases[%d]", path, j)
			ph = strings.TrimSpace(ph)
			if ph == "" {
				c.add(pp, "policy.lint.required", "phrase")
				continue
			}
			if phrases[ph] {
				c.add(pp, "policy.lint.duplicate_key", ph)
			}
			phrases[ph] = true
		}
		if len(h.Groups) > 0 {
			if _, ok := seenAxis[t.Axis]; !ok && t.Axis != "" {
				c.add(path+".axis", "policy.lint.axis_without_group", t.Axis)
			}
		}
	}
}

func (c *checker) procedure(p *Policy, role func(path, r string)) {
	seenSteps := map[string]string{}
	seenRules := map[string]string{}
	hasImmediate := false
	for i, s := range p.Procedure.Steps {
		path := fmt.Sprintf("procedure.steps[%d]", i)
		c.unique(seenSteps, path+".id", s.ID)
		if s.Actor != "" {
			role(path+".actor", s.Actor)
		}
		for j, r := range s.Notify {
			role(fmt.Sprintf("%s.notify[%d]", path, j), r)
		}
		for j, r := range s.Rules {
			rp := fmt.Sprintf("%s.rules[%d]", path, j)
			c.unique(seenRules, rp+".id", r.ID)
			for k, n := range r.Notify {
				role(fmt.Sprintf("%s.notify[%d]", rp, k), n)
			}
			for k, ch := range r.Channels {
				c.channel(fmt.Sprintf("%s.channels[%d]", rp, k), ch)
			}
			for k, ch := range r.ExceptChannels {
				c.channel(fmt.Sprintf("%s.except_channels[%d]", rp, k), ch)
			}
			switch r.Kind {
			case "immediate_report", "escalation":
				if len(r.Notify) == 0 {
					c.add(rp+".notify", "policy.lint.notify_required", r.ID)
				}
				hasImmediate = hasImmediate || r.Kind == "immediate_report"
			case "min_staff":
				if r.Min < 0 {
					c.add(rp+".min", "policy.lint.not_positive", r.Min)
				}
				if r.Min == 0 && p.Thresholds.MinStaffFaceToFace.Value == 0 {
					c.add(rp+".min", "policy.lint.min_staff_missing", r.ID)
				}
			}
		}
	}
	for i, t := range p.Harassment.Types {
		if t.ImmediateReport && !hasImmediate {
			c.add(fmt.Sprintf("harassment.types[%d].immediate_report", i), "policy.lint.no_immediate_rule", t.ID)
			break
		}
	}
}

func (c *checker) channel(path, ch string) {
	if !contains(Channels, ch) {
		c.add(path, "policy.lint.enum", ch, strings.Join(Channels, ", "))
	}
}

// openValue reports a value that is both given and marked open, which would
// leave readers unsure which one holds.
func (c *checker) openValue(path string, hasValue, open bool) {
	if hasValue && open {
		c.add(path, "policy.lint.value_and_open")
	}
}

func (c *checker) thresholds(p *Policy) {
	t := p.Thresholds
	for _, x := range []struct {
		path string
		th   Threshold
	}{{"thresholds.call_minutes", t.CallMinutes}, {"thresholds.min_staff_face_to_face", t.MinStaffFaceToFace}} {
		c.openValue(x.path, x.th.Value != 0, x.th.Open.Open)
		if x.th.Value < 0 {
			c.add(x.path+".value", "policy.lint.not_positive", x.th.Value)
		}
	}
	ps := t.Persistence
	c.openValue("thresholds.persistence", ps.Contacts != 0 || ps.Days != 0, ps.Open.Open)
	if ps.Contacts < 0 || ps.Days < 0 || (ps.Contacts > 0) != (ps.Days > 0) {
		c.add("thresholds.persistence", "policy.lint.persistence_pair")
	}
}

// ParsePeriod reads a retention period such as 30d, 3m or 1y and returns it
// in days (a month counts as 30, a year as 365); ok is false otherwise.
func ParsePeriod(s string) (days int, ok bool) {
	if len(s) < 2 {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != s[:len(s)-1] {
		return 0, false
	}
	switch s[len(s)-1] {
	case 'd':
		return n, true
	case 'm':
		return n * 30, true
	case 'y':
		return n * 365, true
	}
	return 0, false
}

func sortDiags(d []Diagnostic) {
	sort.SliceStable(d, func(i, j int) bool {
		if d[i].Line != d[j].Line {
			return d[i].Line < d[j].Line
		}
		return d[i].Column < d[j].Column
	})
}
