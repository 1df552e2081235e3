// Package detect finds customer harassment (カスハラ) in Japanese text from
// customers — phone transcripts, emails, chat, web forms, SNS replies — and
// explains each finding with the standard behaviour code, a score and the
// spans of the original text that justify it.
//
// The detector is a lexicon of concepts (surface forms folded for width,
// kana, elongation and common spelling variants) combined by rules, with
// guards for benign uses of trigger words and negation, and kagome (IPA
// dictionary) to tell a verb such as 殺す from a noun such as 殺菌. It does
// no I/O after New and is safe for concurrent use.
package detect

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"github.com/kasuhara/kasuhara"
)

// Verdicts returned in Result.Verdict.
const (
	VerdictNone       = "none"       // no complaint
	VerdictComplaint  = "complaint"  // dissatisfaction or a demand by acceptable means
	VerdictHarassment = "harassment" // at least one behaviour category found
)

// threshold is the score from which a category is reported.
const threshold = 0.5

// MaxTextRunes is the longest text Detect examines; callers should reject
// longer input rather than silently truncate it (see TooLong).
const MaxTextRunes = 20000

// Span locates evidence in the original text, in Unicode code points.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Category is one behaviour found in a text.
type Category struct {
	Code  kasuhara.BehaviourCode `json:"code"`
	Label string                 `json:"label"`
	Score float64                `json:"score"`
	Spans []Span                 `json:"spans"`
}

// Result is the detection for one text. Categories is never nil, ordered by
// descending score.
type Result struct {
	Verdict    string     `json:"verdict"`
	Categories []Category `json:"categories"`
}

// Has reports whether the result contains code.
func (r Result) Has(code kasuhara.BehaviourCode) bool {
	for _, c := range r.Categories {
		if c.Code == code {
			return true
		}
	}
	return false
}

// Detector finds harassment in text. Create it with New; it is safe for
// concurrent use.
type Detector struct {
	lex    *lexicon
	labels map[kasuhara.BehaviourCode]string
	tok    *tokenizer.Tokenizer
	morphs *morphTable
	model  *model // nil: rules only
	pool   sync.Pool
}

type options struct {
	labels  map[kasuhara.BehaviourCode]string
	extra   map[kasuhara.BehaviourCode][]string
	noModel bool
}

// rulesOnly leaves the learned layer out: training looks at what the rules
// find on their own.
func rulesOnly() Option {
	return func(o *options) error { o.noModel = true; return nil }
}

// Option configures a Detector.
type Option func(*options) error

// WithLabels replaces the standard Japanese label of the given codes with an
// organization's own wording (from its policy). Codes not in labels keep the
// standard label; an unknown code is an error from New.
func WithLabels(labels map[kasuhara.BehaviourCode]string) Option {
	return func(o *options) error {
		for c, l := range labels {
			if !c.Valid() {
				return fmt.Errorf("detect: label for unknown behaviour code %q", c)
			}
			o.labels[c] = l
		}
		return nil
	}
}

// WithExtraPhrases adds an organization's own phrases for codes: any
// occurrence (after the same normalization as the lexicon) flags the code.
// An unknown code is an error from New.
func WithExtraPhrases(phrases map[kasuhara.BehaviourCode][]string) Option {
	return func(o *options) error {
		for c, ps := range phrases {
			if !c.Valid() {
				return fmt.Errorf("detect: extra phrases for unknown behaviour code %q", c)
			}
			o.extra[c] = append(o.extra[c], ps...)
		}
		return nil
	}
}

var (
	tokOnce sync.Once
	tokVal  *tokenizer.Tokenizer
	tokErr  error
)

// sharedTokenizer loads the IPA dictionary once per process: it is the
// expensive part of New and read-only afterwards. Its contents are left out:
// what the detector reads of them is in morphs.bin.
func sharedTokenizer() (*tokenizer.Tokenizer, error) {
	tokOnce.Do(func() {
		tokVal, tokErr = tokenizer.New(ipa.DictShrink(), tokenizer.OmitBosEos())
	})
	return tokVal, tokErr
}

