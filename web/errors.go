package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
)

var statusOf = map[string]int{
	kasuhara.ECONFLICT:     http.StatusConflict,
	kasuhara.EINVALID:      http.StatusBadRequest,
	kasuhara.ENOTFOUND:     http.StatusNotFound,
	kasuhara.EUNAUTHORIZED: http.StatusUnauthorized,
	kasuhara.EFORBIDDEN:    http.StatusForbidden,
	kasuhara.ETOOMANY:      http.StatusTooManyRequests,
	kasuhara.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	kasuhara.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
	RequestID string `json:"request_id,omitempty"`
}

// localize returns the user's message for err in lang; internal errors give
// a generic message and never their details.
func localize(lang string, err error) (code, field, msg string) {
	code = kasuhara.ErrorCode(err)
	var ke *kasuhara.Error
	if !errors.As(err, &ke) || code == kasuhara.EINTERNAL {
		return kasuhara.EINTERNAL, "", i18n.T(lang, "error.internal")
	}
	key := ke.Key
	if key == "" || !i18n.Has(key) {
		key = "error." + code
	}
	msg = i18n.T(lang, key, ke.Args...)
	if ke.Field != "" {
		msg = i18n.T(lang, "error.field.prefix", fieldLabel(lang, ke.Field), msg)
	}
	return code, ke.Field, msg
}

// fieldLabel names an input field in the user's language when the catalog knows it.
func fieldLabel(lang, field string) string {
	if k := "field." + field; i18n.Has(k) {
		return i18n.T(lang, k)
	}
	return field
}

// Error writes err as JSON for API requests and as an error page otherwise.
// Only internal errors are logged, with their details and the request ID;
// users see the code's localized message.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	lang := langFrom(r)
	code, field, msg := localize(lang, err)
	status := statusOf[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if code == kasuhara.EINTERNAL {
		s.Log.Error("internal error", "err", err.Error(), "request_id", w.Header().Get("X-Request-ID"), "method", r.Method, "route", r.Pattern)
	}
	if code == kasuhara.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kasuhara"`)
	}
	if wantsJSON(r) {
		var body errorBody
		body.Error.Code, body.Error.Message, body.Error.Field = code, msg, field
		body.RequestID = w.Header().Get("X-Request-ID")
		writeJSON(w, status, body)
		return
	}
	s.render(w, r, status, "error", map[string]any{"Status": status, "Message": msg})
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
