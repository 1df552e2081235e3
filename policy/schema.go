package policy

import (
	_ "embed"
	"encoding/json"
	"reflect"

	kasuhara "github.com/kasuhara/kasuhara"
)

//go:embed schema.json
var schemaJSON []byte

// Schema returns the published JSON Schema (draft 2020-12) of the policy
// format, for editors and for serving at a stable URL. It is generated from
// the Go types, so it cannot drift from what Parse accepts structurally; the
// cross-references Lint checks (roles, ids, dates) are beyond it.
func Schema() []byte { return schemaJSON }

// generateSchema builds the schema from the struct tags the parser reads.
func generateSchema() ([]byte, error) {
	s := schemaOf(reflect.TypeOf(Policy{}), "", nil)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://kasuhara.example/schema/" + FormatVersion + ".json"
	s["title"] = "kasuhara customer-harassment policy (" + FormatVersion + ")"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var (
	dateType = reflect.TypeOf(Date(""))
	codeType = reflect.TypeOf(kasuhara.BehaviourCode(""))
)

func schemaOf(t reflect.Type, doc string, enum []string) map[string]any {
	s := map[string]any{}
	if doc != "" {
		s["description"] = doc
	}
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for _, f := range fieldsOf(t) {
			props[f.name] = schemaOf(t.FieldByIndex(f.index).Type, f.doc, f.enum)
			if f.required {
				required = append(required, f.name)
			}
		}
		s["type"] = "object"
		s["properties"] = props
		s["additionalProperties"] = false
		if len(required) > 0 {
			s["required"] = required
		}
	case reflect.Slice:
		s["type"] = "array"
		s["items"] = schemaOf(t.Elem(), "", enum)
	case reflect.Int:
		s["type"] = "integer"
	case reflect.Bool:
		s["type"] = "boolean"
	default:
		s["type"] = "string"
		switch {
		case t == dateType:
			s["pattern"] = `^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$`
		case t == codeType:
			var codes []string
			for _, c := range kasuhara.BehaviourCodes {
				codes = append(codes, string(c))
			}
			s["enum"] = codes
		case enum != nil:
			s["enum"] = enum
		}
	}
	return s
}

// schemaKeys lists every key path the schema allows, e.g.
// harassment.types[].codes, to compare against the Go types.
func schemaKeys(s map[string]any, path string, out map[string]bool) {
	if props, ok := s["properties"].(map[string]any); ok {
		for k, v := range props {
			p := join(path, k)
			out[p] = true
			schemaKeys(v.(map[string]any), p, out)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		schemaKeys(items, path+"[]", out)
	}
}

func typeKeys(t reflect.Type, path string, out map[string]bool) {
	switch t.Kind() {
	case reflect.Struct:
		for _, f := range fieldsOf(t) {
			p := join(path, f.name)
			out[p] = true
			typeKeys(t.FieldByIndex(f.index).Type, p, out)
		}
	case reflect.Slice:
		typeKeys(t.Elem(), path+"[]", out)
	}
}
