package policy

import (
	"fmt"
	"reflect"
	"strings"
)

// Change is one structural difference between two policies.
type Change struct {
	Op   string `json:"op"`   // added, removed or changed
	Path string `json:"path"` // key path with ids, e.g. harassment.types[dogeza].label
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// String formats the change for a person: "+ path: new", "- path: old" or
// "~ path: old → new".
func (c Change) String() string {
	switch c.Op {
	case "added":
		return fmt.Sprintf("+ %s: %s", c.Path, c.New)
	case "removed":
		return fmt.Sprintf("- %s: %s", c.Path, c.Old)
	}
	return fmt.Sprintf("~ %s: %s → %s", c.Path, c.Old, c.New)
}

// Diff lists what changed from a to b. Elements of lists are matched by
// their id (or kind, channel, axis) rather than by position, so inserting a
// type shows as one added type, not as every later type changed. A whole
// added or removed element is reported once, with its label or text.
func Diff(a, b *Policy) []Change {
	var out []Change
	diffValue(reflect.ValueOf(*a), reflect.ValueOf(*b), "", &out)
	return out
}

func diffValue(a, b reflect.Value, path string, out *[]Change) {
	switch a.Kind() {
	case reflect.Struct:
		for _, f := range fieldsOf(a.Type()) {
			diffValue(a.FieldByIndex(f.index), b.FieldByIndex(f.index), join(path, f.name), out)
		}
	case reflect.Slice:
		if a.Type().Elem().Kind() != reflect.Struct {
			as, bs := scalars(a), scalars(b)
			if strings.Join(as, "\x00") != strings.Join(bs, "\x00") {
				*out = append(*out, change(path, "["+strings.Join(as, ", ")+"]", "["+strings.Join(bs, ", ")+"]"))
			}
			return
		}
		ak, bk := keyed(a), keyed(b)
		for i := 0; i < a.Len(); i++ {
			k := ak[i]
			sub := fmt.Sprintf("%s[%s]", path, k)
			if j := indexOf(bk, k); j >= 0 {
				diffValue(a.Index(i), b.Index(j), sub, out)
			} else {
				*out = append(*out, Change{Op: "removed", Path: sub, Old: summary(a.Index(i))})
			}
		}
		for j := 0; j < b.Len(); j++ {
			if indexOf(ak, bk[j]) < 0 {
				*out = append(*out, Change{Op: "added", Path: fmt.Sprintf("%s[%s]", path, bk[j]), New: summary(b.Index(j))})
			}
		}
	default:
		as, bs := fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface())
		if as != bs {
			*out = append(*out, change(path, as, bs))
		}
	}
}

func change(path, old, new string) Change {
	empty := func(s string) bool { return s == "" || s == "[]" }
	switch {
	case empty(old):
		return Change{Op: "added", Path: path, New: new}
	case empty(new):
		return Change{Op: "removed", Path: path, Old: old}
	}
	return Change{Op: "changed", Path: path, Old: old, New: new}
}

func scalars(v reflect.Value) []string {
	var out []string
	for i := 0; i < v.Len(); i++ {
		out = append(out, fmt.Sprint(v.Index(i).Interface()))
	}
	return out
}

// keyed names each element by the first identifying field it has, falling
// back to its position; repeated keys get a position suffix.
func keyed(v reflect.Value) []string {
	keys := make([]string, v.Len())
	seen := map[string]int{}
	for i := range keys {
		e := v.Index(i)
		k := fmt.Sprint(i)
		for _, name := range []string{"ID", "Channel", "Axis", "Kind"} {
			if f := e.FieldByName(name); f.IsValid() && f.String() != "" {
				k = f.String()
				break
			}
		}
		if n := seen[k]; n > 0 {
			seen[k]++
			k = fmt.Sprintf("%s#%d", k, n+1)
		} else {
			seen[k] = 1
		}
		keys[i] = k
	}
	return keys
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// summary is the text a person recognises an element by.
func summary(v reflect.Value) string {
	for _, name := range []string{"Label", "Text", "Heading", "Title"} {
		if f := v.FieldByName(name); f.IsValid() && f.String() != "" {
			return truncate(f.String(), 60)
		}
	}
	return ""
}
