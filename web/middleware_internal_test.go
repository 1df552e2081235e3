package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The security headers' values are shared between responses: a handler
// adding to one must not change what the next response sends.
func TestSecurityHeaders_SharedValuesStayUnchanged(t *testing.T) {
	s := &Server{}
	h := s.securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Frame-Options", "SAMEORIGIN")
		w.Header().Add("Content-Security-Policy", "img-src *")
	}))
	for i := 0; i < 2; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if got := rec.Header().Values("X-Frame-Options"); len(got) != 2 || got[0] != "DENY" {
			t.Fatalf("request %d: X-Frame-Options %q", i+1, got)
		}
	}
	for _, kv := range securityHeaderValues {
		if len(kv.value) != 1 || cap(kv.value) != 1 {
			t.Errorf("%s: shared value %q (cap %d) was written to", kv.key, kv.value, cap(kv.value))
		}
	}
	rec := httptest.NewRecorder()
	s.securityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := rec.Header().Values("X-Frame-Options"); len(got) != 1 || got[0] != "DENY" {
		t.Errorf("plain response: X-Frame-Options %q", got)
	}
}
