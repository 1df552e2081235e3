// Command train fits the detector's learned layer on the labelled sets in
// detect/testdata and writes detect/model.bin, which the detector embeds.
// The frozen test split is never read (see detect.TrainingSets).
//
//	go run ./detect/cmd/train
//	go run ./detect/cmd/train -loo        # leave-one-writer-out estimate
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/kasuhara/kasuhara/detect"
)

func main() {
	dir := flag.String("dir", "detect", "the detect package directory")
	out := flag.String("o", "", "output file (default DIR/model.bin)")
	data := flag.String("data", "", "comma-separated JSON-lines files to train on instead of the repository's sets")
	var topt detect.TrainOptions
	flag.IntVar(&topt.Epochs, "epochs", 0, "passes of gradient descent (0: default)")
	flag.Float64Var(&topt.L2, "l2", 0, "weight decay (0: default)")
	flag.Float64Var(&topt.Rate, "rate", 0, "initial learning rate (0: default)")
	flag.Float64Var(&topt.MaxFPR, "max-fpr", 0, "false-positive rate the thresholds may reach in cross-validation (0: default)")
	flag.IntVar(&topt.MaxGram, "max-gram", 0, "longest character n-gram, 2 to 4 (0: default)")
	validate := flag.String("validate", "", "comma-separated JSON-lines files that choose the thresholds, then are trained on too, instead of the repository's")
	heldout := flag.String("heldout", "", "a validation set (e.g. probe8) to leave out of training and measure the model on; model.bin is not written")
	loo := flag.Bool("loo", false, "leave each validation set out in turn, measure the model on it and print the mean: how the model fares on writers it never saw; model.bin is not written")
	flag.Parse()
	if *out == "" {
		*out = filepath.Join(*dir, "model.bin")
	}
	files, err := detect.SetFiles(*dir, detect.TrainingSets)
	if err != nil {
		fail(err)
	}
	vfiles, err := detect.SetFiles(*dir, detect.ValidationSets)
	if err != nil {
		fail(err)
	}
	if *data != "" {
		files = strings.Split(*data, ",")
	}
	if *validate != "" {
		vfiles = strings.Split(*validate, ",")
	}
	if *loo {
		examples, err := detect.ReadFiles(files)
		if err != nil {
			fail(err)
		}
		if err := leaveOneOut(examples, vfiles, topt); err != nil {
			fail(err)
		}
		return
	}
	var heldFile string
	if *heldout != "" {
		heldFile = filepath.Join(*dir, "testdata", *heldout+".jsonl")
		kept := vfiles[:0:0]
		for _, f := range vfiles {
			if f != heldFile {
				kept = append(kept, f)
			}
		}
		if len(kept) == len(vfiles) {
			fail(fmt.Errorf("-heldout %s: not one of the validation sets %s", *heldout, strings.Join(detect.ValidationSets, ", ")))
		}
		vfiles = kept
	}
	examples, err := detect.ReadFiles(files)
	if err != nil {
		fail(err)
	}
	if topt.Validation, err = detect.ReadFiles(vfiles); err != nil {
		fail(err)
	}
	topt.Trained = detect.TrainedNote(len(examples), len(topt.Validation))
	topt.Log = os.Stderr
	bin, err := detect.Train(examples, topt)
	if err != nil {
		fail(err)
	}
	if heldFile != "" {
		held, err := detect.ReadFiles([]string{heldFile})
		if err != nil {
			fail(err)
		}
		rep, err := detect.EvaluateModel(bin, held)
		if err != nil {
			fail(err)
		}
		fmt.Printf("trained without %s, measured on it:\n", *heldout)
		if err := rep.WriteText(os.Stdout); err != nil {
			fail(err)
		}
		return
	}
	if err := os.WriteFile(*out, bin, 0o644); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", *out, len(bin))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "train:", err)
	os.Exit(1)
}

// leaveOneOut trains once per validation set without it (the others choose
// the thresholds) and measures the model on it, two trainings at a time.
func leaveOneOut(examples []detect.Example, vfiles []string, topt detect.TrainOptions) error {
	sets := make([][]detect.Example, len(vfiles))
	for i, f := range vfiles {
		var err error
		if sets[i], err = detect.ReadFiles([]string{f}); err != nil {
			return err
		}
	}
	reports := make([]detect.Report, len(vfiles))
	errs := make([]error, len(vfiles))
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), 4)))
	for i := range vfiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			o := topt
			o.Log = nil
			o.Validation = nil
			for j, s := range sets {
				if j != i {
					o.Validation = append(o.Validation, s...)
				}
			}
			bin, err := detect.Train(examples, o)
			if err == nil {
				reports[i], err = detect.EvaluateModel(bin, sets[i])
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	var f1, fpr float64
	for i, r := range reports {
		if errs[i] != nil {
			return fmt.Errorf("%s: %w", vfiles[i], errs[i])
		}
		fmt.Printf("%-12s macro-F1 %.3f  FPR %.3f  (%d texts)\n", strings.TrimSuffix(filepath.Base(vfiles[i]), ".jsonl"), r.MacroF1, r.FPR, r.Examples)
		f1 += r.MacroF1
		fpr += r.FPR
	}
	n := float64(len(reports))
	fmt.Printf("mean over %d held-out sets: macro-F1 %.3f  FPR %.3f\n", len(reports), f1/n, fpr/n)
	return nil
}
