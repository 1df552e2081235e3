package report_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/report"
)

func sample() *report.Document {
	long := strings.Repeat("お客様は窓口で大声を上げ、担当者の氏名をSNSに書き込むと繰り返した。", 12)
	return &report.Document{
		Title: "是正処置計画書兼報告書", Subtitle: "事案 #42 · 株式会社ラル保健師", Lang: "ja", Footer: "kasuhara · 事案 #42",
		Meta: []report.Field{{Label: "作成日", Value: "2026年10月5日"}, {Label: "方針", Value: "カスタマーハラスメントに対する行動指針 第2版"}},
		Sections: []report.Section{
			{Heading: "事実", Fields: []report.Field{{Label: "発生日時", Value: "2026年10月1日 14:05"}, {Label: "経緯", Value: long}}},
			{Heading: "判定", Text: "要求内容は妥当でない。手段は社会通念上不相当。", Quote: "②威圧的な言動 大声を上げて秩序を乱す", QuoteSource: "行動指針 第2版"},
			{Heading: "是正処置・再発防止策", Table: &report.Table{Columns: []string{"区分", "内容", "担当", "期限"}, Widths: []float64{1, 4, 1.5, 1.5},
				Rows: [][]string{{"是正処置", "警告文を送付する", "上長 花子", "2026-10-10"}, {"再発防止策", long + long, "総務 太郎", "2026-11-01"}}}},
			{Heading: "承認", Table: &report.Table{Columns: []string{"役割", "氏名", "日時"}, Empty: "未承認"}, Note: "上長の承認の後、役員が承認します。"},
		},
	}
}

// artifactPath is where rendered pages are kept for people to look at.
func artifactPath(name string) string {
	dir := os.Getenv("KASUHARA_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kasuhara-artifacts")
	}
	os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, name)
}

func TestPDF_EmbedsJapaneseFontThatExtractsAsText(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed; scripts/test installs it")
	}
	var buf bytes.Buffer
	start := time.Now()
	if err := report.PDF(sample(), time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), &buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("PDF %d bytes in %v", buf.Len(), time.Since(start))
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:8])
	}
	// A subset, not the 6 MB font.
	if buf.Len() > 400_000 {
		t.Errorf("PDF is %d bytes: the font is not subset", buf.Len())
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "r.pdf")
	os.WriteFile(file, buf.Bytes(), 0o644)
	out, err := exec.Command("pdftotext", "-layout", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"是正処置計画書兼報告書", "1.事実", "2.判定", "3.是正処置・再発防止策", "4.承認", "②威圧的な言動", "未承認", "担当者の氏名をSNSに書き込む"} {
		if !strings.Contains(text, want) {
			t.Errorf("extracted text lacks %q:\n%s", want, out)
		}
	}
	fonts, _ := exec.Command("pdffonts", file).CombinedOutput()
	// name, type (two words), encoding, emb, sub, uni, object, generation:
	// embedded and mapped to Unicode; the size check above shows it is cut down.
	var embedded bool
	for _, ln := range strings.Split(string(fonts), "\n") {
		if f := strings.Fields(ln); len(f) == 9 && strings.Contains(f[0], "ipaexg") {
			embedded = f[4] == "yes" && f[6] == "yes"
		}
	}
	if !embedded {
		t.Errorf("IPAex Gothic not embedded with a Unicode map:\n%s", fonts)
	}
	if _, err := exec.LookPath("pdftoppm"); err == nil {
		if out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", file, filepath.Join(dir, "p1")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		png, err := os.ReadFile(filepath.Join(dir, "p1.png"))
		if err != nil || len(png) < 10_000 {
			t.Fatalf("page image missing or blank (%d bytes): %v", len(png), err)
		}
		os.WriteFile(artifactPath("report-sample.png"), png, 0o644)
	}
}

func TestPDF_SameDocumentAndTimeGiveSameBytes(t *testing.T) {
	at := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	if err := report.PDF(sample(), at, &a); err != nil {
		t.Fatal(err)
	}
	if err := report.PDF(sample(), at, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of one document differ")
	}
}

func TestPDF_WrappedLinesKeepEveryCharacter(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	// Kanji at every possible break: a splitter that drops the character it
	// breaks at loses some of them.
	text := strings.Repeat("氏名住所電話番号勤務先家族構成", 40)
	d := &report.Document{Title: "T", Sections: []report.Section{{Heading: "H", Text: text,
		Table: &report.Table{Columns: []string{"a", "b"}, Widths: []float64{1, 3}, Rows: [][]string{{"x", text}}}}}}
	var buf bytes.Buffer
	if err := report.PDF(d, time.Unix(0, 0), &buf); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "w.pdf")
	os.WriteFile(file, buf.Bytes(), 0o644)
	out, err := exec.Command("pdftotext", "-raw", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(string(out)), "")
	if n := strings.Count(got, text); n != 2 {
		t.Errorf("the wrapped text appears %d times whole, want 2 (paragraph and table cell)", n)
	}
}
