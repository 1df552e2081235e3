package policy

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	kasuhara "github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
)

// View selects the audience of a rendering.
type View string

// Views.
const (
	// Public is the page published to customers (/p/{org}/policy), structured like the source.
	Public View = "public"
	// Handbook is the staff view: definition, types with examples, steps, scripts, whom to call.
	Handbook View = "handbook"
)

// RenderOptions choose the language of labels and the view. The policy's own
// text is never translated.
type RenderOptions struct {
	Lang string // ja (default) or en
	View View   // Public (default) or Handbook
	// Fragment renders only the <article> without <html>, <head> and the
	// stylesheet, for embedding in a server layout that supplies its own.
	Fragment bool
}

func (o RenderOptions) norm() RenderOptions {
	if !i18n.Supported(o.Lang) {
		o.Lang = i18n.Default
	}
	if o.View != Handbook {
		o.View = Public
	}
	return o
}

// doc is a rendering-neutral outline, built once from the policy and written
// out as HTML or Markdown, so both formats always carry the same content.
type doc struct {
	Lang, Title, Subtitle string
	Blocks                []block
}

type block struct {
	ID      string
	Level   int // 2 or 3
	Heading string
	Paras   []string
	Items   []item
	Ordered bool
	Pairs   []pair
}

type item struct {
	Lead string // bold prefix, e.g. a number or a channel
	Text string
	Tags []string // small labels, e.g. standard codes
	Sub  []string
}

type pair struct{ Key, Value string }

func (o RenderOptions) t(key string, args ...any) string { return i18n.T(o.Lang, key, args...) }

func build(p *Policy, o RenderOptions) doc {
	d := doc{Lang: o.Lang, Title: p.Title}
	d.Subtitle = p.Organization.Name
	if o.View == Handbook {
		d.Subtitle = o.t("policy.label.handbook") + " — " + p.Organization.Name
	}
	add := func(b block) {
		if b.Level == 0 {
			b.Level = 2
		}
		if len(b.Paras) > 0 || len(b.Items) > 0 || len(b.Pairs) > 0 {
			d.Blocks = append(d.Blocks, b)
		}
	}
	head := func(own, key string) string {
		if own != "" {
			return own
		}
		return o.t(key)
	}
	public := o.View == Public

	if public {
		for _, s := range p.Preamble {
			add(block{ID: s.ID, Heading: s.Heading, Paras: paras(s.Text)})
		}
	}
	def := p.Definition
	b := block{ID: "definition", Heading: head(def.Heading, "policy.label.definition"), Paras: paras(def.Intro, def.Text), Ordered: true}
	if !public {
		b.Heading = o.t("policy.label.definition")
		b.Paras = paras(firstNonEmpty(def.Text, def.Intro))
	}
	for _, e := range def.Elements {
		b.Items = append(b.Items, item{Text: e.Text})
	}
	if !public && len(def.BasedOn) > 0 {
		b.Pairs = append(b.Pairs, pair{o.t("policy.label.based_on"), strings.Join(def.BasedOn, "、")})
	}
	add(b)
	if public || len(def.Elements) > 0 {
		add(block{ID: "definition-outro", Level: 3, Paras: paras(def.Outro)})
	}

	nh := p.NotHarassment
	b = block{ID: "not-harassment", Heading: head(nh.Heading, "policy.label.not_harassment"), Paras: paras(nh.Text)}
	if !public {
		b.Heading = o.t("policy.label.not_harassment")
	}
	if nh.DutyText != "" && (public && nh.Heading != "" || !public) {
		b.Paras = append(b.Paras, paras(nh.DutyText)...)
	}
	situation := ""
	for _, e := range nh.Examples {
		it := item{Text: e.Text}
		if e.Situation != situation {
			it.Lead, situation = e.Situation, e.Situation
		}
		b.Items = append(b.Items, it)
	}
	if public && nh.Heading == "" {
		b.Paras = nil // the source has no such section; the duty is quoted elsewhere in its own text
		b.Items = nil
	}
	add(b)

	h := p.Harassment
	b = block{ID: "harassment", Heading: head(h.Heading, "policy.label.harassment"), Paras: paras(h.Text)}
	if !public {
		b.Heading = o.t("policy.label.harassment")
	}
	add(b)
	typeItem := func(t Type) item {
		it := item{Lead: t.Number, Text: t.Label}
		for _, e := range t.Examples {
			it.Sub = append(it.Sub, e.Text)
		}
		if !public {
			for _, c := range t.Codes {
				it.Tags = append(it.Tags, codeLabel(o, c))
			}
			if t.ImmediateReport {
				it.Tags = append(it.Tags, o.t("policy.label.immediate_report"))
			}
		}
		return it
	}
	grouped := map[string]bool{}
	for _, g := range h.Groups {
		gb := block{Level: 3, Heading: g.Heading, ID: "axis-" + g.Axis}
		if !public {
			gb.Heading = o.t("policy.axis." + g.Axis)
		}
		for _, t := range h.Types {
			if t.Axis == g.Axis {
				gb.Items = append(gb.Items, typeItem(t))
			}
		}
		grouped[g.Axis] = true
		add(gb)
	}
	rest := block{Level: 3, ID: "types"}
	for _, t := range h.Types {
		if !grouped[t.Axis] {
			rest.Items = append(rest.Items, typeItem(t))
		}
	}
	add(rest)

	if !public {
		add(stepsBlock(p, o))
		add(channelsBlock(p, o, head))
		add(scriptsBlock(p, o))
		add(whomBlock(p, o))
		add(thresholdsBlock(p, o))
	} else {
		add(stepsBlock(p, o))
		add(channelsBlock(p, o, head))
	}
	add(sanctionsBlock(p, o, head))
	add(recordsBlock(p, o, head))
	if public {
		add(externalBlock(p, o, head))
	}
	add(structureBlock(p, o, head))
	b = block{ID: "staff-care", Heading: head(p.StaffCare.Heading, "policy.label.staff_care")}
	for _, it := range p.StaffCare.Items {
		b.Items = append(b.Items, item{Text: it.Text})
	}
	if public && p.StaffCare.Heading != "" && p.StaffCare.Heading == p.Structure.Heading {
		b.Heading = ""
		b.Level = 3
	}
	add(b)
	sc := p.StaffAsCustomers
	add(block{ID: "staff-as-customers", Heading: head(sc.Heading, "policy.label.staff_as_customers"), Paras: paras(sc.Text)})
	if public {
		for _, s := range p.Closing {
			add(block{ID: s.ID, Heading: s.Heading, Paras: paras(s.Text)})
		}
	}
	add(footerBlock(p, o))
	if !public {
		add(openBlock(p, o))
	}
	return d
}

