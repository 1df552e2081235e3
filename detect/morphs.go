package detect

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// The detector needs three things of a dictionary word: its part of speech,
// whether it is an imperative form and its base form. kagome keeps them in
// the dictionary's contents, 392,000 rows of nine strings that make up about
// 55 MB of a server's live heap and most of its pointers, which every
// garbage collection scans. morphs.bin holds just those three, pointer-free,
// generated from the same dictionary by `go run ./detect/cmd/genmorphs`;
// the tokenizer loads the dictionary without contents.
//
//go:embed morphs.bin
var morphsBin []byte

const morphsMagic = "KSMORPH1"

// A morph record packs, from the low bits: the part of speech's index
// (posBits), the imperative flag, and the base form's index (0: none, the
// surface is the base).
const (
	posBits       = 5
	posMask       = 1<<posBits - 1
	imperativeBit = 1 << posBits
	baseShift     = posBits + 1
)

type morphTable struct {
	pos     []string
	records []uint32
	blob    string   // base forms, back to back
	baseEnd []uint32 // baseEnd[i] is where base i ends in blob; base 0 is empty
}

// BuildMorphs encodes the part of speech, imperative flag and base form of
// every word of d, in the format morphs.bin is embedded in.
func BuildMorphs(d *dict.Dict) ([]byte, error) {
	if len(d.Contents) != len(d.POSTable.POSs) {
		return nil, fmt.Errorf("dictionary has %d content rows for %d words", len(d.Contents), len(d.POSTable.POSs))
	}
	posIndex := map[string]int{}
	var posNames []string
	baseIndex := map[string]int{"": 0}
	var blob bytes.Buffer
	var baseEnd []uint32
	baseEnd = append(baseEnd, 0)
	records := make([]uint32, len(d.Contents))
	for id := range d.Contents {
		f := make([]string, 0, 9)
		for _, p := range d.POSTable.POSs[id] {
			f = append(f, d.POSTable.NameList[p])
		}
		f = append(f, d.Contents[id]...)
		if len(f) == 0 {
			return nil, fmt.Errorf("word %d has no features", id)
		}
		p, ok := posIndex[f[0]]
		if !ok {
			p = len(posNames)
			if p > posMask {
				return nil, errors.New("more parts of speech than a record holds")
			}
			posIndex[f[0]] = p
			posNames = append(posNames, f[0])
		}
		r := uint32(p)
		if len(f) > 5 && strings.HasPrefix(f[5], "命令") {
			r |= imperativeBit
		}
		if len(f) > 6 && f[6] != "*" {
			b, ok := baseIndex[f[6]]
			if !ok {
				b = len(baseEnd)
				baseIndex[f[6]] = b
				blob.WriteString(f[6])
				baseEnd = append(baseEnd, uint32(blob.Len()))
			}
			if b >= 1<<(32-baseShift) {
				return nil, errors.New("more base forms than a record holds")
			}
			r |= uint32(b) << baseShift
		}
		records[id] = r
	}
	var raw bytes.Buffer
	raw.WriteString(morphsMagic)
	w32 := func(v uint32) { raw.Write(binary.LittleEndian.AppendUint32(nil, v)) }
	w32(uint32(len(posNames)))
	raw.WriteString(strings.Join(posNames, "\n"))
	raw.WriteByte(0)
	w32(uint32(len(baseEnd)))
	for _, e := range baseEnd {
		w32(e)
	}
	raw.Write(blob.Bytes())
	w32(uint32(len(records)))
	for _, r := range records {
		w32(r)
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(raw.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func parseMorphs(b []byte) (*morphTable, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("detect: morphs.bin: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("detect: morphs.bin: %w", err)
	}
	bad := errors.New("detect: morphs.bin is truncated or not a morph table")
	if !bytes.HasPrefix(raw, []byte(morphsMagic)) {
		return nil, bad
	}
	raw = raw[len(morphsMagic):]
	r32 := func() (uint32, bool) {
		if len(raw) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(raw)
		raw = raw[4:]
		return v, true
	}
	t := &morphTable{}
	nPOS, ok := r32()
	end := bytes.IndexByte(raw, 0)
	if !ok || end < 0 {
		return nil, bad
	}
	t.pos = strings.Split(string(raw[:end]), "\n")
	raw = raw[end+1:]
	nBase, ok := r32()
	if !ok || len(t.pos) != int(nPOS) || uint64(len(raw)) < 4*uint64(nBase) {
		return nil, bad
	}
	t.baseEnd = make([]uint32, nBase)
	for i := range t.baseEnd {
		t.baseEnd[i], _ = r32()
		if i > 0 && t.baseEnd[i] < t.baseEnd[i-1] {
			return nil, bad
		}
	}
	if nBase == 0 || int(t.baseEnd[nBase-1]) > len(raw) {
		return nil, bad
	}
	t.blob = string(raw[:t.baseEnd[nBase-1]])
	raw = raw[t.baseEnd[nBase-1]:]
	n, ok := r32()
	if !ok || uint64(len(raw)) != 4*uint64(n) {
		return nil, bad
	}
	t.records = make([]uint32, n)
	for i := range t.records {
		t.records[i], _ = r32()
		if int(t.records[i]&posMask) >= len(t.pos) || int(t.records[i]>>baseShift) >= len(t.baseEnd) {
			return nil, bad
		}
	}
	return t, nil
}

// morphInfo is what the detector reads of a token.
type morphInfo struct {
	pos        string // top level: 動詞, 助動詞, 名詞…
	imperative bool
	base       string // "" when the dictionary has none
}

// info describes a token of the shared tokenizer; ok is false for a token
// without features.
func (t *morphTable) info(tok tokenizer.Token) (morphInfo, bool) {
	if tok.Class == tokenizer.KNOWN && tok.ID >= 0 && tok.ID < len(t.records) {
		r := t.records[tok.ID]
		m := morphInfo{pos: t.pos[r&posMask], imperative: r&imperativeBit != 0}
		if b := r >> baseShift; b > 0 {
			m.base = t.blob[t.baseEnd[b-1]:t.baseEnd[b]]
		}
		return m, true
	}
	if tok.Class == tokenizer.KNOWN {
		return morphInfo{}, false
	}
	// Unknown words carry their few features in the small unknown-word
	// dictionary, which the contents-free dictionary keeps.
	f := tok.Features()
	if len(f) == 0 {
		return morphInfo{}, false
	}
	m := morphInfo{pos: f[0]}
	if len(f) > 5 && strings.HasPrefix(f[5], "命令") {
		m.imperative = true
	}
	if len(f) > 6 && f[6] != "*" {
		m.base = f[6]
	}
	return m, true
}

var (
	morphOnce sync.Once
	morphVal  *morphTable
	morphErr  error
)

func sharedMorphs() (*morphTable, error) {
	morphOnce.Do(func() {
		morphVal, morphErr = parseMorphs(morphsBin)
		if morphErr == nil && len(morphVal.records) != len(ipa.DictShrink().POSTable.POSs) {
			morphErr = fmt.Errorf("detect: morphs.bin has %d words, the dictionary %d: run go run ./detect/cmd/genmorphs", len(morphVal.records), len(ipa.DictShrink().POSTable.POSs))
		}
	})
	return morphVal, morphErr
}
