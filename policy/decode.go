package policy

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara/i18n"
	"gopkg.in/yaml.v3"
)

// Limits on hostile input. A real policy is a few dozen kilobytes and a few
// thousand nodes deep at most five levels; anything far beyond is an attack
// or a mistake, and the server must answer it at once.
const (
	MaxSize  = 1 << 20 // bytes
	MaxDepth = 32      // nesting levels
	MaxNodes = 100000  // nodes visited, counting every alias expansion
)

// Diagnostic is one problem found in a policy file.
type Diagnostic struct {
	Line    int    `json:"line"`   // 1-based; 0 when unknown
	Column  int    `json:"column"` // 1-based; 0 when unknown
	Path    string `json:"path"`   // key path, e.g. harassment.types[2].codes[0]
	Key     string `json:"key"`    // message catalog key
	Args    []any  `json:"args,omitempty"`
	Message string `json:"message"` // Key formatted in the language asked for
}

// Localize returns the message in lang.
func (d Diagnostic) Localize(lang string) string { return i18n.T(lang, d.Key, d.Args...) }

// String formats the diagnostic as "line:col: path: message".
func (d Diagnostic) String() string {
	if d.Path == "" {
		return fmt.Sprintf("%d:%d: %s", d.Line, d.Column, d.Message)
	}
	return fmt.Sprintf("%d:%d: %s: %s", d.Line, d.Column, d.Path, d.Message)
}

// Parse reads a policy. Any diagnostic means the policy is invalid and must
// not be published; the returned policy is nil when the YAML itself cannot be
// read, and otherwise a best-effort decode useful for previews. Messages are
// in Japanese; use Lint for another language.
func Parse(data []byte) (*Policy, []Diagnostic) {
	p, diags, _ := parse(data)
	return p, localize(diags, i18n.Default)
}

// Lint returns every problem of a policy file with messages in lang, sorted
// by position. An empty result means the policy is valid.
func Lint(data []byte, lang string) []Diagnostic {
	_, diags, _ := parse(data)
	return localize(diags, lang)
}

// MustParse parses a policy known to be valid (an embedded preset) and
// panics otherwise; only for tests and initialisation.
func MustParse(data []byte) *Policy {
	p, diags := Parse(data)
	if len(diags) > 0 {
		panic(fmt.Sprintf("policy: invalid: %s", diags[0]))
	}
	return p
}

func localize(diags []Diagnostic, lang string) []Diagnostic {
	for i := range diags {
		diags[i].Message = diags[i].Localize(lang)
	}
	return diags
}

// positions maps a key path to where its value starts, so checks made after
// decoding can still point at a line and column.
type positions map[string][2]int

func parse(data []byte) (*Policy, []Diagnostic, positions) {
	if len(data) > MaxSize {
		return nil, []Diagnostic{{Line: 1, Column: 1, Key: "policy.lint.too_large", Args: []any{len(data), MaxSize}}}, nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, []Diagnostic{{Line: 1, Column: 1, Key: "policy.lint.empty"}}, nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, []Diagnostic{syntaxDiag(err)}, nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, []Diagnostic{{Line: extra.Line, Column: extra.Column, Key: "policy.lint.multiple_documents"}}, nil
	}
	if diag, ok := measure(&doc); !ok {
		return nil, []Diagnostic{diag}, nil
	}
	d := &decoder{pos: positions{}}
	p := &Policy{}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.decode(root, reflect.ValueOf(p).Elem(), "", 0)
	if d.abort {
		return nil, d.diags, d.pos
	}
	diags := append(d.diags, check(p, d.pos)...)
	sortDiags(diags)
	return p, diags, d.pos
}