func codeLabel(o RenderOptions, c kasuhara.BehaviourCode) string {
	if o.Lang == "ja" {
		return kasuhara.BehaviourLabelsJA[c]
	}
	return string(c)
}

func (o RenderOptions) role(p *Policy, id string) string {
	for _, r := range p.Roles {
		if r.ID == id {
			return r.Label
		}
	}
	return o.t("policy.role." + id)
}

func (o RenderOptions) roles(p *Policy, ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, o.role(p, id))
	}
	return strings.Join(out, o.t("policy.label.list_sep"))
}

func stepsBlock(p *Policy, o RenderOptions) block {
	pr := p.Procedure
	// The source's own numbering (①…) replaces list numbers where it exists.
	b := block{ID: "procedure", Heading: pr.Heading, Paras: paras(pr.Text), Ordered: len(pr.Steps) > 0 && pr.Steps[0].Number == ""}
	if b.Heading == "" || o.View == Handbook {
		b.Heading = o.t("policy.label.procedure")
	}
	for _, s := range pr.Steps {
		it := item{Lead: s.Number, Text: s.Text}
		if o.View == Public {
			for _, r := range s.Rules {
				if !strings.Contains(s.Text, r.Text) && r.Kind != "report_form" {
					it.Sub = append(it.Sub, r.Text)
				}
				if r.Kind == "report_form" {
					it.Sub = append(it.Sub, r.Text)
				}
			}
			b.Items = append(b.Items, it)
			continue
		}
		it.Tags = append(it.Tags, o.t("policy.label.actor", o.role(p, s.Actor)))
		if s.Stage != "" {
			it.Tags = append(it.Tags, o.t("policy.stage."+s.Stage))
		}
		if len(s.Notify) > 0 {
			it.Tags = append(it.Tags, o.t("policy.label.notify", o.roles(p, s.Notify)))
		}
		if s.Form != "" {
			it.Tags = append(it.Tags, o.t("policy.label.form", s.Form))
		}
		for _, r := range s.Rules {
			line := "[" + o.t("policy.rule."+r.Kind) + "] " + r.Text
			var extra []string
			if len(r.Notify) > 0 {
				extra = append(extra, o.t("policy.label.notify", o.roles(p, r.Notify)))
			}
			if len(r.ExceptChannels) > 0 {
				extra = append(extra, o.t("policy.label.except", channelNames(o, r.ExceptChannels)))
			}
			if len(r.Channels) > 0 {
				extra = append(extra, o.t("policy.label.only", channelNames(o, r.Channels)))
			}
			if len(extra) > 0 {
				line += "(" + strings.Join(extra, o.t("policy.label.list_sep")) + ")"
			}
			it.Sub = append(it.Sub, line)
		}
		b.Items = append(b.Items, it)
	}
	return b
}

