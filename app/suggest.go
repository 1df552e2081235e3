package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/detect"
)

// TypeSuggestion is a behaviour type of the organization's policy that the
// detector found in what a staff member wrote, with the words that made it
// so. It is a suggestion: the staff member ticks or unticks the types.
type TypeSuggestion struct {
	TypeID string                   `json:"type_id"`
	Number string                   `json:"number,omitempty"`
	Label  string                   `json:"label"`
	Codes  []kasuhara.BehaviourCode `json:"codes"`
	// Quotes are the words of the text that matched, in order, without repeats.
	Quotes []string `json:"quotes"`
}

// SuggestTypes runs the detector on a quick report's demand and narrative
// and names the types of orgID's policy in effect at occurredAt (now when
// zero) that cover the behaviour codes it found, in the policy's order; a
// type's own detection phrases count too. Only those who may file a report
// may ask (case.create). Text beyond the detector's cap is not read. With no
// policy in effect there is nothing to suggest: an empty list, no error.
func (a *App) SuggestTypes(ctx context.Context, p *kasuhara.Principal, orgID int64, occurredAt time.Time, demand, narrative string) ([]TypeSuggestion, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActCaseCreate, orgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCaseCreate, target("org", orgID), err)
	}
	text := strings.TrimSpace(strings.TrimSpace(demand) + "\n" + strings.TrimSpace(narrative))
	if text == "" {
		return nil, kasuhara.FieldError("narrative", "error.field.required")
	}
	if utf8.RuneCountInString(text) > detect.MaxTextRunes {
		text = string([]rune(text)[:detect.MaxTextRunes])
	}
	if occurredAt.IsZero() {
		occurredAt = a.Now()
	}
	v, err := a.PolicyInEffect(ctx, orgID, occurredAt)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return []TypeSuggestion{}, nil
	} else if err != nil {
		return nil, err
	}
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, err
	}
	d, err := Detector()
	if err != nil {
		return nil, err
	}
	found := map[kasuhara.BehaviourCode][]string{}
	// In a report the staff member quotes the customer (「…」と言われた);
	// the detector reads such a quotation as someone else's words, so each
	// quotation is also examined on its own, as what the customer said.
	for _, t := range append([]string{text}, quotations(text)...) {
		for _, c := range d.Detect(t).Categories {
			for _, s := range c.Spans {
				found[c.Code] = appendNew(found[c.Code], s.Text)
			}
		}
	}
	norm := kasuhara.NormalizeSearch(text)
	out := []TypeSuggestion{}
	for _, t := range doc.Harassment.Types {
		var quotes []string
		var codes []kasuhara.BehaviourCode
		for _, c := range t.Codes {
			if qs, ok := found[c]; ok {
				codes = append(codes, c)
				for _, q := range qs {
					quotes = appendNew(quotes, q)
				}
			}
		}
		// The organization's own wording for the type, compared as the
		// case search compares text: widths and kana folded.
		for _, ph := range t.Detection.Phrases {
			if n := kasuhara.NormalizeSearch(ph); n != "" && strings.Contains(norm, n) {
				quotes = appendNew(quotes, ph)
			}
		}
		if len(quotes) == 0 {
			continue
		}
		out = append(out, TypeSuggestion{TypeID: t.ID, Number: t.Number, Label: t.Label, Codes: codes, Quotes: quotes})
	}
	return out, nil
}

func appendNew(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// quotations returns the texts inside 「…」 and 『…』 in text.
func quotations(text string) []string {
	var out []string
	for _, pair := range [][2]string{{"「", "」"}, {"『", "』"}} {
		rest := text
		for {
			i := strings.Index(rest, pair[0])
			if i < 0 {
				break
			}
			rest = rest[i+len(pair[0]):]
			j := strings.Index(rest, pair[1])
			if j < 0 {
				break
			}
			if q := strings.TrimSpace(rest[:j]); q != "" {
				out = append(out, q)
			}
			rest = rest[j+len(pair[1]):]
		}
	}
	return out
}
