package detect

import (
	"bufio"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/kasuhara/kasuhara"
)

//go:embed lexicon.txt
var lexiconText string

// concept is a named set of surface forms with the guards that decide
// whether one occurrence counts.
type concept struct {
	name string
	verb bool // confirm with kagome that the first kanji heads a verb
	neg  bool // drop occurrences followed by a negation
	// lemma concepts list base forms (潰す, 帰る) and are matched on kagome
	// tokens, so one entry covers every conjugation and politeness level
	// (潰した, 潰しますよ, 潰してやる); negverb ones only count when the verb
	// is negated by the next auxiliary (帰らん, 動かへん, 切らせない).
	lemma   bool
	negverb bool
	// context concepts (ADDRESSEE, STAFF) only say at whom a behaviour is
	// aimed; they never make a second category's evidence its own.
	context   bool
	after     [][]rune
	before    [][]rune
	notAfter  [][]rune
	notBefore [][]rune
}

// rule raises a code's score by weight when all its concepts occur.
type rule struct {
	code     kasuhara.BehaviourCode
	weight   float64
	concepts []int
	window   int // 0: anywhere in the text
	// unless vetoes the rule when any of these concepts occurs in the
	// text: an inquiry (…できますか) or the writer's own apology
	// (すみません) turns money words or repeated calls into ordinary talk.
	unless []int
	// extra rules come from an organization's policy, which maps its
	// phrases to every code of a type: their words count for each code
	// even when another category already claims them.
	extra bool
}

// lexicon is the compiled form of lexicon.txt plus any extra phrases.
type lexicon struct {
	concepts []*concept
	byName   map[string]int
	rules    []rule
	// byFirst lists the rules by their first concept (indices into rules,
	// ascending): a text is checked against the rules whose first concept
	// it contains, not against all of them.
	byFirst   [][]int32
	trie      trie
	benign    int
	simile    int
	grievance int
	lemmas    map[string][]int // folded base form → lemma concepts
	imp       int              // IMPERATIVE_MORPH concept, -1 when absent
	// morphNeeds lists, for every rule that uses a morphology concept,
	// its other concepts: the text is tokenized for morphology only when
	// all of one rule's surface concepts occur, which keeps most texts
	// off kagome.
	morphNeeds [][]int
}

// indexRules fills byFirst once every rule, the organization's included,
// is known.
func (l *lexicon) indexRules() {
	l.byFirst = make([][]int32, len(l.concepts))
	for i, ru := range l.rules {
		f := ru.concepts[0]
		l.byFirst[f] = append(l.byFirst[f], int32(i))
	}
}

func (l *lexicon) concept(name string) int {
	if i, ok := l.byName[name]; ok {
		return i
	}
	l.concepts = append(l.concepts, &concept{name: name})
	l.byName[name] = len(l.concepts) - 1
	return len(l.concepts) - 1
}

func termRunes(s string) []rune {
	s = strings.ReplaceAll(s, "$", " ")
	return []rune(normalizeTerm(s))
}

