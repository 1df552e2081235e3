// Package i18n is the message catalog: every user-visible string of kasuhara,
// in Japanese (the default) and English. Catalog files live in catalog/ and
// are named AREA.LANG.json (e.g. web.ja.json), so each part of the program
// owns its own file; all files of a language are merged into one key space.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Languages supported, default first.
var Languages = []string{"ja", "en"}

// Default is the language used when nothing else is known.
const Default = "ja"

//go:embed catalog/*.json
var catalogFS embed.FS

// catalog maps language → key → message.
var catalog = map[string]map[string]string{}

// loadErr is reported by Check; a broken catalog must fail tests, not start-up.
var loadErr error

func init() {
	loadErr = load(catalogFS)
}

func load(fsys fs.FS) error {
	files, err := fs.Glob(fsys, "catalog/*.json")
	if err != nil {
		return err
	}
	for _, name := range files {
		parts := strings.Split(strings.TrimSuffix(path.Base(name), ".json"), ".")
		if len(parts) != 2 {
			return fmt.Errorf("i18n: %s: want AREA.LANG.json", name)
		}
		lang := parts[1]
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("i18n: %s: %w", name, err)
		}
		if catalog[lang] == nil {
			catalog[lang] = map[string]string{}
		}
		for k, v := range m {
			if _, dup := catalog[lang][k]; dup {
				return fmt.Errorf("i18n: %s: key %q defined twice", name, k)
			}
			catalog[lang][k] = v
		}
	}
	return nil
}

// T returns the message for key in lang, formatted with args. A key missing
// in lang falls back to Japanese, then to the key itself, so a gap shows up
// on screen instead of an empty string; the catalog test prevents such gaps.
func T(lang, key string, args ...any) string {
	msg, ok := catalog[lang][key]
	if !ok {
		msg, ok = catalog[Default][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key exists in the default language.
func Has(key string) bool {
	_, ok := catalog[Default][key]
	return ok
}

// Check returns every problem of the catalog: load errors, keys missing in
// one language, and messages whose format verbs differ between languages.
func Check() []string {
	var problems []string
	if loadErr != nil {
		problems = append(problems, loadErr.Error())
	}
	all := map[string]bool{}
	for _, m := range catalog {
		for k := range m {
			all[k] = true
		}
	}
	for k := range all {
		for _, lang := range Languages {
			msg, ok := catalog[lang][k]
			if !ok {
				problems = append(problems, fmt.Sprintf("key %q missing in %s", k, lang))
				continue
			}
			if strings.TrimSpace(msg) == "" {
				problems = append(problems, fmt.Sprintf("key %q empty in %s", k, lang))
			}
			if lang != Default {
				if a, b := verbs(catalog[Default][k]), verbs(msg); a != b {
					problems = append(problems, fmt.Sprintf("key %q: verbs %q in %s but %q in %s", k, a, Default, b, lang))
				}
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// verbs lists the fmt verbs of msg in order, e.g. "%s%d".
func verbs(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg)-1; i++ {
		if msg[i] == '%' {
			if msg[i+1] == '%' {
				i++
				continue
			}
			j := i + 1
			for j < len(msg) && strings.ContainsRune("+-# 0123456789.[]", rune(msg[j])) {
				j++
			}
			if j < len(msg) {
				b.WriteString(msg[i : j+1])
				i = j
			}
		}
	}
	return b.String()
}

// Match picks the supported language for an Accept-Language header value,
// honouring q-values; it returns Default when nothing matches.
func Match(acceptLanguage string) string {
	best, bestQ := Default, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if i := strings.Index(tag, ";"); i >= 0 {
			params := tag[i+1:]
			tag = strings.TrimSpace(tag[:i])
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
					q = 0
				}
			}
		}
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		for _, l := range Languages {
			if base == l && q > bestQ {
				best, bestQ = l, q
			}
		}
	}
	return best
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}
