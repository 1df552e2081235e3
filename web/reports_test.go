package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
)

// fileReportCase files a quick report as the demo's staff member and returns its ID.
func fileReportCase(t *testing.T, e *env, marker string) int64 {
	t.Helper()
	res := e.loggedIn("staff@demo.example.jp").postForm("/cases", quickReport(marker))
	if res.status != http.StatusSeeOther {
		t.Fatalf("quick report: %d\n%s", res.status, res.body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.SplitN(res.header.Get("Location"), "?", 2)[0], "/cases/"), 10, 64)
	if err != nil {
		t.Fatalf("location %q: %v", res.header.Get("Location"), err)
	}
	return id
}

func userID(t *testing.T, c *client) int64 {
	var me struct {
		User kasuhara.User `json:"user"`
	}
	c.get("/api/v1/me").json(t, &me)
	if me.User.ID == 0 {
		t.Fatal("no user in /api/v1/me")
	}
	return me.User.ID
}

func TestCaseReport_MeasuresThenSupervisorThenExecutiveApproveAndThePDFReadsInJapanese(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	id := fileReportCase(t, e, "RPT-7")
	base := "/cases/" + strconv.FormatInt(id, 10)
	sv, exec := e.loggedIn("supervisor@demo.example.jp"), e.loggedIn("exec@demo.example.jp")

	// Approving a plan without measures is refused and writes nothing.
	res := sv.sendJSON("POST", "/api/v1"+base+"/approvals", `{"role":"supervisor"}`)
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "measures") {
		t.Fatalf("approval without measures: %d %s", res.status, res.body)
	}
	// A measure with no owner names the field.
	res = sv.postForm(base+"/measures", url.Values{"kind": {"corrective"}, "text": {"x"}, "due_at": {"2026-12-01"}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "report-error") {
		t.Fatalf("measure without owner: %d", res.status)
	}
	svID := userID(t, sv)
	res = sv.postForm(base+"/measures", url.Values{"kind": {"corrective"}, "text": {"警告書を内容証明郵便で送付する"}, "owner_id": {strconv.FormatInt(svID, 10)}, "due_at": {"2026-12-01"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("add measure: %d %s", res.status, res.body)
	}
	res = sv.sendJSON("POST", "/api/v1"+base+"/measures", `{"kind":"preventive","text":"カウンター対応の二人体制を徹底する研修","owner_id":`+strconv.FormatInt(svID, 10)+`,"due_at":"2027-01-15"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("add measure by API: %d %s", res.status, res.body)
	}
	// The executive may not approve before the supervisor.
	if res := exec.sendJSON("POST", "/api/v1"+base+"/approvals", `{"role":"executive"}`); res.status != http.StatusConflict {
		t.Fatalf("executive first: %d %s", res.status, res.body)
	}
	if res := sv.sendJSON("POST", "/api/v1"+base+"/approvals", `{"role":"executive"}`); res.status != http.StatusBadRequest {
		t.Fatalf("supervisor approving as executive: %d %s", res.status, res.body)
	}
	res = sv.postForm(base+"/approvals", url.Values{"role": {"supervisor"}, "note": {"内容を確認した"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("supervisor approval: %d %s", res.status, res.body)
	}
	var c struct {
		Case kasuhara.Case `json:"case"`
	}
	sv.get("/api/v1"+base).json(t, &c)
	if !c.Case.ReportFiled {
		t.Error("the supervisor's approval did not record the report as filed")
	}
	if res := exec.sendJSON("POST", "/api/v1"+base+"/approvals", `{"role":"executive","note":"承認"}`); res.status != http.StatusCreated {
		t.Fatalf("executive approval: %d %s", res.status, res.body)
	}

	page := sv.get(base + "/report")
	for _, want := range []string{"是正処置計画書兼報告書", "警告書を内容証明郵便で送付する", "RPT-7", `href="` + base + `/report.pdf"`, "上長", "役員", "内容を確認した"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "未承認") {
		t.Error("report page still shows a pending approval")
	}
	if casePage := sv.get(base); !strings.Contains(casePage.body, base+"/report.pdf") || !strings.Contains(casePage.body, base+"/evidence.zip") {
		t.Error("case page lacks the PDF and evidence buttons")
	}
	// The reporter reads the report; another staff member does not even learn it exists.
	if res := e.loggedIn("staff@demo.example.jp").get(base + "/report"); res.status != 200 || strings.Contains(res.body, `action="`+base+`/measures"`) {
		t.Errorf("reporter: %d, or sees the measure form", res.status)
	}
	if res := e.loggedIn("shinjuku-lead@demo.example.jp").get("/api/v1" + base + "/report.pdf"); res.status != http.StatusNotFound && res.status != 200 {
		t.Errorf("other user: %d", res.status)
	}

	start := time.Now()
	pdf := sv.get("/api/v1" + base + "/report.pdf")
	elapsed := time.Since(start)
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("pdf: %d %s", pdf.status, pdf.header.Get("Content-Type"))
	}
	t.Logf("report PDF: %d bytes in %v", len(pdf.body), elapsed)
	text, png := pdfText(t, []byte(pdf.body))
	for _, want := range []string{"是正処置計画書兼報告書", "1.事実", "2.経過", "3.判定", "4.実施した対応", "5.是正処置・再発防止策", "6.承認",
		"RPT-7", "警告書を内容証明郵便で送付する", "カウンター対応の二人体制を徹底する研修", "内容を確認した", "全額返金と店長の土下座"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if png != nil {
		os.WriteFile(artifact(t, "case-report.png"), png, 0o644)
	}
}

// pdfText returns the PDF's text without whitespace (pdftotext) and its
// first page as PNG (pdftoppm); it skips the test without poppler-utils.
func pdfText(t *testing.T, pdf []byte) (string, []byte) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed; scripts/test installs it")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "r.pdf")
	os.WriteFile(file, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-layout", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	var png []byte
	if _, err := exec.LookPath("pdftoppm"); err == nil {
		if out, err := exec.Command("pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", file, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		png, _ = os.ReadFile(filepath.Join(dir, "p.png"))
	}
	return strings.Join(strings.Fields(string(out)), ""), png
}

func TestEvidenceBundle_VerifiesAndNamesTheTamperedFile(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	id := fileReportCase(t, e, "EVD-3")
	base := "/api/v1/cases/" + strconv.FormatInt(id, 10)
	sv := e.loggedIn("supervisor@demo.example.jp")
	if res := sv.do("POST", base+"/attachments?name="+url.QueryEscape("通話録音.txt"), "text/plain", "録音の書き起こし: 殺すぞ"); res.status != http.StatusCreated {
		t.Fatalf("attach: %d %s", res.status, res.body)
	}
	if res := e.loggedIn("staff@demo.example.jp").get(base + "/evidence.zip"); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Errorf("staff produced a bundle: %d", res.status)
	}
	res := sv.get(base + "/evidence.zip")
	if res.status != 200 || res.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("bundle: %d %s", res.status, res.body)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.body)), int64(len(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := app.VerifyEvidence(zr)
	if err != nil {
		t.Fatalf("fresh bundle does not verify: %v", err)
	}
	names := map[string]bool{}
	for _, f := range m.Files {
		names[f.Name] = true
	}
	for _, want := range []string{"report.pdf", "timeline.json", "timeline.csv", "audit.json"} {
		if !names[want] {
			t.Errorf("bundle lacks %s: %v", want, names)
		}
	}
	var attName string
	for n := range names {
		if strings.HasPrefix(n, "attachments/") && strings.HasSuffix(n, "-通話録音.txt") {
			attName = n
		}
	}
	if attName == "" {
		t.Fatalf("attachment missing: %v", names)
	}
	// The audit excerpt has the case's entries with their chain hashes,
	// including the production of this very bundle.
	var entries []kasuhara.AuditEntry
	for _, f := range zr.File {
		if f.Name == "audit.json" {
			rc, _ := f.Open()
			json.NewDecoder(rc).Decode(&entries)
			rc.Close()
		}
	}
	actions := map[string]bool{}
	for _, en := range entries {
		actions[en.Action] = en.Hash != "" && en.PrevHash != ""
	}
	if !actions["case.evidence"] || !actions["case.attach"] {
		t.Errorf("audit excerpt lacks the bundle's production or the attachment: %v", actions)
	}

	// Tampering: change one byte of the attachment, then add a file.
	tampered := rewriteZip(t, zr, func(name string, data []byte) []byte {
		if name == attName {
			return bytes.Replace(data, []byte("殺す"), []byte("許す"), 1)
		}
		return data
	}, "")
	if _, err := app.VerifyEvidence(tampered); err == nil || !strings.Contains(err.Error(), attName) {
		t.Errorf("tampered attachment: %v; want an error naming %s", err, attName)
	}
	added := rewriteZip(t, zr, func(_ string, d []byte) []byte { return d }, "attachments/extra.txt")
	if _, err := app.VerifyEvidence(added); err == nil || !strings.Contains(err.Error(), "extra.txt") {
		t.Errorf("added file: %v", err)
	}
	auditEdit := rewriteZip(t, zr, func(name string, data []byte) []byte {
		if name == "audit.json" {
			return bytes.Replace(data, []byte(`"supervisor@demo.example.jp"`), []byte(`"someone@demo.example.jp"`), 1)
		}
		return data
	}, "")
	if _, err := app.VerifyEvidence(auditEdit); err == nil || !strings.Contains(err.Error(), "audit.json") {
		t.Errorf("edited audit excerpt: %v", err)
	}
}

// rewriteZip copies zr through edit, adding an extra file when named.
func rewriteZip(t *testing.T, zr *zip.Reader, edit func(string, []byte) []byte, extra string) *zip.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		w, _ := zw.Create(f.Name)
		w.Write(edit(f.Name, data))
	}
	if extra != "" {
		w, _ := zw.Create(extra)
		w.Write([]byte("planted"))
	}
	zw.Close()
	out, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