var (
	modelOnce sync.Once
	modelVal  *model
	modelErr  error
)

// sharedModel decodes the embedded model once per process against the
// embedded lexicon. Every detector shares it: an organization's extra
// phrases become concepts after the lexicon's own, so the concept ids the
// model knows are the same in each, and a detector per policy version
// costs its lexicon, not another copy of the weights.
func sharedModel() (*model, error) {
	modelOnce.Do(func() {
		lex, err := parseLexicon(lexiconText)
		if err != nil {
			modelErr = err
			return
		}
		modelVal, modelErr = loadModel(modelBin, lex)
	})
	return modelVal, modelErr
}

// New compiles the embedded lexicon with the given options and loads the
// kagome IPA dictionary. It returns an error for an invalid option or a
// broken embedded lexicon.
func New(opts ...Option) (*Detector, error) {
	o := options{labels: map[kasuhara.BehaviourCode]string{}, extra: map[kasuhara.BehaviourCode][]string{}}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	lex, err := parseLexicon(lexiconText)
	if err != nil {
		return nil, err
	}
	for _, c := range kasuhara.BehaviourCodes {
		if ps := o.extra[c]; len(ps) > 0 {
			lex.addExtra(c, ps)
		}
	}
	lex.indexRules()
	labels := make(map[kasuhara.BehaviourCode]string, len(kasuhara.BehaviourLabelsJA))
	for c, l := range kasuhara.BehaviourLabelsJA {
		labels[c] = l
	}
	for c, l := range o.labels {
		labels[c] = l
	}
	// The model is decoded before the dictionary is loaded: its decoding
	// garbage is then collected against a small heap instead of adding to
	// the peak next to the dictionary's 150 MB.
	var m *model
	if !o.noModel {
		if m, err = sharedModel(); err != nil {
			return nil, err
		}
	}
	tok, err := sharedTokenizer()
	if err != nil {
		return nil, fmt.Errorf("detect: load kagome dictionary: %w", err)
	}
	morphs, err := sharedMorphs()
	if err != nil {
		return nil, err
	}
	d := &Detector{lex: lex, labels: labels, tok: tok, morphs: morphs, model: m}
	d.pool.New = func() any { return &scratch{} }
	return d, nil
}

// Label returns the label the detector uses for code.
func (d *Detector) Label(code kasuhara.BehaviourCode) string { return d.labels[code] }

// TooLong reports whether text exceeds MaxTextRunes.
func TooLong(text string) bool { return utf8.RuneCountInString(text) > MaxTextRunes }

// occ is one accepted concept occurrence in normalized text, [s, e).
type occ struct {
	s, e    int
	concept int
}

type scratch struct {
	n    normText
	occs []occ
	// byCon holds the accepted occurrences by concept id; present lists
	// the ids with any, so that a text costs what it contains, not the
	// size of the lexicon.
	byCon   [][]occ
	present []int32
	orig    []rune
	tokens  []tokenizer.Token
	tokSet  bool
	o2n     []int // original code point → normalized index (-1: dropped)
	quoted  []bool
	feats   []featurePos
	cand    []int32 // rules to try
	// Occurrences inside reported speech or titles, by concept, and the
	// codes the rules would find if those were the writer's own words.
	qCon     [][]occ
	qPresent []int32
	qCodes   []quotedCode
	stamp    []uint32 // per model feature: gen when last seen
	gen      uint32
}

// Detect examines text and returns its verdict and categories. Invalid
// UTF-8 is treated as separators; text beyond MaxTextRunes is ignored.
func (d *Detector) Detect(text string) Result {
	sc := d.pool.Get().(*scratch)
	defer d.pool.Put(sc)
	text = d.analyze(text, sc)
	return d.score(text, sc)
}

