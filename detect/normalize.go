package detect

import "unicode"

// boundary is what every clause separator (punctuation, spaces, newlines)
// becomes in normalized text, so patterns never match across a clause and
// transcripts without punctuation (where spaces or nothing separate clauses)
// behave like written text.
const boundary = ' '

// normText is text folded for matching, with the code-point offset in the
// original text of every normalized rune so spans can be reported against
// what the customer wrote.
type normText struct {
	r   []rune
	off []int // off[i] is the original code-point index of r[i]
}

// normalize folds width (full-width ASCII to ASCII, half-width katakana to
// full-width), katakana to hiragana, ASCII case, drops elongation marks
// (ー, 〜, small っ and small vowels) and collapses runs of three or more
// identical runes, so バカ, ばか, ばーーーか, ﾊﾞｶ and ばっか all meet the same
// lexicon entry. Lexicon terms go through the same function, which is what
// keeps the two sides consistent.
func normalize(s string, buf *normText) {
	buf.r = buf.r[:0]
	buf.off = buf.off[:0]
	i := 0
	var prev rune = boundary
	run := 0
	for _, c := range s {
		pos := i
		i++
		c = foldRune(c)
		switch {
		case c == 0:
			// A dropped rune separates runs: とっとと keeps its three と.
			prev = 0
			continue
		case c == voiced || c == semiVoiced:
			// Half-width kana write the voicing mark as a separate rune;
			// fold it into the previous kana when that kana takes it.
			if n := len(buf.r); n > 0 {
				if v, ok := voice(buf.r[n-1], c); ok {
					buf.r[n-1] = v
					prev = v
				}
			}
			continue
		}
		if c == prev && c != boundary && !isDigit(c) {
			run++
			if run >= 2 {
				// Three or more of the same rune: keep only the first.
				if run == 2 {
					buf.r = buf.r[:len(buf.r)-1]
					buf.off = buf.off[:len(buf.off)-1]
				}
				continue
			}
		} else {
			run = 0
		}
		if c == boundary && prev == boundary {
			continue
		}
		buf.r = append(buf.r, c)
		buf.off = append(buf.off, pos)
		prev = c
	}
}

const (
	voiced     = '\u309B'
	semiVoiced = '\u309C'
)

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

// foldRune maps one rune to its matching form; 0 means drop it.
func foldRune(c rune) rune {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + ('a' - 'A')
	case c >= 0xFF01 && c <= 0xFF5E: // full-width ASCII
		return foldRune(c - 0xFF01 + '!')
	case c >= 0xFF61 && c <= 0xFF9F: // half-width katakana
		return foldRune(halfKana[c-0xFF61])
	case c >= 0x30A1 && c <= 0x30F6: // katakana to hiragana
		return foldRune(c - 0x60)
	case c == 0x30FD || c == 0x30FE: // katakana iteration marks
		return c - 0x60
	}
	switch c {
	case 'ー', '〜', '～', '~', '−', 'ｰ', 'っ', 'ぁ', 'ぃ', 'ぅ', 'ぇ', 'ぉ', 'ゎ', '゛', '゜':
		if c == '゛' {
			return voiced
		}
		if c == '゜' {
			return semiVoiced
		}
		return 0
	case 0xFF9E:
		return voiced
	case 0xFF9F:
		return semiVoiced
	case '\u3000':
		return boundary
	}
	if c < 0x80 {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || unicode.IsPunct(c) || unicode.IsSymbol(c) {
			return boundary
		}
		return c
	}
	if unicode.IsSpace(c) || unicode.IsPunct(c) || unicode.IsSymbol(c) || unicode.IsControl(c) {
		return boundary
	}
	if c == unicode.ReplacementChar {
		return boundary
	}
	return c
}

// voice applies a voicing mark to a hiragana rune.
func voice(c, mark rune) (rune, bool) {
	if mark == voiced {
		switch {
		case c == 'う':
			return 'ゔ', true
		case (c >= 'か' && c <= 'ぢ') || (c >= 'つ' && c <= 'ど'):
			// Voiceable kana sit at odd code points, voiced at the next one.
			if (c-'か')%2 == 0 && c < 'っ' || c > 'っ' && (c-'つ')%2 == 0 {
				return c + 1, true
			}
		case c >= 'は' && c <= 'ぽ' && (c-'は')%3 == 0:
			return c + 1, true
		}
		return 0, false
	}
	if c >= 'は' && c <= 'ぽ' && (c-'は')%3 == 0 {
		return c + 2, true
	}
	return 0, false
}

// halfKana maps U+FF61..U+FF9F to their full-width forms.
var halfKana = []rune("。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン\u309B\u309C")

// normalizeTerm folds a lexicon term the same way as input text.
func normalizeTerm(s string) string {
	var n normText
	normalize(s, &n)
	return string(n.r)
}