// parseLexicon compiles the lexicon format described at the top of
// lexicon.txt. It fails on an unknown directive, code or concept so that a
// typo cannot silently disable a rule.
func parseLexicon(text string) (*lexicon, error) {
	l := &lexicon{byName: map[string]int{}, trie: newTrie(), lemmas: map[string][]int{}, imp: -1}
	var cur *concept
	curID := -1
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fail := func(f string, a ...any) error {
			return fmt.Errorf("detect: lexicon line %d: %s", ln, fmt.Sprintf(f, a...))
		}
		key, rest, _ := strings.Cut(line, " ")
		fields := strings.Fields(rest)
		switch key {
		case "concept":
			if len(fields) == 0 {
				return nil, fail("concept without a name")
			}
			curID = l.concept(fields[0])
			cur = l.concepts[curID]
			for _, f := range fields[1:] {
				switch f {
				case "verb":
					cur.verb = true
				case "neg":
					cur.neg = true
				case "lemma":
					cur.lemma = true
				case "negverb":
					cur.lemma, cur.negverb = true, true
				case "context":
					cur.context = true
				default:
					return nil, fail("unknown concept flag %q", f)
				}
			}
		case "terms:", "after:", "before:", "notafter:", "notbefore:":
			if cur == nil {
				return nil, fail("%s outside a concept", key)
			}
			for _, f := range fields {
				r := termRunes(f)
				if key == "after:" && f == "$" {
					r = []rune{boundary}
				}
				if len(r) == 0 {
					continue
				}
				switch key {
				case "terms:":
					if cur.lemma {
						k := string(r)
						l.lemmas[k] = append(l.lemmas[k], curID)
						continue
					}
					if len(r) == 1 && !unicode.Is(unicode.Han, r[0]) {
						return nil, fail("term %q folds to one kana and would match everywhere", f)
					}
					l.trie.add(r, curID)
				case "after:":
					cur.after = append(cur.after, r)
				case "before:":
					cur.before = append(cur.before, r)
				case "notafter:":
					cur.notAfter = append(cur.notAfter, r)
				case "notbefore:":
					cur.notBefore = append(cur.notBefore, r)
				}
			}
		case "rule":
			if len(fields) < 3 {
				return nil, fail("rule needs a code, a weight and a concept")
			}
			code := kasuhara.BehaviourCode(fields[0])
			if !code.Valid() {
				return nil, fail("unknown code %q", fields[0])
			}
			w, err := strconv.ParseFloat(fields[1], 64)
			if err != nil || w <= 0 || w >= 1 {
				return nil, fail("weight %q must be in (0,1)", fields[1])
			}
			r := rule{code: code, weight: w}
			fs := fields[2:]
			for k, f := range fs {
				if f != "unless" {
					continue
				}
				for _, name := range fs[k+1:] {
					id, ok := l.byName[name]
					if !ok {
						return nil, fail("rule uses undefined concept %q", name)
					}
					r.unless = append(r.unless, id)
				}
				fs = fs[:k]
				break
			}
			if n := len(fs); n >= 2 && fs[n-2] == "window" {
				r.window, err = strconv.Atoi(fs[n-1])
				if err != nil {
					return nil, fail("bad window %q", fs[n-1])
				}
				fs = fs[:n-2]
			}
			for _, name := range fs {
				id, ok := l.byName[name]
				if !ok {
					return nil, fail("rule uses undefined concept %q", name)
				}
				r.concepts = append(r.concepts, id)
			}
			l.rules = append(l.rules, r)
		default:
			return nil, fail("unknown directive %q", key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, name := range []string{"BENIGN", "SIMILE", "GRIEVANCE"} {
		if _, ok := l.byName[name]; !ok {
			return nil, fmt.Errorf("detect: lexicon lacks concept %s", name)
		}
	}
	l.benign, l.simile, l.grievance = l.byName["BENIGN"], l.byName["SIMILE"], l.byName["GRIEVANCE"]
	if id, ok := l.byName["IMPERATIVE_MORPH"]; ok {
		l.imp = id
	}
	for _, r := range l.rules {
		var need []int
		morph := false
		for _, c := range r.concepts {
			if c == l.imp || l.concepts[c].lemma {
				morph = true
			} else {
				need = append(need, c)
			}
		}
		if morph {
			l.morphNeeds = append(l.morphNeeds, need)
		}
	}
	return l, nil
}

// addExtra adds an organization's phrases for code as a concept of their
// own with a rule strong enough to flag on its own: the organization has
// said these words are harassment for it.
func (l *lexicon) addExtra(code kasuhara.BehaviourCode, phrases []string) {
	id := l.concept("EXTRA_" + string(code))
	n := 0
	for _, p := range phrases {
		r := termRunes(strings.TrimSpace(p))
		// One folded kana (お, ね) would flag nearly every text; the
		// lexicon refuses such terms for the same reason.
		if len(r) == 0 || len(r) == 1 && !unicode.Is(unicode.Han, r[0]) {
			continue
		}
		l.trie.add(r, id)
		n++
	}
	if n > 0 {
		l.rules = append(l.rules, rule{code: code, weight: 0.9, concepts: []int{id}, extra: true})
	}
}

// trie maps normalized terms to concepts. Transitions live in one map keyed
// by (node, rune): compact for a few thousand terms and fast enough that a
// full scan of a 25-character line costs about a microsecond.
type trie struct {
	next  map[uint64]int32
	out   [][]int // concept ids ending at each node
	nodes int32
}

func newTrie() trie {
	return trie{next: map[uint64]int32{}, out: [][]int{nil}, nodes: 1}
}

func (t *trie) add(term []rune, conceptID int) {
	n := int32(0)
	for _, c := range term {
		k := uint64(n)<<32 | uint64(uint32(c))
		m, ok := t.next[k]
		if !ok {
			m = t.nodes
			t.nodes++
			t.next[k] = m
			t.out = append(t.out, nil)
		}
		n = m
	}
	for _, id := range t.out[n] {
		if id == conceptID {
			return
		}
	}
	t.out[n] = append(t.out[n], conceptID)
}
