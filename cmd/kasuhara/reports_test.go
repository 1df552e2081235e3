package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
)

// demoVars returns the environment of a SQLite database holding the demo group.
func demoVars(t *testing.T) map[string]string {
	t.Helper()
	vars := dbVars(t, sqlstore.SQLite)
	db := openDB(t, vars)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(context.Background(), app.New(db, nil)); err != nil {
		t.Fatal(err)
	}
	return vars
}

func TestReportCompliance_WritesAPDFOrExplainsWhatIsWrong(t *testing.T) {
	vars := demoVars(t)
	out := filepath.Join(t.TempDir(), "c.pdf")
	if _, _, err := cli(t, vars, "report", "compliance", "-org", "demo", "-year", "2026", "-o", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "%PDF-") || len(b) < 10000 {
		t.Fatalf("not a PDF: %d bytes, %v", len(b), err)
	}
	if _, _, err := cli(t, vars, "report", "compliance", "-org", "nope", "-year", "2026"); err == nil {
		t.Error("unknown organization accepted")
	}
}

func TestRetentionDryRun_ListsEveryRuleAndRemovesNothing(t *testing.T) {
	vars := demoVars(t)
	db := openDB(t, vars)
	before, _, _ := db.VerifyAudit(context.Background())
	out, _, err := cli(t, vars, "retention", "run", "-dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"demo-retail", "call_recording", "would remove"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if after, _, _ := db.VerifyAudit(context.Background()); after != before {
		t.Errorf("a dry run wrote %d audit entries", after-before)
	}
}

func TestPrivacyExport_GivesOnePersonsDataWithoutSecrets(t *testing.T) {
	vars := demoVars(t)
	out, _, err := cli(t, vars, "privacy", "export", "-email", "shinjuku-staff@demo.example.jp")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%.300s", err, out)
	}
	if !strings.Contains(out, "shinjuku-staff@demo.example.jp") || strings.Contains(out, "argon2") {
		t.Errorf("export lacks the person or leaks the password hash")
	}
	if _, _, err := cli(t, vars, "privacy", "export"); err == nil {
		t.Error("export without -email or -customer accepted")
	}
}
