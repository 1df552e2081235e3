package main

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/sqlstore"
)

func TestNotifyCommands_StoreChannelsAndNeverPrintSecrets(t *testing.T) {
	vars := dbVars(t, sqlstore.SQLite)
	if _, _, err := cli(t, vars, "org", "create", "-slug", "acme", "-name", "アクメ"); err != nil {
		t.Fatal(err)
	}
	vars["SMTP_PW"], vars["HOOK_KEY"] = "smtp-pa55", "hook-k3y"
	out, _, err := cli(t, vars, "notify", "smtp", "-org", "acme", "-host", "smtp.example.jp", "-port", "587", "-from", "noreply@example.jp",
		"-user", "kasuhara", "-password-env", "SMTP_PW")
	if err != nil || !strings.Contains(out, "secret set: true") {
		t.Fatalf("notify smtp: %q %v", out, err)
	}
	if _, _, err := cli(t, vars, "notify", "webhook", "-org", "acme", "-name", "slack", "-url", "https://hooks.example.jp/services/T0/B0/XYZ",
		"-format", "slack", "-secret-env", "HOOK_KEY"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, vars, "notify", "webhook", "-org", "acme", "-name", "bad", "-url", "ftp://x"); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("bad URL accepted: %v", err)
	}
	if _, _, err := cli(t, vars, "notify", "smtp", "-org", "acme", "-host", "h", "-from", "x", "-password-env", "UNSET"); err == nil {
		t.Error("unset password variable accepted")
	}
	out, _, err = cli(t, vars, "notify", "list", "-org", "acme")
	if err != nil || !strings.Contains(out, "smtp.example.jp:587") || !strings.Contains(out, "slack https://hooks.example.jp/…") {
		t.Fatalf("notify list: %q %v", out, err)
	}
	for _, secret := range []string{"smtp-pa55", "hook-k3y", "XYZ"} {
		if strings.Contains(out, secret) {
			t.Errorf("list shows %q", secret)
		}
	}
}
