// Command gendata turns the hand-written sources in detect/testdata/src into
// the JSON-lines development and test sets. It only dresses each written
// sentence in the conventions of a channel (a phone transcript loses its
// punctuation and gains fillers, an email gains a greeting, an SNS reply an
// @-mention), so every line of the output is still one sentence a person
// wrote; the labels come from the source unchanged.
//
// Run from the repository root: go run ./detect/cmd/gendata
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
)

type example struct {
	ID      string   `json:"id"`
	Text    string   `json:"text"`
	Channel string   `json:"channel"`
	Labels  []string `json:"labels"`
	Verdict string   `json:"verdict,omitempty"`
}

func main() {
	dir := "detect/testdata"
	// holdout.tsv, blind.tsv and probe3.tsv name their channel per line and are written
	// in that channel's style already, so they are converted without dressing.
	for _, split := range []string{"dev", "test", "holdout", "blind", "probe3"} {
		if err := convert(filepath.Join(dir, "src", split+".tsv"), filepath.Join(dir, split+".jsonl"), split); err != nil {
			fmt.Fprintln(os.Stderr, "gendata:", err)
			os.Exit(1)
		}
	}
}

func convert(src, dst, split string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tag, text, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("%s: no tab in %q", src, line)
		}
		channel := ""
		if split == "holdout" || split == "blind" || split == "probe3" {
			if channel, text, ok = strings.Cut(text, "\t"); !ok {
				return fmt.Errorf("%s: no channel in %q", src, line)
			}
		}
		n++
		ex := example{ID: fmt.Sprintf("%s-%04d", split, n), Labels: []string{}}
		switch tag {
		case "-":
		case "c":
			ex.Verdict = "complaint"
		default:
			ex.Labels = strings.Split(tag, ",")
			ex.Verdict = "harassment"
		}
		if channel != "" {
			ex.Channel, ex.Text = channel, text
		} else {
			ex.Channel, ex.Text = dress(text, ex.Verdict)
		}
		if err := enc.Encode(ex); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Close()
}

var channels = []string{"chat", "email", "web", "sns", "face_to_face", "phone", "chat", "phone"}

var fillers = []string{"えー ", "あのー ", "あの ", "ちょっと ", "もしもし ", "", "まあ "}

// dress picks a channel from the text's hash so the output is stable across
// runs, and applies that channel's surface conventions.
func dress(text, verdict string) (string, string) {
	h := fnv.New32a()
	h.Write([]byte(text))
	v := h.Sum32()
	if !strings.ContainsAny(text, "、。！？!?（）「」") {
		return "phone", text
	}
	ch := channels[v%uint32(len(channels))]
	switch ch {
	case "phone":
		r := strings.NewReplacer("、", " ", "。", " ", "！", " ", "？", " ", "?", " ", "!", " ", "（", "", "）", " ", "「", "", "」", "")
		return ch, fillers[(v>>8)%uint32(len(fillers))] + strings.TrimSpace(r.Replace(text))
	case "email":
		switch (v >> 8) % 3 {
		case 0:
			return ch, "お世話になっております。\n" + text + "\nよろしくお願いいたします。"
		case 1:
			return ch, "件名：ご連絡\n\n" + text
		}
		return ch, text
	case "sns":
		if (v>>8)%2 == 0 {
			return ch, "@support_official " + text
		}
		return ch, text
	}
	return ch, text
}
