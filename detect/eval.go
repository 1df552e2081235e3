package detect

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kasuhara/kasuhara"
)

// Example is one labelled text of a development or test set.
type Example struct {
	ID      string                   `json:"id"`
	Text    string                   `json:"text"`
	Channel string                   `json:"channel,omitempty"`
	Labels  []kasuhara.BehaviourCode `json:"labels"`
	// Verdict optionally marks a negative as a complaint ("complaint").
	Verdict string `json:"verdict,omitempty"`
}

// ReadExamples parses JSON lines of examples. It fails on the first line
// that is not valid JSON or lacks text, naming the line.
func ReadExamples(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := sc.Text()
		if ln == 1 {
			// Files saved by Windows tools often begin with a byte-order mark.
			line = strings.TrimPrefix(line, "\ufeff")
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var ex Example
		if err := json.Unmarshal([]byte(line), &ex); err != nil {
			return nil, fmt.Errorf("line %d: %w", ln, err)
		}
		if ex.Text == "" {
			return nil, fmt.Errorf("line %d: no text", ln)
		}
		for _, c := range ex.Labels {
			if !c.Valid() {
				return nil, fmt.Errorf("line %d: unknown code %q", ln, c)
			}
		}
		out = append(out, ex)
	}
	return out, sc.Err()
}

// CodeScore is the precision, recall and F1 of one code.
type CodeScore struct {
	Code      kasuhara.BehaviourCode `json:"code"`
	Support   int                    `json:"support"` // gold occurrences
	TP        int                    `json:"tp"`
	FP        int                    `json:"fp"`
	FN        int                    `json:"fn"`
	Precision float64                `json:"precision"`
	Recall    float64                `json:"recall"`
	F1        float64                `json:"f1"`
}

// Confusion counts texts whose gold labels contain Gold and whose predicted
// categories contain Predicted (Predicted "-" means nothing was predicted
// for a gold code that was missed; Gold "-" means a prediction on a text
// labelled none).
type Confusion struct {
	Gold      string `json:"gold"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
}

// Miss is one example the detector got wrong, for error analysis.
type Miss struct {
	ID        string                   `json:"id"`
	Text      string                   `json:"text"`
	Gold      []kasuhara.BehaviourCode `json:"gold"`
	Predicted []kasuhara.BehaviourCode `json:"predicted"`
}

// Report is the evaluation of a detector on labelled examples.
type Report struct {
	Examples  int         `json:"examples"`
	Codes     []CodeScore `json:"codes"`
	MacroF1   float64     `json:"macro_f1"` // over codes present in the gold labels
	Negatives int         `json:"negatives"`
	FalsePos  int         `json:"false_positives"`
	FPR       float64     `json:"fpr"` // share of texts labelled [] with any category predicted
	// VerdictAccuracy counts harassment/complaint/none agreement on
	// examples that state a verdict or are harassment by their labels.
	VerdictAccuracy float64     `json:"verdict_accuracy"`
	Confusions      []Confusion `json:"confusions"`
	Misses          []Miss      `json:"misses"`
}

// Evaluate runs d over examples and scores each code as a multi-label
// classification.
func Evaluate(d *Detector, examples []Example) Report {
	rep := Report{Examples: len(examples)}
	type counts struct{ tp, fp, fn, support int }
	per := map[kasuhara.BehaviourCode]*counts{}
	get := func(c kasuhara.BehaviourCode) *counts {
		if per[c] == nil {
			per[c] = &counts{}
		}
		return per[c]
	}
	conf := map[[2]string]int{}
	verdictOK, verdictN := 0, 0
	for _, ex := range examples {
		res := d.Detect(ex.Text)
		gold := map[kasuhara.BehaviourCode]bool{}
		for _, c := range ex.Labels {
			gold[c] = true
			get(c).support++
		}
		var pred []kasuhara.BehaviourCode
		predSet := map[kasuhara.BehaviourCode]bool{}
		for _, c := range res.Categories {
			pred = append(pred, c.Code)
			predSet[c.Code] = true
		}
		for c := range gold {
			if predSet[c] {
				get(c).tp++
			} else {
				get(c).fn++
			}
		}
		for c := range predSet {
			if !gold[c] {
				get(c).fp++
			}
		}
		if len(gold) == 0 {
			rep.Negatives++
			if len(pred) > 0 {
				rep.FalsePos++
			}
			for _, p := range pred {
				conf[[2]string{"-", string(p)}]++
			}
		}
		for g := range gold {
			if len(pred) == 0 {
				conf[[2]string{string(g), "-"}]++
			}
			for _, p := range pred {
				if p != g {
					conf[[2]string{string(g), string(p)}]++
				}
			}
		}
		want := ex.Verdict
		if want == "" && len(gold) > 0 {
			want = VerdictHarassment
		}
		if want != "" {
			verdictN++
			if res.Verdict == want {
				verdictOK++
			}
		}
		if !sameSet(gold, predSet) {
			rep.Misses = append(rep.Misses, Miss{ID: ex.ID, Text: ex.Text, Gold: ex.Labels, Predicted: pred})
		}
	}
	sum, n := 0.0, 0
	for _, c := range kasuhara.BehaviourCodes {
		k := per[c]
		if k == nil {
			continue
		}
		s := CodeScore{Code: c, Support: k.support, TP: k.tp, FP: k.fp, FN: k.fn}
		if k.tp+k.fp > 0 {
			s.Precision = float64(k.tp) / float64(k.tp+k.fp)
		}
		if k.tp+k.fn > 0 {
			s.Recall = float64(k.tp) / float64(k.tp+k.fn)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		rep.Codes = append(rep.Codes, s)
		if k.support > 0 {
			sum += s.F1
			n++
		}
	}
	if n > 0 {
		rep.MacroF1 = sum / float64(n)
	}
	if rep.Negatives > 0 {
		rep.FPR = float64(rep.FalsePos) / float64(rep.Negatives)
	}
	if verdictN > 0 {
		rep.VerdictAccuracy = float64(verdictOK) / float64(verdictN)
	}
	for k, v := range conf {
		rep.Confusions = append(rep.Confusions, Confusion{Gold: k[0], Predicted: k[1], Count: v})
	}
	sort.Slice(rep.Confusions, func(i, j int) bool {
		a, b := rep.Confusions[i], rep.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Gold != b.Gold {
			return a.Gold < b.Gold
		}
		return a.Predicted < b.Predicted
	})
	return rep
}

func sameSet(a, b map[kasuhara.BehaviourCode]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// WriteText prints the report for people: a per-code table, the headline
// figures and the confusions.
func (r Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-18s %7s %5s %5s %5s %9s %7s %6s\n", "code", "support", "tp", "fp", "fn", "precision", "recall", "f1")
	for _, c := range r.Codes {
		fmt.Fprintf(bw, "%-18s %7d %5d %5d %5d %9.3f %7.3f %6.3f\n", c.Code, c.Support, c.TP, c.FP, c.FN, c.Precision, c.Recall, c.F1)
	}
	fmt.Fprintf(bw, "\nexamples %d\nmacro-F1 %.3f\nfalse-positive rate %.3f (%d of %d texts labelled [])\nverdict accuracy %.3f\n",
		r.Examples, r.MacroF1, r.FPR, r.FalsePos, r.Negatives, r.VerdictAccuracy)
	if len(r.Confusions) > 0 {
		fmt.Fprintln(bw, "\nconfusions (gold → predicted; - is none)")
		for _, c := range r.Confusions {
			fmt.Fprintf(bw, "  %-18s → %-18s %d\n", c.Gold, c.Predicted, c.Count)
		}
	}
	return bw.Flush()
}
