package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
)

// config holds the settings shared by the commands that open the database.
// Each flag has an environment variable; a flag given on the command line wins.
type config struct {
	addr        string
	dataDir     string
	databaseURL string
	tlsCert     string
	tlsKey      string
	logLevel    string
	logFormat   string
	secure      bool
}

// settings is the one table of configuration: flag, variable, default, meaning.
// docs/configuration.md is checked against it by a test.
var settings = []struct {
	flag, env, def, usage string
	target                func(*config) *string
}{
	{"addr", "KASUHARA_ADDR", "127.0.0.1:8080", "address to listen on", func(c *config) *string { return &c.addr }},
	{"data-dir", "KASUHARA_DATA_DIR", "./data", "directory of the embedded SQLite database", func(c *config) *string { return &c.dataDir }},
	{"database-url", "KASUHARA_DATABASE_URL", "", "postgres://… for PostgreSQL; empty for SQLite in the data directory", func(c *config) *string { return &c.databaseURL }},
	{"tls-cert", "KASUHARA_TLS_CERT", "", "PEM certificate file; serve HTTPS when set with the key", func(c *config) *string { return &c.tlsCert }},
	{"tls-key", "KASUHARA_TLS_KEY", "", "PEM private key file", func(c *config) *string { return &c.tlsKey }},
	{"log-level", "KASUHARA_LOG_LEVEL", "info", "debug, info, warn or error", func(c *config) *string { return &c.logLevel }},
	{"log-format", "KASUHARA_LOG_FORMAT", "json", "json or text", func(c *config) *string { return &c.logFormat }},
}

// bind registers the shared flags on fs, defaulting each to its environment variable.
func (c *config) bind(fs *flag.FlagSet, e *env, names ...string) {
	for _, s := range settings {
		if len(names) > 0 && !contains(names, s.flag) {
			continue
		}
		def := s.def
		if v := e.getenv(s.env); v != "" {
			def = v
		}
		fs.StringVar(s.target(c), s.flag, def, s.usage+" ($"+s.env+")")
	}
	secureDef := e.getenv("KASUHARA_SECURE_COOKIES") == "true"
	if len(names) == 0 {
		fs.BoolVar(&c.secure, "secure-cookies", secureDef, "mark cookies Secure (behind a TLS-terminating proxy) ($KASUHARA_SECURE_COOKIES)")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want json or text", c.logFormat)
}

// open connects to the configured database, applies pending migrations
// (every command does, so a new binary never runs on an old schema) and
// checks every query against the schema. It returns the migrations applied.
func (c *config) open(ctx context.Context) (*sqlstore.DB, []string, error) {
	if c.databaseURL == "" {
		if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("data directory %s: %w", c.dataDir, err)
		}
	}
	db, err := sqlstore.Open(ctx, c.databaseURL, c.dataDir)
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := db.CheckQueries(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("database schema does not match this version: %w", err)
	}
	return db, applied, nil
}

// openApp opens the database and returns the application service on it.
func (c *config) openApp(ctx context.Context, e *env) (*app.App, *sqlstore.DB, error) {
	db, _, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return app.New(db, log), db, nil
}

func describeDB(c *config) string {
	if c.databaseURL == "" {
		return "sqlite " + strings.TrimSuffix(c.dataDir, "/") + "/kasuhara.db"
	}
	if i := strings.Index(c.databaseURL, "@"); i > 0 {
		return "postgres " + c.databaseURL[i+1:]
	}
	return "postgres"
}
