package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/detect"
	"github.com/kasuhara/kasuhara/policy"
)

func init() {
	register(&command{name: "detect", summary: "detect harassment in JSON lines of text from stdin", run: runDetect})
	register(&command{name: "detect eval", summary: "score the detector on a labelled JSON-lines file", run: runDetectEval})
	register(&command{name: "detect bench", summary: "compare detection speed with kagome tokenization alone", run: runDetectBench})
	register(&command{name: "detect tokenize", summary: "tokenize lines of stdin with kagome only (the bench baseline)", run: runDetectTokenize})
}

// maxLineBytes caps one input line; the text cap (detect.MaxTextRunes) is
// the one users meet, this only bounds memory for a runaway line.
const maxLineBytes = 1 << 20

// detectorOptions turns a policy into detector options: each type's label
// becomes the label of the codes it maps to (the first type wins when
// several share a code, as the policy lists its main type first).
func detectorOptions(p *policy.Policy) []detect.Option {
	if p == nil {
		return nil
	}
	labels := map[kasuhara.BehaviourCode]string{}
	phrases := map[kasuhara.BehaviourCode][]string{}
	for _, t := range p.Harassment.Types {
		for _, c := range t.Codes {
			if !c.Valid() {
				continue
			}
			if _, ok := labels[c]; !ok && t.Label != "" {
				labels[c] = t.Label
			}
			// The organization named these words for this type, so they
			// count for each code the type maps onto.
			phrases[c] = append(phrases[c], t.Detection.Phrases...)
		}
	}
	return []detect.Option{detect.WithLabels(labels), detect.WithExtraPhrases(phrases)}
}

func runDetect(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "detect", `Read JSON lines {"id": "…", "text": "…", "channel": "…"} on standard input and
write one JSON line per input line, in order:
  {"id": "…", "verdict": "none|complaint|harassment", "categories": [{"code", "label", "score", "spans": [{"start", "end", "text"}]}]}
Offsets count Unicode code points. A line that is not valid JSON, lacks text, or whose
text is empty or longer than the cap yields {"line": N, "error": "…"} and processing continues.`, "< in.jsonl")
	policyFile := fs.String("policy", "", "policy `FILE` (or preset name) whose type labels name the categories and whose types' detection phrases are flagged too")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var p *policy.Policy
	if *policyFile != "" {
		var err error
		if p, err = loadPolicy(e, *policyFile, policyLang(e, "")); err != nil {
			return err
		}
	}
	d, err := detect.New(detectorOptions(p)...)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	return detectStream(ctx, d, e.stdin, e.stdout)
}

type detectInput struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
	// Channel is accepted in any form: detection reads the text alone, and
	// an unexpected channel value must not cost the line its answer.
	Channel json.RawMessage `json:"channel"`
}

type detectOutput struct {
	ID         json.RawMessage   `json:"id"`
	Verdict    string            `json:"verdict"`
	Categories []detect.Category `json:"categories"`
}