// measure walks the raw tree, following aliases, before anything is
// decoded: unknown keys are never decoded, so without this pass a bomb hidden
// under one would go unreported, and the limits would depend on the schema.
func measure(root *yaml.Node) (Diagnostic, bool) {
	count := 0
	var walk func(n *yaml.Node, depth int) (Diagnostic, bool)
	walk = func(n *yaml.Node, depth int) (Diagnostic, bool) {
		count++
		if count > MaxNodes {
			return Diagnostic{Line: n.Line, Column: n.Column, Key: "policy.lint.too_many_nodes", Args: []any{MaxNodes}}, false
		}
		if depth > MaxDepth {
			return Diagnostic{Line: n.Line, Column: n.Column, Key: "policy.lint.too_deep", Args: []any{MaxDepth}}, false
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			return walk(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if d, ok := walk(c, depth+1); !ok {
				return d, false
			}
		}
		return Diagnostic{}, true
	}
	return walk(root, 0)
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func syntaxDiag(err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return Diagnostic{Line: line, Column: 1, Key: "policy.lint.syntax", Args: []any{msg}}
}

type decoder struct {
	diags []Diagnostic
	pos   positions
	nodes int
	abort bool
}

func (d *decoder) errorf(n *yaml.Node, path, key string, args ...any) {
	d.diags = append(d.diags, Diagnostic{Line: n.Line, Column: n.Column, Path: path, Key: key, Args: args})
}

// fatal reports a limit breach and stops decoding, so a hostile document
// costs no more than the limit.
func (d *decoder) fatal(n *yaml.Node, path, key string, args ...any) {
	d.diags = append(d.diags[:0], Diagnostic{Line: n.Line, Column: n.Column, Path: path, Key: key, Args: args})
	d.abort = true
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) {
	if d.abort {
		return
	}
	d.nodes++
	if d.nodes > MaxNodes {
		d.fatal(n, path, "policy.lint.too_many_nodes", MaxNodes)
		return
	}
	if depth > MaxDepth {
		d.fatal(n, path, "policy.lint.too_deep", MaxDepth)
		return
	}
	if n.Kind == yaml.AliasNode {
		d.decode(n.Alias, v, path, depth+1)
		return
	}
	if n.Kind == yaml.DocumentNode {
		d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
		return
	}
	if path != "" {
		d.pos[path] = [2]int{n.Line, n.Column}
	}
	isNull := n.Kind == yaml.ScalarNode && n.Tag == "!!null"
	switch v.Kind() {
	case reflect.Struct:
		if isNull {
			d.checkRequired(n, v.Type(), path, nil)
			return
		}
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
			return
		}
		d.decodeStruct(n, v, path, depth)
	case reflect.Slice:
		if isNull {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
			return
		}
		if !isNull {
			v.SetString(n.Value)
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
			return
		}
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n, path, "policy.lint.wrong_type", kindName(v.Type()), nodeName(n))
			return
		}
		v.SetBool(strings.EqualFold(n.Value, "true"))
	}
}

// field is a key of a struct, with inline structs flattened.
type field struct {
	name     string
	index    []int
	required bool
	enum     []string
	doc      string
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == ",inline" {
			for _, sub := range fieldsOf(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		fl := field{name: tag, index: []int{i}, required: f.Tag.Get("lint") == "required", doc: f.Tag.Get("doc")}
		if e := f.Tag.Get("enum"); e != "" {
			fl.enum = strings.Split(e, ",")
		}
		out = append(out, fl)
	}
	return out
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) {
	fields := fieldsOf(v.Type())
	byName := map[string]field{}
	var names []string
	for _, f := range fields {
		byName[f.name] = f
		names = append(names, f.name)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "policy.lint.bad_key")
			continue
		}
		sub := join(path, k.Value)
		f, ok := byName[k.Value]
		if !ok {
			d.errorf(k, sub, "policy.lint.unknown_key", k.Value, strings.Join(names, ", "))
			continue
		}
		if seen[k.Value] {
			d.errorf(k, sub, "policy.lint.duplicate_key", k.Value)
			continue
		}
		seen[k.Value] = true
		fv := v.FieldByIndex(f.index)
		d.decode(val, fv, sub, depth+1)
		if f.enum != nil && fv.Kind() == reflect.String && fv.String() != "" && !contains(f.enum, fv.String()) {
			d.errorf(val, sub, "policy.lint.enum", fv.String(), strings.Join(f.enum, ", "))
		}
		if f.enum != nil && fv.Kind() == reflect.Slice {
			for j := 0; j < fv.Len(); j++ {
				if s := fv.Index(j).String(); !contains(f.enum, s) {
					d.errorf(val, fmt.Sprintf("%s[%d]", sub, j), "policy.lint.enum", s, strings.Join(f.enum, ", "))
				}
			}
		}
	}
	d.checkRequired(n, v.Type(), path, seen)
}

func (d *decoder) checkRequired(n *yaml.Node, t reflect.Type, path string, seen map[string]bool) {
	for _, f := range fieldsOf(t) {
		if f.required && !seen[f.name] {
			d.errorf(n, join(path, f.name), "policy.lint.required", f.name)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kindName names what a Go type expects, as a catalog key argument; it is
// an English word in both languages because it matches the YAML vocabulary.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct:
		return "mapping"
	case reflect.Slice:
		return "sequence"
	case reflect.Int:
		return "integer"
	case reflect.Bool:
		return "boolean (true/false)"
	}
	return "string"
}

func nodeName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.DocumentNode:
		return "document"
	}
	switch n.Tag {
	case "!!int":
		return "integer " + strconv.Quote(n.Value)
	case "!!bool":
		return "boolean " + n.Value
	case "!!null":
		return "null"
	}
	return "string " + strconv.Quote(truncate(n.Value, 40))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
