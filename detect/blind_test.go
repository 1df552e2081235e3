package detect

import (
	"strings"
	"testing"
)

// TestBlindSet_StaysAboveItsFloor logs the blind set's figures. The set was
// written before reading the lexicon and its misses were later read to find
// classes of error, so like the holdout it is a regression guard now, not
// an unseen measurement; the floor sits below the current figure.
func TestBlindSet_StaysAboveItsFloor(t *testing.T) {
	rep := Evaluate(testDetector(t), readSplit(t, "testdata/blind.jsonl"))
	var sb strings.Builder
	rep.WriteText(&sb)
	t.Logf("blind: macro-F1 %.3f FPR %.3f verdict %.3f\n%s", rep.MacroF1, rep.FPR, rep.VerdictAccuracy, sb.String())
	if rep.MacroF1 < 0.90 {
		t.Errorf("blind macro-F1 %.3f fell below its floor 0.90", rep.MacroF1)
	}
	if rep.FPR > 0.03 {
		t.Errorf("blind false-positive rate %.3f rose above its ceiling 0.03", rep.FPR)
	}
}
