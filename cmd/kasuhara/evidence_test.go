package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/app"
)

// writeBundle writes a bundle whose manifest describes files, then stores
// actual (which may differ) as the bundle's content.
func writeBundle(t *testing.T, files, actual map[string]string) string {
	t.Helper()
	m := app.EvidenceManifest{Format: app.EvidenceFormat, CaseID: 7, Org: "テスト株式会社", GeneratedAt: time.Unix(0, 0).UTC(), GeneratedBy: "sv@example.jp"}
	for name, data := range files {
		sum := sha256.Sum256([]byte(data))
		m.Files = append(m.Files, app.EvidenceFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	path := filepath.Join(t.TempDir(), "evidence.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range actual {
		w, _ := zw.Create(name)
		w.Write([]byte(data))
	}
	w, _ := zw.Create("manifest.json")
	json.NewEncoder(w).Encode(m)
	zw.Close()
	f.Close()
	return path
}

func TestEvidenceVerify_ExitsZeroWhenIntactAndOneNamingTheFirstMismatch(t *testing.T) {
	files := map[string]string{"report.pdf": "%PDF-1.4 …", "attachments/1-録音.txt": "殺すぞ", "audit.json": "[]"}
	out, _, err := cli(t, nil, "evidence", "verify", writeBundle(t, files, files))
	if err != nil || !strings.Contains(out, "OK") || !strings.Contains(out, "3 files") {
		t.Fatalf("intact bundle: %q, %v", out, err)
	}
	tampered := map[string]string{"report.pdf": files["report.pdf"], "attachments/1-録音.txt": "許すぞ", "audit.json": "[]"}
	_, _, err = cli(t, nil, "evidence", "verify", writeBundle(t, files, tampered))
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "attachments/1-録音.txt") {
		t.Errorf("tampered bundle: %v; want exit 1 naming the attachment", err)
	}
	missing := map[string]string{"report.pdf": files["report.pdf"], "audit.json": "[]"}
	if _, _, err = cli(t, nil, "evidence", "verify", writeBundle(t, files, missing)); !errors.As(err, &ee) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err = cli(t, nil, "evidence", "verify"); !errors.Is(err, errUsage) {
		t.Errorf("no file: %v; want a usage error", err)
	}
}
