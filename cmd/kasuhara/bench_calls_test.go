package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The raw client of bench calls must read every kind of answer a Go server
// gives (a length, chunks, a closed connection) and keep the connection
// between posts, or the generator would count errors that are not there.
func TestRawClient_ReadsLengthChunkedAndClosedAnswersOnOneConnection(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer ksh_test" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch string(body) {
		case `"chunked"`:
			w.WriteHeader(http.StatusCreated)
			for i := 0; i < 5; i++ {
				io.WriteString(w, strings.Repeat("x", 3000))
				w.(http.Flusher).Flush()
			}
		case `"close"`:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":"slow down"}`)
		default:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"utterance":{}}`)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	c := &rawClient{addr: host, host: host, target: "/api/v1/calls/1/utterances", auth: "Bearer ksh_test"}
	defer c.close()
	for i, step := range []struct {
		body  string
		want  int
		conns int64
	}{
		{`"a"`, 201, 1}, {`"chunked"`, 201, 1}, {`"b"`, 201, 1}, {`"close"`, 429, 1}, {`"c"`, 201, 2}, {`"d"`, 201, 2},
	} {
		status, err := c.post([]byte(step.body))
		if err != nil || status != step.want {
			t.Fatalf("post %d %s: %d %v, want %d", i, step.body, status, err, step.want)
		}
		if n := conns.Load(); n != step.conns {
			t.Errorf("post %d %s: %d connections, want %d", i, step.body, n, step.conns)
		}
	}
}
