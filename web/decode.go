package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
)

// decodeJSON reads exactly one JSON object from body into dst. Unknown
// fields, wrong types, trailing data, invalid UTF-8 and bodies over the limit
// are refused with an error that names the field and the problem; dst is
// only used when decoding succeeds, so nothing half-decoded is ever stored.
func decodeJSON(body io.Reader, dst any) error {
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &kasuhara.Error{Code: kasuhara.ETOOLARGE, Key: "error.body.too_large", Args: []any{mbe.Limit / 1024}, Message: "request body too large"}
		}
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.body.read", Message: "could not read the request body"}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.empty", Message: "empty body; send a JSON object"}
	}
	if !utf8.Valid(data) {
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.utf8", Message: "body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.trailing", Message: "unexpected data after the JSON object"}
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.syntax", Args: []any{syn.Offset}, Message: "malformed JSON"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.not_object", Message: "send a JSON object"}
		}
		return &kasuhara.Error{Code: kasuhara.EINVALID, Field: field, Key: "error.json.type", Args: []any{typ.Type.String()}, Message: "wrong type"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.truncated", Message: "JSON ends too early"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &kasuhara.Error{Code: kasuhara.EINVALID, Field: name, Key: "error.json.unknown_field", Message: "unknown field"}
	}
	return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.json.syntax", Args: []any{int64(0)}, Message: "malformed JSON"}
}
