package detect

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// TestMorphs_MatchDictionary regenerates morphs.bin from the full IPA
// dictionary and checks every word against the features kagome reports: a
// kagome-dict upgrade without `go run ./detect/cmd/genmorphs` fails here.
func TestMorphs_MatchDictionary(t *testing.T) {
	full := ipa.Dict()
	b, err := BuildMorphs(full)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, morphsBin) {
		t.Fatal("detect/morphs.bin is stale: run go run ./detect/cmd/genmorphs")
	}
	mt, err := parseMorphs(morphsBin)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.New(full, tokenizer.OmitBosEos())
	if err != nil {
		t.Fatal(err)
	}
	var words int
	for _, text := range []string{
		"ふざけるな、帰れ！土下座しろって言ってんだよ",
		"殴られて怪我をしました。誠意を見せていただけますよね",
		"帰らせないぞ。ちゃんと説明してください。ググれカス、ワロタ",
	} {
		for _, tk := range tok.Tokenize(text) {
			f := tk.Features()
			m, ok := mt.info(tk)
			if ok != (len(f) > 0) {
				t.Fatalf("%s: info ok=%v with features %v", tk.Surface, ok, f)
			}
			if !ok {
				continue
			}
			words++
			wantBase := ""
			if len(f) > 6 && f[6] != "*" {
				wantBase = f[6]
			}
			wantImp := len(f) > 5 && strings.HasPrefix(f[5], "命令")
			if m.pos != f[0] || m.base != wantBase || m.imperative != wantImp {
				t.Errorf("%s: got %+v, features %v", tk.Surface, m, f)
			}
		}
	}
	if words < 30 {
		t.Fatalf("only %d words checked", words)
	}
	// Every word of the dictionary, not only those of the sample texts.
	for id := range full.Contents {
		f := append([]string{full.POSTable.NameList[full.POSTable.POSs[id][0]]}, full.Contents[id]...)
		r := mt.records[id]
		if mt.pos[r&posMask] != f[0] {
			t.Fatalf("word %d: part of speech %q, want %q", id, mt.pos[r&posMask], f[0])
		}
	}
}

func TestParseMorphs_RefusesDamage(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":     nil,
		"not gzip":  []byte("KSMORPH1"),
		"truncated": morphsBin[:len(morphsBin)/2],
	} {
		if _, err := parseMorphs(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}
