package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// TestTwoServers_ShareSessionsThrottlesAndAudit starts two servers, each
// with its own connection pool, on one PostgreSQL database, as two
// processes behind a load balancer would run.
func TestTwoServers_ShareSessionsThrottlesAndAudit(t *testing.T) {
	a, b := twoServers(t)
	c := a.client()
	if res := c.login("supervisor@demo.example.jp", demo.Password); res.status != http.StatusSeeOther {
		t.Fatalf("login on A: %d", res.status)
	}
	// The same browser now reaches server B.
	c.base = b.ts.URL
	if res := c.get("/"); res.status != 200 {
		t.Fatalf("session from A rejected by B: %d", res.status)
	}
	// A form rendered by A is accepted by B (the CSRF token lives in the session row).
	if res := c.postForm("/settings/tokens", url.Values{"name": {"cluster"}}); res.status != 200 {
		t.Errorf("CSRF token from A rejected by B: %d", res.status)
	}
	// Signing out on B ends the session on A too.
	c.postForm("/logout", url.Values{})
	c.base = a.ts.URL
	if res := c.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("session still valid on A after logout on B: %d", res.status)
	}
	// Failed logins count across servers: 3 on A and 2 on B lock the account on both.
	for i := 0; i < 5; i++ {
		srv := a
		if i >= 3 {
			srv = b
		}
		srv.client().login("staff@demo.example.jp", "wrong-password")
	}
	if res := a.client().login("staff@demo.example.jp", demo.Password); res.status != http.StatusTooManyRequests {
		t.Errorf("throttle not shared: %d", res.status)
	}
	// Both servers appended to one unbroken chain.
	if _, brk, err := a.db.VerifyAudit(context.Background()); err != nil || brk != nil {
		t.Errorf("audit chain after two writers: %+v %v", brk, err)
	}
}

// TestTwoServers_ConcurrentAuditAppendsStayChained hammers the chain from two
// pools at once; the advisory lock must serialize the head.
func TestTwoServers_ConcurrentAuditAppendsStayChained(t *testing.T) {
	a, b := twoServers(t)
	done := make(chan struct{})
	for _, e := range []*env{a, b, a, b} {
		go func(e *env) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 10; i++ {
				e.client().login("exec@demo.example.jp", demo.Password)
			}
		}(e)
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	n, brk, err := a.db.VerifyAudit(context.Background())
	if err != nil || brk != nil {
		t.Fatalf("chain broken after concurrent appends: %+v %v", brk, err)
	}
	if n < 40 {
		t.Errorf("only %d entries", n)
	}
}

// twoServers runs two servers, each with its own connection pool, on one
// PostgreSQL database, as two processes behind a load balancer would run.
// demo.Load is idempotent: the second server finds the demo group.
func twoServers(t *testing.T) (a, b *env) {
	t.Helper()
	dbURL := sqltest.URL(t, sqlstore.Postgres)
	var envs [2]*env
	for i := range envs {
		db, err := sqlstore.Open(context.Background(), dbURL, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		envs[i] = newEnvOn(t, db)
	}
	return envs[0], envs[1]
}