type lineError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// detectStream answers every input line in order. Output is buffered for
// throughput and flushed whenever the input has nothing more waiting, so an
// interactive caller still gets each answer at once.
func detectStream(ctx context.Context, d *detect.Detector, in io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(in, 1<<16)
	bw := bufio.NewWriterSize(out, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	emptyID := json.RawMessage(`""`)
	for n := 1; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			bw.Flush()
			return ctx.Err()
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		line, tooLong, err := readLine(br)
		if err != nil && len(line) == 0 && !tooLong {
			if errors.Is(err, io.EOF) {
				return bw.Flush()
			}
			bw.Flush()
			return &exitError{code: 1, err: fmt.Errorf("read input: %w", err)}
		}
		if n == 1 {
			// Files saved by Windows tools often begin with a byte-order mark.
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		fail := func(msg string) error { return enc.Encode(lineError{Line: n, Error: msg}) }
		var werr error
		var in detectInput
		switch {
		case tooLong:
			werr = fail(fmt.Sprintf("line longer than %d bytes; texts are capped at %d characters", maxLineBytes, detect.MaxTextRunes))
		case len(bytes.TrimSpace(line)) == 0:
			werr = fail("empty line: expected a JSON object with \"text\"")
		case json.Unmarshal(line, &in) != nil:
			var typeErr *json.UnmarshalTypeError
			if errors.As(json.Unmarshal(line, &in), &typeErr) && typeErr.Field == "text" {
				werr = fail(fmt.Sprintf("\"text\" must be a string, not a JSON %s", typeErr.Value))
			} else {
				werr = fail("invalid JSON: expected an object like {\"id\": \"…\", \"text\": \"…\"}")
			}
		case in.Text == nil:
			werr = fail("missing \"text\"")
		case strings.TrimSpace(*in.Text) == "":
			werr = fail("\"text\" is empty")
		case utf8.RuneCountInString(*in.Text) > detect.MaxTextRunes:
			werr = fail(fmt.Sprintf("\"text\" has %d characters; the cap is %d, split the text", utf8.RuneCountInString(*in.Text), detect.MaxTextRunes))
		default:
			id := in.ID
			if len(id) == 0 || id[0] == '{' || id[0] == '[' {
				id = emptyID
			}
			res := d.Detect(*in.Text)
			werr = enc.Encode(detectOutput{ID: id, Verdict: res.Verdict, Categories: res.Categories})
		}
		if werr != nil {
			return &exitError{code: 1, err: fmt.Errorf("write output: %w", werr)}
		}
		if err != nil { // last line without a newline
			return bw.Flush()
		}
	}
}

var utf8BOM = []byte("\ufeff")

// readLine returns the next line without its newline; a line longer than
// maxLineBytes is consumed and reported as tooLong instead of held in memory.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLineBytes {
				tooLong, buf = true, nil
			} else if buf == nil && err == nil {
				line = chunk // fast path: the whole line sits in the buffer
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if line != nil {
				buf = append(buf, line...)
				line = nil
			}
			continue
		}
		if line == nil {
			line = buf
		}
		line = bytes.TrimRight(line, "\r\n")
		if tooLong {
			line = nil
		}
		return line, tooLong, err
	}
}

func runDetectEval(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "detect eval", "Run the detector over a labelled JSON-lines file ({\"text\": …, \"labels\": [codes]}, [] for none)\nand print per-code precision/recall/F1, macro-F1, the false-positive rate on texts\nlabelled [] and the confusions.", "FILE.jsonl")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	misses := fs.Bool("misses", false, "also list the texts the detector got wrong")
	policyFile := fs.String("policy", "", "policy `FILE` (or preset name) for labels")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	var p *policy.Policy
	if *policyFile != "" {
		var err error
		if p, err = loadPolicy(e, *policyFile, policyLang(e, "")); err != nil {
			return err
		}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	defer f.Close()
	examples, err := detect.ReadExamples(f)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("%s: %w", fs.Arg(0), err)}
	}
	d, err := detect.New(detectorOptions(p)...)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	rep := detect.Evaluate(d, examples)
	if *asJSON {
		if !*misses {
			rep.Misses = nil
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if err := rep.WriteText(e.stdout); err != nil {
		return err
	}
	if *misses {
		fmt.Fprintln(e.stdout, "\nmisses")
		for _, m := range rep.Misses {
			fmt.Fprintf(e.stdout, "  %s gold=%v predicted=%v %q\n", m.ID, m.Gold, m.Predicted, m.Text)
		}
	}
	return nil
}

// runDetectTokenize is the benchmark's baseline: load the IPA dictionary and
// tokenize every line of stdin, writing one count per line so the work
// cannot be skipped.
func runDetectTokenize(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "detect tokenize", "Tokenize each line of standard input with kagome (IPA) and print its token count;\nthe baseline \"detect bench\" compares against.", "< lines.txt")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 1<<16), maxLineBytes)
	bw := bufio.NewWriterSize(e.stdout, 1<<16)
	for sc.Scan() {
		fmt.Fprintln(bw, len(t.Tokenize(sc.Text())))
	}
	if err := sc.Err(); err != nil {
		return &exitError{code: 1, err: err}
	}
	return bw.Flush()
}

