package detect

import (
	"bytes"
	"os"
	"runtime"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestModel_MatchesTrainingData retrains the learned layer from the sets
// in testdata and compares it with the embedded model.bin: a change to the
// data, the lexicon or the training code without rerunning
// `go run ./detect/cmd/train` fails here. Training is deterministic, but
// other architectures may fuse multiply-adds and differ in the last bits.
func TestModel_MatchesTrainingData(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("model bytes are compared on amd64 only")
	}
	if testing.Short() {
		t.Skip("retraining takes seconds")
	}
	files, err := SetFiles(".", TrainingSets)
	if err != nil {
		t.Fatal(err)
	}
	vfiles, err := SetFiles(".", ValidationSets)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := ReadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	validation, err := ReadFiles(vfiles)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Train(examples, TrainOptions{Validation: validation,
		Trained: TrainedNote(len(examples), len(validation))})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("model.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("model.bin is stale (%d bytes, retrained %d): run go run ./detect/cmd/train", len(want), len(got))
	}
}

// TestModel_MeasurementSetsAreNeverTrainedOn guards the rule the figures
// rest on: the frozen split and probes 9 and 10 are read by no training.
func TestModel_MeasurementSetsAreNeverTrainedOn(t *testing.T) {
	for _, m := range MeasurementSets {
		if _, err := ReadFiles([]string{"testdata/" + m + ".jsonl"}); err == nil {
			t.Fatalf("ReadFiles accepted the measurement set %s", m)
		}
	}
	for _, names := range [][]string{TrainingSets, ValidationSets} {
		files, err := SetFiles(".", names)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			switch f {
			case "testdata/test.jsonl", "testdata/probe9.jsonl", "testdata/probe10.jsonl":
				t.Fatalf("%s is among the training or validation sets", f)
			}
		}
	}
}

// TestNew_SharesOneModel checks that detectors made for policies (with
// their own phrases) share the decoded weights rather than each decoding
// several megabytes, and that an extra phrase still flags its code.
func TestNew_SharesOneModel(t *testing.T) {
	a := testDetector(t)
	b, err := New(WithExtraPhrases(map[kasuhara.BehaviourCode][]string{kasuhara.Threat: {"番号を控えた"}}))
	if err != nil {
		t.Fatal(err)
	}
	if a.model == nil || a.model != b.model {
		t.Fatal("detectors do not share the embedded model")
	}
	if r := b.Detect("念のため番号を控えた"); !r.Has(kasuhara.Threat) {
		t.Errorf("extra phrase not flagged: %+v", r)
	}
}

// TestEvidence_FewSpansInTextOrder keeps a model-added code's explanation
// readable: at most maxEvidence spans, lexicon words before n-grams, in
// the order they occur.
func TestEvidence_FewSpansInTextOrder(t *testing.T) {
	d := testDetector(t)
	m := d.model
	sc := &scratch{}
	text := d.analyze("受付で男性客から『お前の顔覚えたからな。帰り道に気をつけろよ』と言われ、その後30分カウンターの前に居座られた。", sc)
	d.score(text, sc)
	for k, code := range m.codes {
		ev := m.evidence(k, sc.feats)
		if len(ev) > maxEvidence {
			t.Errorf("%s: %d spans, want at most %d", code, len(ev), maxEvidence)
		}
		for i := 1; i < len(ev); i++ {
			if ev[i].s < ev[i-1].s {
				t.Errorf("%s: spans out of text order: %v", code, ev)
			}
		}
	}
}
