package web

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
)

type fuzzTarget struct {
	Email  string          `json:"email"`
	Name   string          `json:"name"`
	Roles  []kasuhara.Role `json:"roles"`
	OrgID  *int64          `json:"org_id"`
	Active bool            `json:"active"`
}

// FuzzDecodeJSON checks that no request body makes decoding panic, that every
// refusal is a user-facing EINVALID error, and that whatever is accepted is
// valid UTF-8 and a single object.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.jp","name":"山田","roles":["staff"],"org_id":1,"active":true}`,
		`{"email": `, `[]`, `null`, `{"x":1}`, `{"name":1}`, "{\"name\":\"\xff\"}", `{} {}`, ``, `{"org_id":1e400}`,
		`{"roles":[null]}`, `{"name":"\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst fuzzTarget
		err := decodeJSON(strings.NewReader(string(body)), &dst)
		if err != nil {
			var ke *kasuhara.Error
			if !errors.As(err, &ke) || ke.Code != kasuhara.EINVALID || ke.Key == "" {
				t.Fatalf("refusal is not a localized EINVALID error: %#v", err)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted invalid UTF-8: %q", body)
		}
		if !utf8.ValidString(dst.Name) || !utf8.ValidString(dst.Email) {
			t.Fatalf("decoded invalid UTF-8")
		}
	})
}

func TestDecodeJSON_RefusesWhatItCannotStoreFaithfully(t *testing.T) {
	for body, key := range map[string]string{
		`{"email":"a","email2":"b"}`: "error.json.unknown_field",
		`{"org_id":"1"}`:             "error.json.type",
		`{"email":"a"}x`:             "error.json.trailing",
		"\xef\xbb\xbf{}":             "error.json.syntax", // a BOM is not JSON
	} {
		var dst fuzzTarget
		err := decodeJSON(strings.NewReader(body), &dst)
		var ke *kasuhara.Error
		if !errors.As(err, &ke) || ke.Key != key {
			t.Errorf("%q: %v, want %s", body, err, key)
		}
	}
}
