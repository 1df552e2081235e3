package detect

import (
	"os"
	"sync"
	"testing"
)

// lazyDetector builds one detector per test binary: the dictionary load
// dominates the cost of New.
type lazyDetector struct {
	once sync.Once
	d    *Detector
	err  error
}

func (l *lazyDetector) get(t testing.TB, opts ...Option) *Detector {
	t.Helper()
	l.once.Do(func() { l.d, l.err = New(opts...) })
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.d
}

var wholeDetector, rulesOnlyDetector lazyDetector

// testDetector is the detector as it ships, learned layer included.
func testDetector(t testing.TB) *Detector { t.Helper(); return wholeDetector.get(t) }

// rulesDetector is the detector without its learned layer, for tests of
// the lexicon's families and guards themselves; what the whole detector
// does on texts from other writers is measured by the labelled sets.
func rulesDetector(t testing.TB) *Detector { t.Helper(); return rulesOnlyDetector.get(t, rulesOnly()) }

func readSplit(t testing.TB, path string) []Example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestDevSet_Report(t *testing.T) {
	d := testDetector(t)
	rep := Evaluate(d, readSplit(t, "testdata/dev.jsonl"))
	t.Logf("dev: macro-F1 %.3f FPR %.3f verdict %.3f", rep.MacroF1, rep.FPR, rep.VerdictAccuracy)
	if os.Getenv("DETECT_VERBOSE") != "" {
		var sb stringsBuilder
		rep.WriteText(&sb)
		t.Log("\n" + sb.String())
		for _, m := range rep.Misses {
			t.Logf("MISS %s gold=%v pred=%v %q", m.ID, m.Gold, m.Predicted, m.Text)
		}
	}
}

type stringsBuilder struct{ b []byte }

func (s *stringsBuilder) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *stringsBuilder) String() string              { return string(s.b) }
