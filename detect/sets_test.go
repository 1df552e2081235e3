package detect

import (
	"strings"
	"testing"
)

// TestLabelledSets_StayWithinTheirBounds logs the figures of the sets
// written apart from the lexicon and the training texts, and guards them
// with bounds a little beyond the figures measured when the model was
// made. Probes 4–8 and 13–18 choose the learned layer's thresholds and are
// trained on afterwards, so they are regression guards; probes 9–12 are
// never read by training (TestModel_MeasurementSetsAreNeverTrainedOn) and
// were measured unseen: they are the honest figure for texts from other
// writers.
func TestLabelledSets_StayWithinTheirBounds(t *testing.T) {
	for _, tc := range []struct {
		set      string
		minMacro float64
		maxFPR   float64
	}{
		{"probe4", 0.85, 0.05},
		{"probe5", 0.85, 0.05},
		{"probe6", 0.85, 0.07},
		{"probe7", 0.85, 0.05},
		{"probe8", 0.85, 0.05},
		{"probe13", 0.85, 0.05},
		{"probe14", 0.85, 0.05},
		{"probe15", 0.85, 0.05},
		{"probe16", 0.85, 0.05},
		{"probe17", 0.85, 0.05},
		{"probe18", 0.85, 0.05},
		{"probe9", 0.82, 0.03},
		{"probe10", 0.79, 0.03},
		{"probe11", 0.83, 0.03},
		{"probe12", 0.81, 0.04},
	} {
		rep := Evaluate(testDetector(t), readSplit(t, "testdata/"+tc.set+".jsonl"))
		var sb strings.Builder
		rep.WriteText(&sb)
		t.Logf("%s: macro-F1 %.3f FPR %.3f verdict %.3f\n%s", tc.set, rep.MacroF1, rep.FPR, rep.VerdictAccuracy, sb.String())
		if rep.MacroF1 < tc.minMacro {
			t.Errorf("%s macro-F1 %.3f fell below its floor %.2f", tc.set, rep.MacroF1, tc.minMacro)
		}
		if rep.FPR > tc.maxFPR {
			t.Errorf("%s false-positive rate %.3f rose above its ceiling %.2f", tc.set, rep.FPR, tc.maxFPR)
		}
	}
}
