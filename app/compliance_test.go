package app_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestCompliance_ReportShowsEachMeasureWithEvidenceAndWhatIsMissing(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		ctx := context.Background()
		e.reportEffect(true, true)
		d, err := e.a.ComplianceReport(ctx, e.auditor, "org", 2026, "ja")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Sections) != 7 {
			t.Fatalf("%d sections, want the seven measures", len(d.Sections))
		}
		// No desk member exists yet, so the desk section names it as missing.
		if !strings.Contains(d.Sections[1].Text, "相談窓口の担当者") {
			t.Errorf("desk section: %q", d.Sections[1].Text)
		}
		if _, err := e.a.ComplianceReport(ctx, e.sv, "org", 2026, "ja"); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("supervisor: %v", err)
		}
		if _, err := e.a.ComplianceReport(ctx, e.auditor, "other", 2026, "ja"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organization: %v", err)
		}
		ok := 0
		for _, en := range auditOf(t, db, "compliance.report") {
			if en.Outcome == "ok" {
				ok++
			}
		}
		if ok != 1 {
			t.Errorf("%d reports audited, want 1", ok)
		}
	})
}

func TestCompliance_PDFHasTheJapaneseHeadings(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	db := sqltest.Open(t, sqlstore.SQLite)
	e := newCaseEnv(t, db, "mhlw-2022")
	e.deskUser("desk@example.jp")
	e.reportEffect(true, false)
	var buf bytes.Buffer
	if err := e.a.WriteComplianceReport(context.Background(), nil, "org", 2026, "ja", &buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "compliance.pdf")
	os.WriteFile(pdf, buf.Bytes(), 0o644)
	out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, h := range []string{"実施状況報告書", "基本方針の明確化", "相談体制の整備", "対応方法・手順の策定", "教育・研修", "事実関係の確認と対応", "従業員への配慮", "再発防止", "不足している事項"} {
		if !strings.Contains(text, h) {
			t.Errorf("PDF text lacks %q", h)
		}
	}
	if err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	art := os.Getenv("KASUHARA_ARTIFACTS")
	if art == "" {
		art = filepath.Join(os.TempDir(), "kasuhara-artifacts")
	}
	os.MkdirAll(art, 0o755)
	os.WriteFile(filepath.Join(art, "compliance-report.png"), png, 0o644)
}
