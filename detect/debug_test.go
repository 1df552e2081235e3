package detect

import (
	"os"
	"testing"
)

// TestDebugExplain prints every accepted occurrence for DETECT_EXPLAIN.
func TestDebugExplain(t *testing.T) {
	s := os.Getenv("DETECT_EXPLAIN")
	if s == "" {
		t.Skip("set DETECT_EXPLAIN to a text")
	}
	d := testDetector(t)
	sc := &scratch{}
	normalize(s, &sc.n)
	sc.n.r = append(sc.n.r, boundary)
	sc.n.off = append(sc.n.off, len([]rune(s)))
	d.match(s, sc)
	t.Logf("norm %q", string(sc.n.r))
	for c, os := range sc.byCon {
		for _, o := range os {
			t.Logf("%s %q", d.lex.concepts[c].name, string(sc.n.r[o.s:o.e]))
		}
	}
	t.Logf("%+v", d.Detect(s))
}