func channelNames(o RenderOptions, chs []string) string {
	var out []string
	for _, c := range chs {
		out = append(out, o.t("policy.channel."+c))
	}
	return strings.Join(out, o.t("policy.label.list_sep"))
}

func channelsBlock(p *Policy, o RenderOptions, head func(string, string) string) block {
	b := block{ID: "channels", Heading: o.t("policy.label.channels")}
	if o.View == Public && p.Sanctions.Heading != "" && len(p.Channels) > 0 {
		b.Heading = p.Sanctions.Heading
		b.Paras = paras(p.Sanctions.Text)
	}
	for _, ch := range p.Channels {
		label := ch.Label
		if label == "" || o.View == Handbook {
			label = o.t("policy.channel." + ch.Channel)
		}
		var texts []string
		for _, a := range ch.Actions {
			t := a.Text
			if o.View == Handbook && a.Stage != "" {
				t = "[" + o.t("policy.stage."+a.Stage) + "] " + t
			}
			texts = append(texts, t)
		}
		b.Items = append(b.Items, item{Lead: label, Text: strings.Join(texts, "・")})
	}
	return b
}

func scriptsBlock(p *Policy, o RenderOptions) block {
	b := block{ID: "scripts", Heading: o.t("policy.label.scripts")}
	for _, stage := range []string{StageWarning, StageFinalWarning, StageClosing} {
		for _, s := range p.Scripts.Items {
			if s.Stage != stage {
				continue
			}
			ch := o.t("policy.label.any_channel")
			if s.Channel != "" {
				ch = o.t("policy.channel." + s.Channel)
			}
			b.Items = append(b.Items, item{Lead: o.t("policy.stage." + stage), Text: "「" + strings.Trim(s.Text, "「」") + "」", Tags: []string{ch}})
		}
	}
	return b
}

func whomBlock(p *Policy, o RenderOptions) block {
	b := block{ID: "whom-to-call", Heading: o.t("policy.label.whom_to_call")}
	for _, s := range p.Procedure.Steps {
		for _, r := range s.Rules {
			if (r.Kind == "immediate_report" || r.Kind == "escalation") && len(r.Notify) > 0 {
				b.Items = append(b.Items, item{Lead: o.roles(p, r.Notify), Text: r.Text})
			}
		}
	}
	if c := contactText(o, p.Structure.Desk.Contact); c != "" {
		b.Items = append(b.Items, item{Lead: o.t("policy.label.desk"), Text: c})
	}
	for _, pt := range p.External.Partners {
		b.Items = append(b.Items, item{Lead: o.t("policy.partner." + pt.Kind), Text: pt.When})
	}
	return b
}

