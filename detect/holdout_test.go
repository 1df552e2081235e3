package detect

import (
	"os"
	"strings"
	"testing"
)

// TestHoldoutSet_StaysAboveItsFloor measures generalization on the holdout
// set, written in voices and styles the lexicon authors did not use. The
// figures are logged, not a target: the floor sits a little below what the
// detector reaches so that a regression shows while nobody is tempted to
// tune to the holdout's sentences.
func TestHoldoutSet_StaysAboveItsFloor(t *testing.T) {
	d := testDetector(t)
	rep := Evaluate(d, readSplit(t, "testdata/holdout.jsonl"))
	var sb strings.Builder
	rep.WriteText(&sb)
	t.Logf("holdout: macro-F1 %.3f FPR %.3f verdict %.3f\n%s", rep.MacroF1, rep.FPR, rep.VerdictAccuracy, sb.String())
	if rep.MacroF1 < 0.85 {
		t.Errorf("holdout macro-F1 %.3f fell below its floor 0.85", rep.MacroF1)
	}
	if rep.FPR > 0.03 {
		t.Errorf("holdout false-positive rate %.3f rose above its ceiling 0.03", rep.FPR)
	}
}

// TestEvalFile_Report scores any labelled file named by DETECT_EVAL, for
// ad-hoc probes of fresh wording without building the command.
func TestEvalFile_Report(t *testing.T) {
	path := os.Getenv("DETECT_EVAL")
	if path == "" {
		t.Skip("set DETECT_EVAL to a labelled JSON-lines file")
	}
	rep := Evaluate(testDetector(t), readSplit(t, path))
	t.Logf("%s: macro-F1 %.3f FPR %.3f verdict %.3f", path, rep.MacroF1, rep.FPR, rep.VerdictAccuracy)
	for _, m := range rep.Misses {
		t.Logf("MISS gold=%v pred=%v %s", m.Gold, m.Predicted, m.Text)
	}
}