func runDetectBench(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "detect bench", `Measure, in one run, "kasuhara detect tokenize" (kagome IPA alone) against
"kasuhara detect" on the same lines of about 25 characters, each as a fresh process
(dictionary load and process start included), pinned to one core with taskset -c 0
when available and GOMAXPROCS=1. Prints lines/s of each, the ratio and peak RSS.`, "")
	lines := fs.Int("lines", 50000, "number of input lines")
	rounds := fs.Int("rounds", 3, "alternating rounds; the fastest of each is kept")
	source := fs.String("source", "detect/testdata/dev.jsonl", "JSON-lines `FILE` whose texts are cut into lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	texts, err := benchLines(*source, *lines)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	var plain, jsonl bytes.Buffer
	enc := json.NewEncoder(&jsonl)
	enc.SetEscapeHTML(false)
	for i, t := range texts {
		plain.WriteString(t)
		plain.WriteByte('\n')
		enc.Encode(map[string]string{"id": fmt.Sprint(i), "text": t})
	}
	self, err := os.Executable()
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	pin := []string{}
	if p, err := exec.LookPath("taskset"); err == nil {
		pin = []string{p, "-c", "0"}
	}
	type result struct {
		wall time.Duration
		rss  int64 // KiB
	}
	runOne := func(input []byte, sub ...string) (result, error) {
		argv := append(append(append([]string{}, pin...), self), sub...)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		cmd.Stdin = bytes.NewReader(input)
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return result{}, fmt.Errorf("%s: %w: %s", strings.Join(sub, " "), err, stderr.String())
		}
		r := result{wall: time.Since(start)}
		r.rss = peakRSSKiB(cmd.ProcessState)
		return r, nil
	}
	var best [2]result
	for i := 0; i < *rounds; i++ {
		for k, job := range []struct {
			in  []byte
			sub []string
		}{{plain.Bytes(), []string{"detect", "tokenize"}}, {jsonl.Bytes(), []string{"detect"}}} {
			r, err := runOne(job.in, job.sub...)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			if best[k].wall == 0 || r.wall < best[k].wall {
				best[k].wall = r.wall
			}
			best[k].rss = max(best[k].rss, r.rss)
		}
	}
	n := float64(len(texts))
	pinned := "GOMAXPROCS=1 only (taskset not found)"
	if len(pin) > 0 {
		pinned = "taskset -c 0, GOMAXPROCS=1"
	}
	fmt.Fprintf(e.stdout, "lines %d (avg %.1f characters), best of %d rounds, %s, process start and dictionary load included\n",
		len(texts), avgRunes(texts), *rounds, pinned)
	fmt.Fprintf(e.stdout, "kagome tokenize only  %8.3fs  %9.0f lines/s  peak RSS %6.1f MB\n", best[0].wall.Seconds(), n/best[0].wall.Seconds(), float64(best[0].rss)/1024)
	fmt.Fprintf(e.stdout, "kasuhara detect       %8.3fs  %9.0f lines/s  peak RSS %6.1f MB\n", best[1].wall.Seconds(), n/best[1].wall.Seconds(), float64(best[1].rss)/1024)
	fmt.Fprintf(e.stdout, "ratio detect/tokenize %.2f (target ≤ 1.50)\n", best[1].wall.Seconds()/best[0].wall.Seconds())
	return nil
}

// benchLines cuts the texts of a labelled file, run together, into lines
// of 25 characters, cycling until n lines exist, so the benchmark sees the same
// mix of harassment, complaints and benign text as the development set.
func benchLines(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench source: %w (run from the repository root or pass --source)", err)
	}
	defer f.Close()
	ex, err := detect.ReadExamples(f)
	if err != nil {
		return nil, err
	}
	var all []rune
	for _, x := range ex {
		all = append(all, []rune(strings.Join(strings.Fields(x.Text), " "))...)
		all = append(all, '。')
	}
	var pool []string
	for len(all) >= 25 {
		pool = append(pool, string(all[:25]))
		all = all[25:]
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("bench source %s has no texts", path)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = pool[i%len(pool)]
	}
	return out, nil
}

func avgRunes(ss []string) float64 {
	t := 0
	for _, s := range ss {
		t += utf8.RuneCountInString(s)
	}
	return float64(t) / float64(max(1, len(ss)))
}