// analyze normalizes text and collects the accepted concept occurrences
// into sc; it returns the text as examined (valid UTF-8, capped).
func (d *Detector) analyze(text string, sc *scratch) string {
	if !utf8.ValidString(text) {
		text = toValid(text)
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		text = string([]rune(text)[:MaxTextRunes])
	}
	sc.tokSet = false
	sc.orig = sc.orig[:0]
	normalize(text, &sc.n)
	// A boundary on each side lets "$" guards and terms see the edges.
	n := &sc.n
	n.r = append(n.r, boundary)
	n.off = append(n.off, utf8.RuneCountInString(text))
	d.match(text, sc)
	return text
}

func toValid(s string) string {
	b := make([]rune, 0, len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		b = append(b, r) // RuneError for invalid bytes: folded to a separator
		s = s[size:]
	}
	return string(b)
}

// match collects every concept occurrence, longest first at each position,
// and drops those covered by a benign phrase or failing their guards.
func (d *Detector) match(text string, sc *scratch) {
	r := sc.n.r
	t := &d.lex.trie
	sc.occs = sc.occs[:0]
	for i := range r {
		node := int32(0)
		for j := i; j < len(r); j++ {
			m, ok := t.next[uint64(node)<<32|uint64(uint32(r[j]))]
			if !ok {
				break
			}
			node = m
			for _, c := range t.out[node] {
				sc.occs = append(sc.occs, occ{s: i, e: j + 1, concept: c})
			}
		}
	}
	d.matchMorph(text, sc)
	if nc := len(d.lex.concepts); len(sc.byCon) != nc {
		sc.byCon, sc.qCon = make([][]occ, nc), make([][]occ, nc)
		sc.present, sc.qPresent = sc.present[:0], sc.qPresent[:0]
	}
	for _, id := range sc.present {
		sc.byCon[id] = sc.byCon[id][:0]
	}
	for _, id := range sc.qPresent {
		sc.qCon[id] = sc.qCon[id][:0]
	}
	sc.present, sc.qPresent = sc.present[:0], sc.qPresent[:0]
	// Benign phrases (殺菌, 死ぬほど, 頭が上がらない) own their runes.
	var benign []occ
	for _, o := range sc.occs {
		if o.concept == d.lex.benign {
			benign = append(benign, o)
		}
	}
	markQuoted(text, sc)
next:
	for _, o := range sc.occs {
		if o.concept == d.lex.benign {
			continue
		}
		for _, b := range benign {
			if o.s < b.e && b.s < o.e {
				continue next
			}
		}
		o, ok := d.accept(text, sc, o)
		if !ok {
			continue
		}
		if sc.quoted[o.s] {
			// Not the writer's words: no rule fires on them, but the
			// learned layer sees what they would show (quotedCodes).
			if len(sc.qCon[o.concept]) == 0 {
				sc.qPresent = append(sc.qPresent, int32(o.concept))
			}
			sc.qCon[o.concept] = append(sc.qCon[o.concept], o)
			continue
		}
		if len(sc.byCon[o.concept]) == 0 {
			sc.present = append(sc.present, int32(o.concept))
		}
		sc.byCon[o.concept] = append(sc.byCon[o.concept], o)
	}
}

// Auxiliaries that negate the verb before them, in standard Japanese and
// the dialects callers use (帰らん, 動かへん, 離れひん, 切らせねえ).
var negAux = map[string]bool{"ない": true, "ん": true, "へん": true, "ひん": true, "ぬ": true, "ねえ": true, "ねぇ": true, "ねー": true}

// Imperatives that are polite requests, not commands (ください, なさい).
var politeImperative = map[string]bool{"くださる": true, "下さる": true, "なさる": true, "いらっしゃる": true, "おっしゃる": true, "ござる": true, "召し上がる": true}

