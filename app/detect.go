package app

import (
	"context"
	"sync"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/detect"
	"github.com/kasuhara/kasuhara/policy"
)

// detector is the one detect.Detector of the process: New loads the kagome
// dictionary (about half a second and most of the detector's memory), and a
// Detector is safe for concurrent use. Organizations' own labels are applied
// to its results afterwards (relabel), so one instance serves every policy.
var detector struct {
	once sync.Once
	d    *detect.Detector
	err  error
}

// Detector returns the shared detector, loading it on first use. The
// server calls it at start so the first call does not wait for the load.
func Detector() (*detect.Detector, error) {
	detector.once.Do(func() { detector.d, detector.err = detect.New() })
	if detector.err != nil {
		return nil, &kasuhara.Error{Code: kasuhara.EINTERNAL, Message: "load detector", Err: detector.err}
	}
	return detector.d, nil
}

// policyInfo is what live assist and detection read from a policy version,
// computed once per version (keyed by digest: versions never change).
type policyInfo struct {
	versionID int64
	version   int
	// labels names each code by the policy's first type mapping to it.
	labels map[kasuhara.BehaviourCode]string
	// immediate maps a code to the label of an immediate_report type covering it.
	immediate   map[kasuhara.BehaviourCode]string
	callMinutes int // 0 when the policy leaves it open
	scripts     []policy.Script
	// detector also flags the policy's own detection phrases; nil when the
	// policy names none, and the shared detector serves.
	detector *detect.Detector
}

// detectorOr returns the policy's own detector, or d when there is none.
func (pi *policyInfo) detectorOr(d *detect.Detector) *detect.Detector {
	if pi != nil && pi.detector != nil {
		return pi.detector
	}
	return d
}

// policyInfos holds one entry per policy digest; its once makes concurrent
// first uses (2,000 calls opening together) build the info a single time.
var policyInfos sync.Map // digest → *policyInfoEntry

type policyInfoEntry struct {
	once sync.Once
	pi   *policyInfo
	err  error
}

func infoFor(v *kasuhara.PolicyVersion) (*policyInfo, error) {
	e, _ := policyInfos.LoadOrStore(v.Digest, &policyInfoEntry{})
	entry := e.(*policyInfoEntry)
	entry.once.Do(func() { entry.pi, entry.err = buildInfo(v) })
	if entry.err != nil {
		// A failure is not cached: the next use tries again.
		policyInfos.CompareAndDelete(v.Digest, entry)
	}
	return entry.pi, entry.err
}

func buildInfo(v *kasuhara.PolicyVersion) (*policyInfo, error) {
	doc, err := ParsedPolicy(v)
	if err != nil {
		return nil, err
	}
	pi := &policyInfo{versionID: v.ID, version: v.Version, labels: map[kasuhara.BehaviourCode]string{}, immediate: map[kasuhara.BehaviourCode]string{}}
	for _, t := range doc.Harassment.Types {
		for _, c := range t.Codes {
			if _, ok := pi.labels[c]; !ok && t.Label != "" {
				pi.labels[c] = t.Label
			}
			if _, ok := pi.immediate[c]; !ok && t.ImmediateReport {
				pi.immediate[c] = t.Label
			}
		}
	}
	if !doc.Thresholds.CallMinutes.Open.Open && doc.Thresholds.CallMinutes.Value > 0 {
		pi.callMinutes = doc.Thresholds.CallMinutes.Value
	}
	pi.scripts = doc.Scripts.Items
	// The organization named these words for a type, so they count for each
	// code the type maps onto. The tokenizer is shared by every detector,
	// so one per policy version costs only its lexicon.
	phrases := map[kasuhara.BehaviourCode][]string{}
	for _, t := range doc.Harassment.Types {
		for _, c := range t.Codes {
			if c.Valid() && len(t.Detection.Phrases) > 0 {
				phrases[c] = append(phrases[c], t.Detection.Phrases...)
			}
		}
	}
	if len(phrases) > 0 {
		if pi.detector, err = detect.New(detect.WithExtraPhrases(phrases)); err != nil {
			return nil, err
		}
	}
	return pi, nil
}

// policyInfoAt returns the policy of orgID in effect now, or nil when there is none.
func (a *App) policyInfoAt(ctx context.Context, orgID int64) (*policyInfo, error) {
	v, err := a.PolicyInEffect(ctx, orgID, a.Now())
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return infoFor(v)
}

// script returns the policy's phrase for stage on channel: one written for
// the channel first, else one for any channel; nil when the policy has none.
func (pi *policyInfo) script(stage, channel string) *policy.Script {
	if pi == nil {
		return nil
	}
	var any *policy.Script
	for i := range pi.scripts {
		s := &pi.scripts[i]
		if s.Stage != stage {
			continue
		}
		if s.Channel == channel {
			return s
		}
		if s.Channel == "" && any == nil {
			any = s
		}
	}
	return any
}

// toCategories converts a detection into the stored form, with the
// policy's labels where it has them.
func toCategories(r detect.Result, pi *policyInfo) []kasuhara.UtteranceCategory {
	out := make([]kasuhara.UtteranceCategory, 0, len(r.Categories))
	for _, c := range r.Categories {
		uc := kasuhara.UtteranceCategory{Code: c.Code, Label: c.Label, Score: c.Score, Spans: make([]kasuhara.UtteranceSpan, len(c.Spans))}
		if pi != nil {
			if l, ok := pi.labels[c.Code]; ok {
				uc.Label = l
			}
		}
		for i, s := range c.Spans {
			uc.Spans[i] = kasuhara.UtteranceSpan{Start: s.Start, End: s.End, Text: s.Text}
		}
		out = append(out, uc)
	}
	return out
}

// Detection is the result for one text of DetectTexts.
type Detection struct {
	Verdict    string                       `json:"verdict"`
	Categories []kasuhara.UtteranceCategory `json:"categories"`
}

// MaxDetectBatch caps the texts of one detection request.
const MaxDetectBatch = 100

// DetectTexts runs the detector on texts for p (detect.use), naming the
// categories by the policy in effect for p's organization. Every text must
// already be validated (kasuhara.ValidateUtteranceText with
// detect.MaxTextRunes); the detector never sees more than its cap.
func (a *App) DetectTexts(ctx context.Context, p *kasuhara.Principal, texts []string) ([]Detection, error) {
	if p == nil || p.Org == nil {
		return nil, kasuhara.Authorize(nil, kasuhara.ActDetectUse, 0)
	}
	if err := kasuhara.Authorize(p, kasuhara.ActDetectUse, p.Org.ID); err != nil {
		return nil, err
	}
	d, err := Detector()
	if err != nil {
		return nil, err
	}
	pi, err := a.policyInfoAt(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Detection, len(texts))
	d = pi.detectorOr(d)
	for i, t := range texts {
		r := d.Detect(t)
		out[i] = Detection{Verdict: r.Verdict, Categories: toCategories(r, pi)}
	}
	return out, nil
}
