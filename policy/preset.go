package policy

import (
	"embed"
	"path"
	"sort"
	"strings"

	kasuhara "github.com/kasuhara/kasuhara"
)

//go:embed presets/*.yaml
var presetFS embed.FS

// PresetInfo describes one embedded preset.
type PresetInfo struct {
	Name  string `json:"name"`  // preset name, e.g. mhlw-2022
	Title string `json:"title"` // the policy's title
	Org   string `json:"org"`   // the organization's name
	Kind  string `json:"kind"`  // basic_policy, code_of_conduct or response_policy
}

// Presets lists the embedded presets sorted by name.
func Presets() []PresetInfo {
	entries, _ := presetFS.ReadDir("presets")
	var out []PresetInfo
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		data, _ := presetFS.ReadFile(path.Join("presets", e.Name()))
		info := PresetInfo{Name: name}
		if p, _ := Parse(data); p != nil {
			info.Title, info.Org, info.Kind = p.Title, p.Organization.Name, p.Kind
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Preset returns the YAML source of the named preset, for an organization to
// start from; the error has code ENOTFOUND when there is no such preset.
func Preset(name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\\.") || name == "" {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "policy: no preset %q", name)
	}
	data, err := presetFS.ReadFile(path.Join("presets", name+".yaml"))
	if err != nil {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "policy: no preset %q", name)
	}
	return data, nil
}
