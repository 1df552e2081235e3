package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// cli runs a command in-process with the given environment variables.
func cli(t *testing.T, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	return runPolicyCLI(t, vars, args...)
}

func TestHelp_ListsAndExplainsEveryCommand(t *testing.T) {
	out, _, err := cli(t, nil, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %q", c.name)
		}
		_, stderr, err := cli(t, nil, append(strings.Fields(c.name), "-h")...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "Usage: kasuhara "+c.name) {
			t.Errorf("%s -h: err %v, output %q", c.name, err, stderr)
		}
	}
	for _, want := range []string{"serve", "migrate", "user create", "token create", "audit verify", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	_, stderr, err := cli(t, nil, "serv")
	if exitCode(err) != 2 || !strings.Contains(stderr, `unknown command "serv"`) {
		t.Errorf("exit %d, %q", exitCode(err), stderr)
	}
}

func TestServeHelpNamesEveryEnvironmentVariable(t *testing.T) {
	_, stderr, _ := cli(t, nil, "serve", "-h")
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(stderr, "$"+s.env) {
			t.Errorf("serve -h does not mention %s", s.env)
		}
		if !strings.Contains(string(doc), "`"+s.env+"`") || !strings.Contains(string(doc), "`--"+s.flag+"`") {
			t.Errorf("docs/configuration.md lacks %s / --%s", s.env, s.flag)
		}
	}
}

// dbVars returns the environment that points the CLI at a fresh database of the dialect.
func dbVars(t *testing.T, dialect string) map[string]string {
	if dialect == sqlstore.SQLite {
		return map[string]string{"KASUHARA_DATA_DIR": t.TempDir()}
	}
	return map[string]string{"KASUHARA_DATABASE_URL": sqltest.URL(t, dialect)}
}

func TestUserTokenAndAuditVerify_DetectTampering(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			vars := dbVars(t, dialect)
			out, _, err := cli(t, vars, "migrate")
			if err != nil || !strings.Contains(out, "applied 001_foundation.sql") {
				t.Fatalf("migrate: %v %q", err, out)
			}
			if out, _, _ := cli(t, vars, "migrate"); !strings.Contains(out, "up to date") {
				t.Errorf("second migrate: %q", out)
			}
			// user create needs an organization; serve's bootstrap makes the first one.
			db := openDB(t, vars)
			if err := db.CreateOrg(context.Background(), orgFixture()); err != nil {
				t.Fatal(err)
			}
			if _, _, err := cli(t, vars, "user", "create", "-email", "bad", "-name", "x", "-org", "clinic"); err == nil || !strings.Contains(err.Error(), "email") {
				t.Errorf("bad email accepted: %v", err)
			}
			out, _, err = cli(t, vars, "user", "create", "-email", "Nurse@Clinic.example.jp", "-name", "看護師 花子", "-org", "clinic", "-roles", "staff,desk")
			if err != nil || !strings.Contains(out, "Password (shown once):") {
				t.Fatalf("user create: %v %q", err, out)
			}
			if _, _, err := cli(t, vars, "user", "create", "-email", "nurse@clinic.example.jp", "-name", "x", "-org", "clinic"); err == nil {
				t.Error("duplicate email accepted")
			}
			out, _, err = cli(t, vars, "user", "password", "-email", "nurse@clinic.example.jp")
			if err != nil || !strings.Contains(out, "New password for nurse@clinic.example.jp (shown once):") {
				t.Errorf("user password: %v %q", err, out)
			}
			withPW := map[string]string{"KASUHARA_PASSWORD": "short"}
			for k, v := range vars {
				withPW[k] = v
			}
			if _, _, err := cli(t, withPW, "user", "password", "-email", "nurse@clinic.example.jp"); err == nil || !strings.Contains(err.Error(), "password") {
				t.Errorf("short password accepted: %v", err)
			}
			token, _, err := cli(t, vars, "token", "create", "-email", "nurse@clinic.example.jp")
			if err != nil || !strings.HasPrefix(token, "ksh_") {
				t.Fatalf("token create: %v %q", err, token)
			}
			out, _, err = cli(t, vars, "audit", "verify")
			if err != nil || !strings.Contains(out, "intact") {
				t.Fatalf("verify intact chain: %v %q", err, out)
			}
			if err := sqltest.Tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"); err != nil {
				t.Fatal(err)
			}
			_, _, err = cli(t, vars, "audit", "verify")
			if exitCode(err) != 1 || !strings.Contains(err.Error(), "entry 1") {
				t.Errorf("verify after tampering: exit %d, %v", exitCode(err), err)
			}
		})
	}
}

func openDB(t *testing.T, vars map[string]string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), vars["KASUHARA_DATABASE_URL"], vars["KASUHARA_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// syncBuffer is a buffer the server goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRe = regexp.MustCompile(`listening on (https?://\S+)`)

// startServe runs "serve" in-process and returns its base URL and a stop
// function that sends the equivalent of SIGTERM and waits for the exit.
func startServe(t *testing.T, vars map[string]string, args ...string) (base string, out *syncBuffer, stop func() error) {
	t.Helper()
	out = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard, getenv: func(k string) string { return vars[k] }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...), e) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("serve did not stop")
		}
	}
	t.Cleanup(func() { stop() })
	return base, out, stop
}

