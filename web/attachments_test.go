package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
)

// upload sends body to path as the client's session would; chunked sends
// it without a Content-Length, as a client streaming a file may.
func (c *client) upload(path, contentType string, body []byte, chunked bool) response {
	c.t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = struct{ io.Reader }{r} // hides the length
	}
	req, err := http.NewRequest("POST", c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

// attachForm is the case page's upload form with a file of data.
func attachForm(t *testing.T, csrf, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	mw.WriteField("note", "録音")
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func fileData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/1000)
	}
	return b
}

func caseAttachments(t *testing.T, c *client, id int64) []kasuhara.Attachment {
	t.Helper()
	var d struct {
		Attachments []kasuhara.Attachment `json:"attachments"`
	}
	c.get(fmt.Sprintf("/api/v1/cases/%d", id)).json(t, &d)
	return d.Attachments
}

func TestAttachmentUpload_TakesFiveMiBThroughThePageAndTheAPI(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	id := fileCase(t, staff, `{"channel":"phone","occurred_at":"`+time.Now().Add(-time.Hour).Format(time.RFC3339)+`","narrative":"長時間の電話"}`)
	data := fileData(5 << 20)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])

	ct, body := attachForm(t, staff.csrf, "通話録音.wav", data)
	if res := staff.upload(fmt.Sprintf("/cases/%d/attachments", id), ct, body, false); res.status != http.StatusSeeOther {
		t.Fatalf("page upload of 5 MiB: %d %.300s", res.status, res.body)
	}
	res := staff.upload(fmt.Sprintf("/api/v1/cases/%d/attachments?name=%s", id, url.QueryEscape("録音2.wav")), "audio/wav", data, true)
	if res.status != http.StatusCreated {
		t.Fatalf("API upload of 5 MiB, chunked: %d %.300s", res.status, res.body)
	}
	atts := caseAttachments(t, staff, id)
	if len(atts) != 2 {
		t.Fatalf("%d attachments, want 2", len(atts))
	}
	for _, a := range atts {
		if a.Size != 5<<20 || a.SHA256 != want {
			t.Errorf("%s: size %d sha %s, want %d %s", a.Name, a.Size, a.SHA256, 5<<20, want)
		}
		dl := staff.get(fmt.Sprintf("/cases/%d/attachments/%d", id, a.ID))
		if dl.status != 200 || len(dl.body) != len(data) || dl.body != string(data) {
			t.Errorf("%s: download %d, %d bytes", a.Name, dl.status, len(dl.body))
		}
	}
}

func TestAttachmentUpload_RefusesOverTwentyMiBWithALocalizedMessageAndStoresNothing(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	id := fileCase(t, staff, `{"channel":"phone","occurred_at":"`+time.Now().Add(-time.Hour).Format(time.RFC3339)+`","narrative":"長時間の電話"}`)
	data := fileData(21 << 20)
	page := fmt.Sprintf("/cases/%d/attachments", id)
	api := fmt.Sprintf("/api/v1/cases/%d/attachments?name=big.wav", id)
	for _, tt := range []struct {
		name, lang, path string
		chunked, form    bool
		want             string
	}{
		{"page", "", page, false, true, "添付ファイルが大きすぎます(上限 20 MiB)"},
		{"page chunked", "", page, true, true, "添付ファイルが大きすぎます(上限 20 MiB)"},
		{"API", "", api, false, false, "添付ファイルが大きすぎます(上限 20 MiB)"},
		{"API chunked in English", "en", api, true, false, "The attachment is too large (limit 20 MiB)."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			staff.lang = tt.lang
			defer func() { staff.lang = "" }()
			ct, body := "audio/wav", data
			if tt.form {
				ct, body = attachForm(t, staff.csrf, "big.wav", data)
			}
			res := staff.upload(tt.path, ct, body, tt.chunked)
			if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, tt.want) {
				t.Errorf("status %d, want 413 with %q:\n%.400s", res.status, tt.want, res.body)
			}
		})
	}
	if atts := caseAttachments(t, staff, id); len(atts) != 0 {
		t.Errorf("%d attachments stored from refused uploads", len(atts))
	}
	// Every other route keeps the general limit.
	big := `{"channel":"phone","narrative":"` + strings.Repeat("あ", 400_000) + `"}`
	if res := staff.sendJSON("POST", "/api/v1/cases", big); res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "1024 KiB") {
		t.Errorf("1.2 MB JSON case: %d %.300s", res.status, res.body)
	}
}
