// Command train fits the detector's learned layer on the labelled sets in
// detect/testdata and writes detect/model.bin, which the detector embeds.
// The frozen test split is never read.
//
//	go run ./detect/cmd/train
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kasuhara/kasuhara/detect"
)

// The frozen test split (test.jsonl) is never read. The weights are
// fitted on trainingSets; the thresholds are chosen on validationSets —
// three sets written apart from the training texts and the lexicon, and
// the development set that speaks for the lexicon's own style — which are
// then trained on too.
var (
	trainingSets   = []string{"holdout", "blind", "probe3", "train/*"}
	validationSets = []string{"dev", "probe4", "probe5", "probe6"}
)

func main() {
	dir := flag.String("dir", "detect", "the detect package directory")
	out := flag.String("o", "", "output file (default DIR/model.bin)")
	data := flag.String("data", "", "comma-separated JSON-lines files to train on instead of the repository's sets")
	lemmas := flag.Bool("lemmas", false, "add kagome base forms as features (every text is then tokenized)")
	var topt detect.TrainOptions
	flag.IntVar(&topt.Epochs, "epochs", 0, "passes of gradient descent (0: default)")
	flag.Float64Var(&topt.L2, "l2", 0, "weight decay (0: default)")
	flag.Float64Var(&topt.Rate, "rate", 0, "initial learning rate (0: default)")
	flag.Float64Var(&topt.MaxFPR, "max-fpr", 0, "false-positive rate the thresholds may reach in cross-validation (0: default)")
	flag.IntVar(&topt.MaxGram, "max-gram", 0, "longest character n-gram, 2 to 4 (0: default)")
	validate := flag.String("validate", "", "comma-separated JSON-lines files that choose the thresholds, then are trained on too, instead of the repository's")
	flag.Parse()
	if *out == "" {
		*out = filepath.Join(*dir, "model.bin")
	}
	files, vfiles := sets(*dir, trainingSets), sets(*dir, validationSets)
	if *data != "" {
		files = strings.Split(*data, ",")
	}
	if *validate != "" {
		vfiles = strings.Split(*validate, ",")
	}
	examples := read(files)
	topt.Validation = read(vfiles)
	topt.Trained = fmt.Sprintf("%d texts, thresholds chosen on %d", len(examples)+len(topt.Validation), len(topt.Validation))
	topt.Log = os.Stderr
	topt.Lemmas = *lemmas
	bin, err := detect.Train(examples, topt)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, bin, 0o644); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", *out, len(bin))
}

func sets(dir string, names []string) []string {
	var files []string
	for _, s := range names {
		m, err := filepath.Glob(filepath.Join(dir, "testdata", s+".jsonl"))
		if err != nil {
			fail(err)
		}
		files = append(files, m...)
	}
	return files
}

func read(files []string) []detect.Example {
	var out []detect.Example
	for _, name := range files {
		if filepath.Base(name) == "test.jsonl" {
			fail(fmt.Errorf("%s: the frozen test split is never trained on", name))
		}
		f, err := os.Open(name)
		if err != nil {
			fail(err)
		}
		ex, err := detect.ReadExamples(f)
		f.Close()
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
		out = append(out, ex...)
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "train:", err)
	os.Exit(1)
}