// matchMorph tokenizes the text once and adds occurrences of lemma
// concepts (by base form, so every conjugation meets one entry) and of
// IMPERATIVE_MORPH (any verb in an imperative form: 出ろ, 黙れ, 診ろ,
// 待っとけ), which is how a command is told from a request without
// listing each verb.
func (d *Detector) matchMorph(text string, sc *scratch) {
	if !d.needsMorph(sc) {
		return
	}
	d.ensureTokens(text, sc)
	span := func(start, end int) (int, int, bool) {
		s, e := sc.o2nSpan(start, end)
		return s, e, s >= 0
	}
	toks := sc.tokens
	var key []rune
	for i, t := range toks {
		m, ok := d.morphs.info(t)
		if !ok {
			continue
		}
		if d.lex.imp >= 0 && m.pos == "動詞" && m.imperative && !politeImperative[m.base] {
			if s, e, ok := span(t.Start, t.End); ok {
				sc.occs = append(sc.occs, occ{s: s, e: e, concept: d.lex.imp})
			}
		}
		base := t.Surface
		if m.base != "" {
			base = m.base
		}
		key = foldKey(key[:0], base)
		ids := d.lex.lemmas[string(key)]
		for _, id := range ids {
			c := d.lex.concepts[id]
			end := t.End
			if c.negverb {
				found := false
				for j := i + 1; j < len(toks) && j <= i+3; j++ {
					mj, ok := d.morphs.info(toks[j])
					if ok && mj.pos == "助動詞" && (negAux[mj.base] || mj.base == "ます" && j+1 < len(toks) && toks[j+1].Surface == "ん") {
						found = true
						end = toks[j].End
						break
					}
					// Causative and potential auxiliaries may sit in between
					// (帰らせない, 切らせへん).
					if !ok || mj.pos != "動詞" && mj.pos != "助動詞" {
						break
					}
				}
				if !found {
					continue
				}
			}
			if s, e, ok := span(t.Start, end); ok {
				sc.occs = append(sc.occs, occ{s: s, e: e, concept: id})
			}
		}
	}
}