func TestServe_BootstrapsFromEnvironmentAndShutsDownGracefully(t *testing.T) {
	vars := dbVars(t, sqlstore.SQLite)
	vars["KASUHARA_BOOTSTRAP_ADMIN_EMAIL"] = "it@clinic.example.jp"
	vars["KASUHARA_BOOTSTRAP_ADMIN_PASSWORD"] = "first-admin-pass"
	vars["KASUHARA_LOG_LEVEL"] = "warn"
	base, out, stop := startServe(t, vars)
	if !strings.Contains(out.String(), "administrator it@clinic.example.jp") || strings.Contains(out.String(), "first-admin-pass") {
		t.Errorf("bootstrap output: %q (must name the admin and never echo a given password)", out.String())
	}
	res, err := http.Get(base + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, res)
	}
	// An in-flight request finishes during shutdown.
	slow := make(chan int, 1)
	go func() {
		res, err := http.Get(base + "/login")
		if err != nil {
			slow <- 0
			return
		}
		slow <- res.StatusCode
	}()
	time.Sleep(20 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if code := <-slow; code != 200 {
		t.Errorf("request during shutdown: %d", code)
	}
	// A second start on the same database creates nothing new.
	_, out2, _ := startServe(t, vars)
	if strings.Contains(out2.String(), "Created organization") {
		t.Errorf("bootstrap ran twice: %q", out2.String())
	}
}

func TestServe_GeneratedAdminPasswordIsPrintedOnceAndWorks(t *testing.T) {
	vars := dbVars(t, sqlstore.SQLite)
	vars["KASUHARA_LOG_LEVEL"] = "warn"
	base, out, _ := startServe(t, vars)
	m := regexp.MustCompile(`administrator (\S+) with password (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no generated password in %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(vars["KASUHARA_DATA_DIR"], "kasuhara.db")); err != nil {
		t.Errorf("no SQLite file in the data directory: %v", err)
	}
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
}

func TestServe_DemoPrintsAccounts(t *testing.T) {
	vars := dbVars(t, sqlstore.SQLite)
	vars["KASUHARA_LOG_LEVEL"] = "warn"
	_, out, _ := startServe(t, vars, "--demo")
	for _, want := range []string{"admin@demo.example.jp", "auditor@demo.example.jp", "demo-retail", "demo-call", "kasuhara-demo-2026"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

func TestServe_RejectsBadConfiguration(t *testing.T) {
	for _, tt := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"KASUHARA_LOG_LEVEL": "loud"}, nil, "log-level"},
		{map[string]string{"KASUHARA_DATABASE_URL": "mysql://x"}, nil, "postgres://"},
		{nil, []string{"-tls-cert", "c.pem"}, "go together"},
		{nil, []string{"extra"}, ""},
	} {
		vars := dbVars(t, sqlstore.SQLite)
		for k, v := range tt.vars {
			vars[k] = v
		}
		_, _, err := cli(t, vars, append([]string{"serve", "-addr", "127.0.0.1:0"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: %v, want an error about %q", tt.vars, tt.args, err, tt.want)
		}
	}
}

func orgFixture() *kasuhara.Organization {
	return &kasuhara.Organization{Slug: "clinic", Name: "さくら診療所"}
}

func TestServe_SpeaksTLSWithSecureCookies(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSignedCert(t, cert, key)
	vars := dbVars(t, sqlstore.SQLite)
	vars["KASUHARA_LOG_LEVEL"] = "warn"
	vars["KASUHARA_TLS_CERT"], vars["KASUHARA_TLS_KEY"] = cert, key
	base, _, _ := startServe(t, vars)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("base %q is not https", base)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	for _, c := range res.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s not Secure under TLS", c.Name)
		}
	}
}

func writeSelfSignedCert(t *testing.T, certPath, keyPath string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(priv)
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

func TestOrgCreate_MakesASubsidiaryReachableWithGroupAccess(t *testing.T) {
	vars := dbVars(t, sqlstore.SQLite)
	if _, _, err := cli(t, vars, "org", "create", "-slug", "sakura", "-name", "さくらグループ"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, vars, "org", "create", "-slug", "sakura-clinic", "-name", "さくら診療所", "-parent", "sakura"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, vars, "org", "create", "-slug", "Bad Slug", "-name", "x"); err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("bad slug: %v", err)
	}
	if _, _, err := cli(t, vars, "org", "create", "-slug", "x-y", "-name", "x", "-parent", "nope"); err == nil {
		t.Error("unknown parent accepted")
	}
	out, _, err := cli(t, vars, "org", "list")
	if err != nil || !strings.Contains(out, "sakura-clinic\tさくら診療所\tparent=sakura") {
		t.Errorf("org list: %v\n%s", err, out)
	}
}