func thresholdsBlock(p *Policy, o RenderOptions) block {
	b := block{ID: "thresholds", Heading: o.t("policy.label.thresholds")}
	th := p.Thresholds
	val := func(open bool, s string) string {
		if open || s == "" {
			return o.t("policy.label.open")
		}
		return s
	}
	cm := ""
	if th.CallMinutes.Value > 0 {
		cm = o.t("policy.value.minutes", th.CallMinutes.Value)
	}
	ps := ""
	if th.Persistence.Contacts > 0 {
		ps = o.t("policy.value.persistence", th.Persistence.Days, th.Persistence.Contacts)
	}
	ms := ""
	if th.MinStaffFaceToFace.Value > 0 {
		ms = o.t("policy.value.staff", th.MinStaffFaceToFace.Value)
	}
	b.Pairs = []pair{
		{o.t("policy.label.call_minutes"), val(th.CallMinutes.Open.Open, cm)},
		{o.t("policy.label.persistence"), val(th.Persistence.Open.Open, ps)},
		{o.t("policy.label.min_staff"), val(th.MinStaffFaceToFace.Open.Open, ms)},
	}
	return b
}

func sanctionsBlock(p *Policy, o RenderOptions, head func(string, string) string) block {
	s := p.Sanctions
	b := block{ID: "sanctions", Heading: head(s.Heading, "policy.label.sanctions"), Paras: paras(s.Text)}
	if o.View == Public {
		if len(p.Channels) > 0 {
			return block{} // already shown with the channel actions, as in the source
		}
		if s.Heading == p.External.Heading && s.Heading != "" {
			b.Paras = paras(s.Text, externalText(p))
		}
		return b
	}
	b.Heading = o.t("policy.label.sanctions")
	b.Paras = nil
	for _, m := range s.Measures {
		it := item{Lead: o.t("policy.sanction." + m.Kind), Text: m.Text}
		if len(m.ApprovedBy) > 0 {
			it.Tags = append(it.Tags, o.t("policy.label.approvers", o.roles(p, m.ApprovedBy)))
		} else if m.Open.Open {
			it.Tags = append(it.Tags, o.t("policy.label.approvers", o.t("policy.label.open")))
		}
		b.Items = append(b.Items, it)
	}
	return b
}

func externalText(p *Policy) string {
	var seen []string
	for _, pt := range p.External.Partners {
		if !contains(seen, pt.Text) {
			seen = append(seen, pt.Text)
		}
	}
	return strings.Join(seen, "\n")
}

func externalBlock(p *Policy, o RenderOptions, head func(string, string) string) block {
	e := p.External
	if e.Heading != "" && e.Heading == p.Sanctions.Heading && len(p.Channels) == 0 {
		return block{} // printed with the sanctions, as in the source
	}
	return block{ID: "external", Heading: head(e.Heading, "policy.label.external"), Paras: paras(externalText(p))}
}

func recordsBlock(p *Policy, o RenderOptions, head func(string, string) string) block {
	r := p.Records
	b := block{ID: "records", Heading: head(r.Heading, "policy.label.records")}
	for _, it := range r.Items {
		b.Items = append(b.Items, item{Text: it.Text})
	}
	if o.View == Handbook {
		b.Heading = o.t("policy.label.records")
		for _, rt := range r.Retention {
			v := rt.Period
			if v == "" {
				v = o.t("policy.label.open")
			}
			b.Pairs = append(b.Pairs, pair{o.t("policy.label.retention", o.t("policy.record."+rt.Kind)), v})
		}
	}
	return b
}