// needsMorph reports whether some rule that uses a morphology concept has
// all its surface concepts among the raw occurrences.
func (d *Detector) needsMorph(sc *scratch) bool {
	for _, need := range d.lex.morphNeeds {
		ok := true
		for _, c := range need {
			found := false
			for _, o := range sc.occs {
				if o.concept == c {
					found = true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// foldKey folds a base form like a lexicon term (katakana → hiragana …).
func foldKey(dst []rune, s string) []rune {
	for _, c := range s {
		if c = foldRune(c); c != 0 && c != boundary {
			dst = append(dst, c)
		}
	}
	return dst
}

func (d *Detector) ensureTokens(text string, sc *scratch) {
	if sc.tokSet {
		return
	}
	sc.tokens = d.tok.Tokenize(text)
	sc.tokSet = true
	// Map original code points to normalized runes, for tokens' spans.
	nOrig := utf8.RuneCountInString(text) + 1
	if cap(sc.o2n) < nOrig {
		sc.o2n = make([]int, nOrig)
	}
	sc.o2n = sc.o2n[:nOrig]
	for i := range sc.o2n {
		sc.o2n[i] = -1
	}
	for i, off := range sc.n.off {
		if off < nOrig && sc.o2n[off] < 0 {
			sc.o2n[off] = i
		}
	}
}

// o2nSpan maps original code points [start, end) to normalized runes;
// s is -1 when every one of them was dropped by normalization.
func (sc *scratch) o2nSpan(start, end int) (s, e int) {
	s, e = -1, -1
	for p := start; p < end && p < len(sc.o2n); p++ {
		if k := sc.o2n[p]; k >= 0 {
			if s < 0 {
				s = k
			}
			e = k + 1
		}
	}
	return s, e
}

// markQuoted marks normalized runes inside a quoted title (『バカの壁』)
// or a quotation the text reports as someone else's words (「殺すぞ」って
// 怒鳴る客がいて, 「首」という映画): such words are not addressed to staff.
// A plain 「…」と言った stays evidence, as incident reports quote the
// customer that way.
func markQuoted(text string, sc *scratch) {
	n := len(sc.n.r)
	if cap(sc.quoted) < n {
		sc.quoted = make([]bool, n)
	}
	sc.quoted = sc.quoted[:n]
	for i := range sc.quoted {
		sc.quoted[i] = false
	}
	if !strings.ContainsAny(text, "『「") {
		return
	}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		open := rs[i]
		if open != '『' && open != '「' {
			continue
		}
		closeR := '」'
		if open == '『' {
			closeR = '』'
		}
		j := i + 1
		for j < len(rs) && rs[j] != closeR {
			j++
		}
		if j >= len(rs) {
			break
		}
		drop := open == '『'
		if !drop {
			rest := string(rs[j+1 : min(len(rs), j+12)])
			for _, p := range reportedMarks {
				if strings.HasPrefix(rest, p) {
					drop = true
					break
				}
			}
		}
		if drop {
			for k, off := range sc.n.off {
				if off > i && off < j {
					sc.quoted[k] = true
				}
			}
		}
		i = j
	}
}

// reportedMarks follow a quotation that names a work or reports what
// someone other than the writer said.
var reportedMarks = []string{"という", "っていう", "って言われ", "と言われ", "って怒鳴る", "って叫ぶ", "と怒鳴る", "って書いて", "という本", "って本", "ってドラマ", "って映画", "って曲", "って台詞", "ってセリフ", "の台詞", "のセリフ"}

func hasPrefixAt(r []rune, i int, p []rune) bool {
	if i+len(p) > len(r) {
		return false
	}
	for k, c := range p {
		if r[i+k] != c {
			return false
		}
	}
	return true
}

// endsNear reports whether p ends within dist runes before position i.
func endsNear(r []rune, i, dist int, p []rune) bool {
	for end := i; end >= i-dist && end-len(p) >= 0; end-- {
		if hasPrefixAt(r, end-len(p), p) {
			return true
		}
	}
	return false
}

var (
	negations    = [][]rune{[]rune("ない"), []rune("なく"), []rune("ません"), []rune("ねえ"), []rune("へん"), []rune("無い"), []rune("ずに")}
	conditionals = [][]rune{[]rune("なかたら"), []rune("なけれ"), []rune("ないと"), []rune("なきゃ"), []rune("ないなら"), []rune("なくても"), []rune("ないか"), []rune("ないよう"), []rune("ねえと"), []rune("ねえぞ")}
	similes      = [][]rune{[]rune("ような"), []rune("みたいな"), []rune("みたいに"), []rune("ように"), []rune("ほど")}
)

// accept applies a concept's guards to one occurrence. A required
// neighbour that follows the match (土下座 + せえ) becomes part of it: the
// command ending is how that behaviour is said, so it is this
// occurrence's evidence and not a second, intimidating one.
func (d *Detector) accept(text string, sc *scratch, o occ) (occ, bool) {
	c := d.lex.concepts[o.concept]
	r := sc.n.r
	grow := 0
	if len(c.after) > 0 || len(c.before) > 0 {
		ok := false
		for _, p := range c.after {
			if hasPrefixAt(r, o.e, p) {
				ok = true
				grow = len(p)
				if p[len(p)-1] == boundary {
					grow--
				}
				break
			}
		}
		if !ok {
			for _, p := range c.before {
				if endsNear(r, o.s, 6, p) {
					ok = true
					break
				}
			}
		}
		if !ok {
			return o, false
		}
	}
	for _, p := range c.notAfter {
		if hasPrefixAt(r, o.e, p) {
			return o, false
		}
	}
	for _, p := range c.notBefore {
		if endsNear(r, o.s, 4, p) {
			return o, false
		}
	}
	if c.neg && negatedOrSimile(r, o.e) {
		return o, false
	}
	if c.verb && !d.headsVerb(text, sc, o) {
		return o, false
	}
	o.e += grow
	return o, true
}

// negatedOrSimile looks a few runes past a match, within the clause, for a
// negation (殺さない, 晒すつもりはない) that is not a threat's condition
// (殺されたくなかったら) or for a simile (殴られたような衝撃).
func negatedOrSimile(r []rune, e int) bool {
	for i := e; i < len(r) && i < e+10; i++ {
		for _, p := range conditionals {
			if hasPrefixAt(r, i, p) {
				return false
			}
		}
		for _, p := range negations {
			if hasPrefixAt(r, i, p) {
				return true
			}
		}
		if i < e+6 {
			for _, p := range similes {
				if hasPrefixAt(r, i, p) {
					return true
				}
			}
		}
		// A clause end, a sentence-final particle or the next content word
		// (a kanji) closes the scope a negation could have.
		if c := r[i]; c == boundary || c == 'ぞ' || c == 'よ' || c == 'わ' || (unicode.Is(unicode.Han, c) && c != '無') {
			return false
		}
	}
	return false
}

// headsVerb confirms with kagome that the occurrence's first kanji belongs
// to a verb, so 殺す and 刺される count while 殺菌 and 刺し子 do not even when
// the benign list has never heard of them. Only texts that reach this point
// are tokenized, which keeps detection close to the cost of normalization.
func (d *Detector) headsVerb(text string, sc *scratch, o occ) bool {
	pos := -1
	for i := o.s; i < o.e; i++ {
		if unicode.Is(unicode.Han, sc.n.r[i]) {
			pos = sc.n.off[i]
			break
		}
	}
	if pos < 0 {
		return true
	}
	d.ensureTokens(text, sc)
	for i, t := range sc.tokens {
		if t.Start <= pos && pos < t.End {
			m, ok := d.morphs.info(t)
			return ok && m.pos == "動詞" && !d.victimPassive(sc.tokens, i)
		}
	}
	return false
}

// victimPassive reports whether the verb at i is a plain passive (蚊に
// 刺された, 友達に殴られて): the writer or someone else suffered it, nobody
// is threatened. A passive wished on the listener (殺されたいんか,
// 殺されたくなかったら) stays a threat.
func (d *Detector) victimPassive(toks []tokenizer.Token, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	m, ok := d.morphs.info(toks[i+1])
	if !ok || m.pos != "動詞" || m.base != "れる" && m.base != "られる" {
		return false
	}
	// Only a narrated passive (刺された, 殴られて) is a report; 刺されても,
	// 刺されたら and 殺されたい speak of what may happen to the listener.
	if i+2 >= len(toks) {
		return false
	}
	next := toks[i+2].Surface
	after := ""
	if i+3 < len(toks) {
		after = toks[i+3].Surface
	}
	switch next {
	case "た":
		return after != "ら"
	case "て":
		return after != "も"
	}
	return false
}

type hit struct {
	code   kasuhara.BehaviourCode
	weight float64
	occs   []occ
}

// score fires the rules and turns them into categories and a verdict.
func (d *Detector) score(text string, sc *scratch) Result {
	type fired struct {
		ru   rule
		used []occ
	}
	var hits []fired
	best := map[kasuhara.BehaviourCode]float64{}
	d.eachFiring(sc, func(ru rule, used []occ) {
		hits = append(hits, fired{ru, used})
		best[ru.code] = max(best[ru.code], ru.weight)
	})
	d.quotedCodes(sc, best)
	// One piece of evidence supports one behaviour: codes are settled from
	// the strongest down, and a rule whose every occurrence lies inside
	// evidence already claimed by a reported code adds nothing to a second
	// code (帰れると思うな in 無事で帰れると思うな is the threat, not a
	// restraint; the imperative of クビにしとけ is the punishment demand,
	// not a second, intimidating behaviour).
	order := make([]kasuhara.BehaviourCode, 0, len(best))
	for _, c := range kasuhara.BehaviourCodes {
		if _, ok := best[c]; ok {
			order = append(order, c)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return best[order[i]] > best[order[j]] })
	scores := map[kasuhara.BehaviourCode]float64{}
	spans := map[kasuhara.BehaviourCode][]occ{}
	var claimed []occ
	orgCodes := map[kasuhara.BehaviourCode]bool{}
	for _, h := range hits {
		if h.ru.extra {
			orgCodes[h.ru.code] = true
		}
	}
	for _, code := range order {
		var mine []occ
		for _, h := range hits {
			if h.ru.code != code || !h.ru.extra && d.covered(h.used, claimed) {
				continue
			}
			s := scores[code]
			scores[code] = 1 - (1-s)*(1-h.ru.weight)
			mine = append(mine, h.used...)
		}
		if len(mine) == 0 {
			delete(best, code)
			continue
		}
		spans[code] = mine
		if scores[code] >= threshold {
			claimed = append(claimed, mine...)
		}
	}
	// A rough tone alone (an imperative, おい) is part of how a threat or a
	// demand is said, not a second behaviour: a category that only weak
	// cues support is dropped when another one has strong evidence.
	strong := false
	for _, w := range best {
		strong = strong || w >= 0.75
	}
	if strong {
		for c, w := range best {
			if w < 0.6 {
				delete(scores, c)
			}
		}
	}
	if d.model != nil {
		d.decide(sc, scores, spans, orgCodes)
	}
	res := Result{Verdict: VerdictNone, Categories: []Category{}}
	maxWeak := 0.0
	for _, code := range kasuhara.BehaviourCodes {
		s, ok := scores[code]
		if !ok {
			continue
		}
		if s < threshold {
			maxWeak = max(maxWeak, s)
			continue
		}
		res.Categories = append(res.Categories, Category{
			Code:  code,
			Label: d.labels[code],
			Score: float64(int(s*100+0.5)) / 100,
			Spans: d.spans(text, sc, spans[code]),
		})
	}
	sort.SliceStable(res.Categories, func(i, j int) bool { return res.Categories[i].Score > res.Categories[j].Score })
	switch {
	case len(res.Categories) > 0:
		res.Verdict = VerdictHarassment
	case len(sc.byCon[d.lex.grievance]) > 0 || maxWeak >= 0.35:
		res.Verdict = VerdictComplaint
	}
	return res
}

// eachFiring calls fn for every rule that fires on the occurrences in
// sc.byCon, in the lexicon's order.
func (d *Detector) eachFiring(sc *scratch, fn func(ru rule, used []occ)) {
	cand := sc.cand[:0]
	for _, id := range sc.present {
		cand = append(cand, d.lex.byFirst[id]...)
	}
	slices.Sort(cand) // the lexicon's order, as if every rule were tried
	sc.cand = cand
	for _, ri := range cand {
		ru := d.lex.rules[ri]
		if used, ok := d.fire(ru, sc); ok {
			fn(ru, used)
		}
	}
}

// quotedCode is a code the rules find only in quoted words, with the
// quoted occurrences that show it.
type quotedCode struct {
	code kasuhara.BehaviourCode
	occs []occ
}

// quotedCodes fills sc.qCodes with the codes the rules would report if
// the quoted words were the writer's own and the writer's own words do
// not. Whether a quotation is a customer's words in a staff report
// (報告：『殺すぞ』と言われた) or a title, a rumour or a rule being
// explained is for the learned layer to weigh from the rest of the text.
func (d *Detector) quotedCodes(sc *scratch, best map[kasuhara.BehaviourCode]float64) {
	sc.qCodes = sc.qCodes[:0]
	if len(sc.qPresent) == 0 {
		return
	}
	own, ownPresent := sc.byCon, sc.present
	all := make([][]occ, len(own))
	present := slices.Clone(ownPresent)
	for _, id := range ownPresent {
		all[id] = append(all[id], own[id]...)
	}
	for _, id := range sc.qPresent {
		if len(all[id]) == 0 {
			present = append(present, id)
		}
		all[id] = append(all[id], sc.qCon[id]...)
	}
	sc.byCon, sc.present = all, present
	d.eachFiring(sc, func(ru rule, used []occ) {
		if ru.weight < threshold || best[ru.code] >= threshold {
			return
		}
		for i := range sc.qCodes {
			if sc.qCodes[i].code == ru.code {
				return
			}
		}
		sc.qCodes = append(sc.qCodes, quotedCode{ru.code, used})
	})
	sc.byCon, sc.present = own, ownPresent
}

// decide applies the learned layer (see model.go) to the rules' scores.
func (d *Detector) decide(sc *scratch, scores map[kasuhara.BehaviourCode]float64, spans map[kasuhara.BehaviourCode][]occ, orgCodes map[kasuhara.BehaviourCode]bool) {
	m := d.model
	sc.feats = m.features(sc, scores, sc.feats)
	gate := m.prob(m.gateIndex(), sc.feats)
	if gate < m.gate {
		for code, s := range scores {
			if s >= threshold && !orgCodes[code] {
				delete(scores, code)
			}
		}
		return
	}
	found := false
	bestK, bestP := -1, 0.0
	for k, code := range m.codes {
		p := m.prob(k, sc.feats)
		if p > bestP {
			bestK, bestP = k, p
		}
		switch {
		case scores[code] >= threshold:
			if p < m.keep && !orgCodes[code] {
				delete(scores, code)
				continue
			}
		case p >= m.add[k]:
			scores[code] = p
			spans[code] = m.evidence(k, sc.feats)
		default:
			continue
		}
		found = true
	}
	if !found && gate >= fallbackGate && m.fallback > 0 && bestP >= m.fallback {
		code := m.codes[bestK]
		scores[code] = max(bestP, threshold)
		if len(spans[code]) == 0 { // a rule's own words explain it best
			spans[code] = m.evidence(bestK, sc.feats)
		}
	}
}

// fire reports whether every concept of ru occurs (within its window of the
// first) and returns the occurrences that justify it.
func (d *Detector) fire(ru rule, sc *scratch) ([]occ, bool) {
	first := sc.byCon[ru.concepts[0]]
	if len(first) == 0 {
		return nil, false
	}
	for _, u := range ru.unless {
		if len(sc.byCon[u]) > 0 {
			return nil, false
		}
	}
	if len(ru.concepts) == 1 {
		return first, true
	}
	for _, a := range first {
		used := []occ{a}
		ok := true
		for _, cid := range ru.concepts[1:] {
			found := false
			for _, b := range sc.byCon[cid] {
				if ru.window == 0 || gap(a, b) <= ru.window {
					used = append(used, b)
					found = true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			return used, true
		}
	}
	return nil, false
}

// covered reports whether every occurrence in used overlaps one in
// claimed. Context concepts (who is addressed, whose data) say where a
// behaviour is aimed, not that it happened, so they never count as a
// rule's own evidence.
func (d *Detector) covered(used, claimed []occ) bool {
	if len(claimed) == 0 {
		return false
	}
	own := false
	for _, u := range used {
		if d.lex.concepts[u.concept].context {
			continue
		}
		own = true
		hit := false
		for _, c := range claimed {
			if u.s < c.e && c.s < u.e {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return own
}

func gap(a, b occ) int {
	if b.s >= a.e {
		return b.s - a.e
	}
	if a.s >= b.e {
		return a.s - b.e
	}
	return 0
}

// spans maps occurrences back to the original text, merging overlaps and
// trimming the separators a term may include.
func (d *Detector) spans(text string, sc *scratch, os []occ) []Span {
	if len(sc.orig) == 0 {
		sc.orig = append(sc.orig, []rune(text)...)
	}
	type iv struct{ s, e int }
	var ivs []iv
	for _, o := range os {
		s, e := o.s, o.e
		for s < e && sc.n.r[s] == boundary {
			s++
		}
		for e > s && sc.n.r[e-1] == boundary {
			e--
		}
		if s >= e {
			continue
		}
		ivs = append(ivs, iv{sc.n.off[s], sc.n.off[e-1] + 1})
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].s < ivs[j].s || ivs[i].s == ivs[j].s && ivs[i].e > ivs[j].e })
	out := []Span{}
	for _, v := range ivs {
		if n := len(out); n > 0 && v.s <= out[n-1].End {
			if v.e > out[n-1].End {
				out[n-1].End = v.e
			}
			continue
		}
		out = append(out, Span{Start: v.s, End: v.e})
	}
	for i := range out {
		out[i].Text = string(sc.orig[out[i].Start:out[i].End])
	}
	return out
}
