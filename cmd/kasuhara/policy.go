package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kasuhara/kasuhara/policy"
)

func init() {
	register(&command{name: "policy presets", summary: "list the built-in policy presets", run: runPolicyPresets})
	register(&command{name: "policy show", summary: "print a preset as YAML to start a policy from", run: runPolicyShow})
	register(&command{name: "policy lint", summary: "check a policy file; exit 1 with every error", run: runPolicyLint})
	register(&command{name: "policy render", summary: "render a policy as HTML or Markdown", run: runPolicyRender})
	register(&command{name: "policy diff", summary: "show what changed between two policies", run: runPolicyDiff})
}

// policyLang picks the message language: the flag, then KASUHARA_LANG, then
// LANG; English only when asked for, Japanese otherwise.
func policyLang(e *env, flagValue string) string {
	for _, v := range []string{flagValue, e.getenv("KASUHARA_LANG"), e.getenv("LANG")} {
		if v == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(v), "en") {
			return "en"
		}
		return "ja"
	}
	return "ja"
}

// loadPolicySource reads FILE, or the preset of that name when no such file
// exists, so every command accepts both.
func loadPolicySource(arg string) (data []byte, name string, err error) {
	data, err = os.ReadFile(arg)
	if err == nil {
		return data, arg, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, arg, err
	}
	if p, perr := policy.Preset(arg); perr == nil {
		return p, arg, nil
	}
	return nil, arg, fmt.Errorf("%s: no such file or preset (see \"kasuhara policy presets\")", arg)
}

// loadPolicy reads and parses a policy, printing lint errors to stderr.
func loadPolicy(e *env, arg, lang string) (*policy.Policy, error) {
	data, name, err := loadPolicySource(arg)
	if err != nil {
		return nil, &exitError{code: 1, err: err}
	}
	p, _ := policy.Parse(data)
	if diags := policy.Lint(data, lang); len(diags) > 0 {
		printDiags(e, name, diags)
		return nil, &exitError{code: 1, err: fmt.Errorf("%s: %d error(s)", name, len(diags))}
	}
	return p, nil
}

func printDiags(e *env, name string, diags []policy.Diagnostic) {
	for _, d := range diags {
		if d.Path != "" {
			fmt.Fprintf(e.stderr, "%s:%d:%d: %s: %s\n", name, d.Line, d.Column, d.Path, d.Message)
		} else {
			fmt.Fprintf(e.stderr, "%s:%d:%d: %s\n", name, d.Line, d.Column, d.Message)
		}
	}
}

func runPolicyPresets(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy presets", "List the built-in presets an organization can start from.", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	for _, p := range policy.Presets() {
		fmt.Fprintf(e.stdout, "%-28s %s — %s\n", p.Name, p.Org, p.Title)
	}
	return nil
}

func runPolicyShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy show", "Print a preset as YAML, to save and edit as the organization's own policy.", "NAME")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	data, err := policy.Preset(fs.Arg(0))
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("%s: no such preset (see \"kasuhara policy presets\")", fs.Arg(0))}
	}
	_, err = e.stdout.Write(data)
	return err
}

func runPolicyLint(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy lint", "Check a policy file (or preset). Exit 0 when valid; otherwise print every error as FILE:LINE:COL: message and exit 1.\nMessages are in Japanese unless --lang, KASUHARA_LANG or LANG asks for English.", "FILE|PRESET")
	lang := fs.String("lang", "", "message language: ja or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	data, name, err := loadPolicySource(fs.Arg(0))
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	if diags := policy.Lint(data, policyLang(e, *lang)); len(diags) > 0 {
		printDiags(e, name, diags)
		return &exitError{code: 1, err: fmt.Errorf("%s: %d error(s)", name, len(diags))}
	}
	return nil
}

func runPolicyRender(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy render", "Render a policy file (or preset) as HTML or Markdown on standard output.", "FILE|PRESET")
	format := fs.String("format", "html", "output format: html or md")
	view := fs.String("view", "public", "public (the published page) or handbook (for staff)")
	lang := fs.String("lang", "", "label language: ja or en")
	fragment := fs.Bool("fragment", false, "HTML only: the <article> without page and stylesheet")
	// Flags may follow the file name, as in "policy render FILE --format md".
	var rest []string
	for len(args) > 0 {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 || (*view != "public" && *view != "handbook") {
		fs.Usage()
		return errUsage
	}
	l := policyLang(e, *lang)
	p, err := loadPolicy(e, rest[0], l)
	if err != nil {
		return err
	}
	opts := policy.RenderOptions{Lang: l, View: policy.View(*view), Fragment: *fragment}
	switch *format {
	case "html":
		return policy.RenderHTML(e.stdout, p, opts)
	case "md", "markdown":
		return policy.RenderMarkdown(e.stdout, p, opts)
	}
	fs.Usage()
	return errUsage
}

func runPolicyDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy diff", "Show the structural changes from policy A to policy B (files or presets). Exit 0 in any case.", "A B")
	lang := fs.String("lang", "", "message language for lint errors: ja or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	l := policyLang(e, *lang)
	a, err := loadPolicy(e, fs.Arg(0), l)
	if err != nil {
		return err
	}
	b, err := loadPolicy(e, fs.Arg(1), l)
	if err != nil {
		return err
	}
	for _, c := range policy.Diff(a, b) {
		fmt.Fprintln(e.stdout, c)
	}
	return nil
}