func structureBlock(p *Policy, o RenderOptions, head func(string, string) string) block {
	s := p.Structure
	b := block{ID: "structure", Heading: head(s.Heading, "policy.label.structure")}
	if o.View == Handbook {
		b.Heading = o.t("policy.label.structure")
	}
	desk := s.Desk.Text
	for _, it := range s.Items {
		b.Items = append(b.Items, item{Text: it.Text})
		if it.Kind == "diagram" && desk != "" {
			b.Items = append(b.Items, item{Text: desk, Sub: nonEmpty(contactText(o, s.Desk.Contact))})
			desk = ""
		}
	}
	if desk != "" {
		b.Items = append([]item{{Text: desk, Sub: nonEmpty(contactText(o, s.Desk.Contact))}}, b.Items...)
	}
	return b
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func contactText(o RenderOptions, c Contact) string {
	var parts []string
	if c.Label != "" && c.Person != "" {
		parts = append(parts, c.Label+": "+c.Person)
	} else if c.Person != "" {
		parts = append(parts, c.Person)
	}
	for _, kv := range []pair{{"", c.PostalCode}, {"", c.Address}, {"policy.label.phone", c.Phone}, {"policy.label.email", c.Email}, {"", c.Hours}} {
		if kv.Value == "" {
			continue
		}
		if kv.Key == "" {
			parts = append(parts, kv.Value)
		} else {
			parts = append(parts, o.t(kv.Key)+": "+kv.Value)
		}
	}
	return strings.Join(parts, " / ")
}

func footerBlock(p *Policy, o RenderOptions) block {
	b := block{ID: "enactment", Heading: o.t("policy.label.enactment")}
	e := p.Enactment
	if e.Enacted != "" {
		b.Pairs = append(b.Pairs, pair{o.t("policy.label.enacted"), formatDate(o, e.Enacted)})
	}
	for _, r := range e.Revised {
		b.Pairs = append(b.Pairs, pair{o.t("policy.label.revised"), formatDate(o, r)})
	}
	if e.ApprovedBy != "" {
		b.Pairs = append(b.Pairs, pair{o.t("policy.label.approved_by"), e.ApprovedBy})
	}
	sig := e.Signatory
	if sig == "" {
		sig = p.Organization.Representative
	}
	name := p.Organization.Name
	if sig != "" {
		name += " " + sig
	}
	b.Pairs = append(b.Pairs, pair{o.t("policy.label.organization"), name})
	if c := contactText(o, p.Organization.Contact); c != "" {
		label := p.Organization.Contact.Label
		if label == "" {
			label = o.t("policy.label.contact")
		}
		b.Pairs = append(b.Pairs, pair{strings.Trim(label, "<>＜＞"), c})
	}
	for _, r := range p.References {
		v := r.Title
		if r.Issuer != "" {
			v = r.Issuer + "「" + r.Title + "」"
		}
		b.Pairs = append(b.Pairs, pair{o.t("policy.label.reference"), v})
	}
	return b
}

// openBlock lists what the source leaves open, so staff and admins see the
// gaps instead of silently assuming a default.
func openBlock(p *Policy, o RenderOptions) block {
	b := block{ID: "open", Heading: o.t("policy.label.open_items")}
	for _, x := range []struct {
		key  string
		open Open
	}{
		{"policy.label.enactment", p.Enactment.Open}, {"policy.label.contact", p.Organization.Contact.Open},
		{"policy.label.not_harassment", p.NotHarassment.Open}, {"policy.label.harassment", p.Harassment.Open},
		{"policy.label.procedure", p.Procedure.Open}, {"policy.label.sanctions", p.Sanctions.Open},
		{"policy.label.records", p.Records.Open}, {"policy.label.external", p.External.Open},
		{"policy.label.structure", p.Structure.Open}, {"policy.label.staff_care", p.StaffCare.Open},
		{"policy.label.staff_as_customers", p.StaffAsCustomers.Open},
		{"policy.label.call_minutes", p.Thresholds.CallMinutes.Open}, {"policy.label.persistence", p.Thresholds.Persistence.Open},
		{"policy.label.min_staff", p.Thresholds.MinStaffFaceToFace.Open}, {"policy.label.scripts", p.Scripts.Open},
	} {
		if x.open.Open {
			b.Items = append(b.Items, item{Lead: o.t(x.key), Text: x.open.Note})
		}
	}
	return b
}

func formatDate(o RenderOptions, d Date) string {
	t, ok := d.Time()
	if !ok {
		return string(d)
	}
	if len(d) == len("2006-01") {
		return o.t("policy.value.month", t.Year(), int(t.Month()))
	}
	return o.t("policy.value.date", t.Year(), int(t.Month()), t.Day())
}

// paras splits texts into paragraphs at line breaks, dropping empty ones.
func paras(texts ...string) []string {
	var out []string
	for _, t := range texts {
		for _, line := range strings.Split(t, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// RenderMarkdown writes the policy as Markdown. It fails only when w does.
func RenderMarkdown(w io.Writer, p *Policy, opts RenderOptions) error {
	o := opts.norm()
	d := build(p, o)
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n\n", mdEscape(d.Title))
	if d.Subtitle != "" {
		fmt.Fprintf(&sb, "%s\n\n", mdEscape(d.Subtitle))
	}
	for _, b := range d.Blocks {
		if b.Heading != "" {
			fmt.Fprintf(&sb, "%s %s\n\n", strings.Repeat("#", b.Level), mdEscape(b.Heading))
		}
		for _, p := range b.Paras {
			fmt.Fprintf(&sb, "%s\n\n", mdEscape(p))
		}
		for i, it := range b.Items {
			marker := "-"
			if b.Ordered {
				marker = fmt.Sprintf("%d.", i+1)
			}
			text := mdEscape(it.Text)
			if it.Lead != "" {
				text = "**" + mdEscape(it.Lead) + "** " + text
			}
			if len(it.Tags) > 0 {
				text += " _(" + mdEscape(strings.Join(it.Tags, "; ")) + ")_"
			}
			fmt.Fprintf(&sb, "%s %s\n", marker, text)
			for _, s := range it.Sub {
				fmt.Fprintf(&sb, "    - %s\n", mdEscape(s))
			}
		}
		if len(b.Items) > 0 {
			sb.WriteString("\n")
		}
		if len(b.Pairs) > 0 {
			fmt.Fprintf(&sb, "| | |\n|---|---|\n")
			for _, p := range b.Pairs {
				fmt.Fprintf(&sb, "| %s | %s |\n", mdCell(p.Key), mdCell(p.Value))
			}
			sb.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, strings.TrimRight(sb.String(), "\n")+"\n")
	return err
}

// mdEscape keeps the policy's text from being read as Markdown markup.
var mdReplacer = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`)

func mdEscape(s string) string { return mdReplacer.Replace(s) }

func mdCell(s string) string { return strings.ReplaceAll(mdEscape(s), "|", `\|`) }

// RenderHTML writes the policy as a self-contained HTML page (or, with
// Fragment, an <article>) with an A4 print stylesheet and no external
// assets. All policy text is escaped. It fails only when w does.
func RenderHTML(w io.Writer, p *Policy, opts RenderOptions) error {
	o := opts.norm()
	return htmlTmpl.Execute(w, struct {
		Doc      doc
		View     View
		Fragment bool
		CSS      template.CSS
	}{build(p, o), o.View, o.Fragment, template.CSS(printCSS)})
}

const printCSS = `body{font-family:"Hiragino Kaku Gothic ProN","Noto Sans JP","Yu Gothic",sans-serif;line-height:1.7;color:#111;max-width:46em;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #333;padding-bottom:.3em}h2{font-size:1.25em;margin-top:1.8em;border-left:4px solid #555;padding-left:.5em}h3{font-size:1.05em}
.subtitle{color:#444}.tag{display:inline-block;font-size:.8em;border:1px solid #999;border-radius:3px;padding:0 .3em;margin-left:.3em;color:#333}
.lead{font-weight:bold;margin-right:.4em}table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left;vertical-align:top}
@page{size:A4;margin:20mm 18mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}h2{break-after:avoid}li,tr{break-inside:avoid}a{color:inherit;text-decoration:none}}`

var htmlTmpl = template.Must(template.New("policy").Parse(`{{if not .Fragment}}<!DOCTYPE html>
<html lang="{{.Doc.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Doc.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
{{end}}<article class="policy policy-{{.View}}">
<h1>{{.Doc.Title}}</h1>
{{with .Doc.Subtitle}}<p class="subtitle">{{.}}</p>
{{end}}{{range .Doc.Blocks}}<section id="{{.ID}}">
{{if .Heading}}{{if eq .Level 3}}<h3>{{.Heading}}</h3>{{else}}<h2>{{.Heading}}</h2>{{end}}
{{end}}{{range .Paras}}<p>{{.}}</p>
{{end}}{{if .Items}}{{if .Ordered}}<ol>{{else}}<ul>{{end}}
{{range .Items}}<li>{{with .Lead}}<span class="lead">{{.}}</span>{{end}}{{.Text}}{{range .Tags}}<span class="tag">{{.}}</span>{{end}}{{if .Sub}}
<ul>{{range .Sub}}<li>{{.}}</li>{{end}}</ul>{{end}}</li>
{{end}}{{if .Ordered}}</ol>{{else}}</ul>{{end}}
{{end}}{{if .Pairs}}<table>
{{range .Pairs}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
{{end}}</section>
{{end}}</article>
{{if not .Fragment}}</body>
</html>
{{end}}`))
