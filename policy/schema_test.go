package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSchema_MatchesGoTypes(t *testing.T) {
	want, err := generateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("schema.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(Schema(), want) {
		t.Fatal("schema.json is stale (run go test ./policy/ -update)")
	}
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	fromSchema, fromTypes := map[string]bool{}, map[string]bool{}
	schemaKeys(s, "", fromSchema)
	typeKeys(reflect.TypeOf(Policy{}), "", fromTypes)
	for k := range fromTypes {
		if !fromSchema[k] {
			t.Errorf("key %s in the Go types but not in the schema", k)
		}
	}
	for k := range fromSchema {
		if !fromTypes[k] {
			t.Errorf("key %s in the schema but not in the Go types", k)
		}
	}
}

func TestSchema_EveryPresetValidates(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	for _, info := range Presets() {
		data, _ := Preset(info.Name)
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, e := range validateSchema(s, doc.Content[0], info.Name) {
			t.Error(e)
		}
	}
}

func TestSchema_RejectsWhatLintRejectsStructurally(t *testing.T) {
	var s map[string]any
	_ = json.Unmarshal(Schema(), &s)
	for _, bad := range []string{
		minimal + "colour: red\n",
		minimal + "    - {id: b, label: B, axis: sideways, codes: [abuse]}\n",
		minimal + "    - {id: b, label: B, axis: demand_invalid, codes: [rudeness]}\n",
		minimal + "thresholds: {call_minutes: {value: ten}}\n",
	} {
		var doc yaml.Node
		_ = yaml.Unmarshal([]byte(bad), &doc)
		if len(validateSchema(s, doc.Content[0], "")) == 0 {
			t.Errorf("schema accepts:\n%s", bad)
		}
	}
}

// validateSchema checks a YAML tree against the subset of JSON Schema the
// generator emits: type, properties, additionalProperties, required, items,
// enum and pattern. It is independent of the parser on purpose.
func validateSchema(s map[string]any, n *yaml.Node, path string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	switch s["type"] {
	case "object":
		if n.Kind != yaml.MappingNode {
			fail("want object")
			return errs
		}
		props := s["properties"].(map[string]any)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			seen[k] = true
			sub, ok := props[k]
			if !ok {
				fail("additional property %q", k)
				continue
			}
			errs = append(errs, validateSchema(sub.(map[string]any), n.Content[i+1], path+"."+k)...)
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if !seen[r.(string)] {
					fail("missing %q", r)
				}
			}
		}
	case "array":
		if n.Kind != yaml.SequenceNode {
			fail("want array")
			return errs
		}
		for i, c := range n.Content {
			errs = append(errs, validateSchema(s["items"].(map[string]any), c, path+"["+strconv.Itoa(i)+"]")...)
		}
	case "integer":
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			fail("want integer")
		}
	case "boolean":
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			fail("want boolean")
		}
	case "string":
		if n.Kind != yaml.ScalarNode {
			fail("want string")
			return errs
		}
		if enum, ok := s["enum"].([]any); ok {
			found := false
			for _, e := range enum {
				found = found || e == n.Value
			}
			if !found {
				fail("%q not in enum", n.Value)
			}
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(n.Value) {
			fail("%q does not match %s", n.Value, p)
		}
	}
	return errs
}
