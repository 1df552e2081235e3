// Package sqltest opens real, migrated, empty kasuhara databases for tests:
// a temporary SQLite file, and a fresh schema on the PostgreSQL server named
// by KASUHARA_TEST_POSTGRES (default: the local server's "test" database).
// With CI=true an unreachable PostgreSQL fails the test instead of skipping it.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kasuhara/kasuhara/sqlstore"
)

// DefaultPostgresURL is used when KASUHARA_TEST_POSTGRES is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the databases every storage test runs against.
var Dialects = []string{sqlstore.SQLite, sqlstore.Postgres}

// PostgresURL returns the server URL tests use.
func PostgresURL() string {
	if u := os.Getenv("KASUHARA_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

var (
	pgOnce sync.Once
	pgErr  error
)

func pgReachable() error {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		pgErr = db.Ping()
	})
	return pgErr
}

// RequirePostgres skips the test when PostgreSQL is unreachable, or fails it when CI=true.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if err := pgReachable(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is unreachable and CI=true requires it: %v", PostgresURL(), err)
		}
		t.Skipf("PostgreSQL unreachable (%v); set KASUHARA_TEST_POSTGRES or start it to run this test", err)
	}
}

// shareOnce moves pg_trgm out of test schemas once per test binary, so that
// dropping one test's schema does not drop the search index of the others.
var (
	shareOnce sync.Once
	shareErr  error
)

// URL returns a database URL for a new empty database of the dialect: a
// temporary SQLite file, or a new PostgreSQL schema dropped when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == sqlstore.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "kasuhara.db")
	}
	RequirePostgres(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	shareOnce.Do(func() { shareErr = sqlstore.SharePostgresExtensions(context.Background(), admin) })
	if shareErr != nil {
		admin.Close()
		t.Fatal(shareErr)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated, empty database of the dialect, closed when the test ends.
func Open(t testing.TB, dialect string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, URL(t, dialect), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckQueries(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Each runs fn as a subtest once per dialect, each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Tamper runs query with the audit trail's append-only triggers disabled, as
// someone with direct database access could, to test that verification notices.
func Tamper(db *sqlstore.DB, query string) error {
	if db.Dialect == sqlstore.SQLite {
		for _, q := range []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", query} {
			if err := db.ExecForTest(q); err != nil {
				return err
			}
		}
		return nil
	}
	for _, q := range []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change", query, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"} {
		if err := db.ExecForTest(q); err != nil {
			return err
		}
	}
	return nil
}
