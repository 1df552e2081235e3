// Package sqlstore implements kasuhara's storage services on SQLite (the
// embedded default, through the pure-Go modernc.org/sqlite driver) and on
// PostgreSQL (through pgx). One set of named queries serves both; the few
// places where the dialects differ are overrides in queries.DIALECT.sql and
// separate migration folders.
package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/kasuhara/kasuhara"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

//go:embed queries*.sql migrations
var files embed.FS

// DB is an open kasuhara database. It implements the storage interfaces of
// the root package. On SQLite, writes go through a single connection (SQLite
// allows one writer) and reads through a pool; on PostgreSQL both are one pool.
type DB struct {
	Dialect string
	// read and write are the pools, or both the transaction in a DB bound
	// to one by InTx.
	read, write querier
	readPool    *sql.DB
	writePool   *sql.DB
	inTx        bool
	queries     map[string]string
	// url is the PostgreSQL URL, for the dedicated LISTEN connection.
	url string
	// ckpt checkpoints SQLite's write-ahead log beside the writer.
	ckpt *checkpointer
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Open connects to the database named by databaseURL, or to the SQLite file
// kasuhara.db in dataDir when databaseURL is empty, and checks every query
// against the schema once migrations are applied (Migrate). It returns an
// error naming what could not be opened.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	db := &DB{Now: func() time.Time { return time.Now().UTC() }}
	switch {
	case databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:") || strings.HasPrefix(databaseURL, "file:"):
		db.Dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "file:")
		if path == "" {
			path = filepath.Join(dataDir, "kasuhara.db")
		}
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		// Statement journals (a multi-row insert inside a transaction keeps
		// one) go to memory: on disk each cost a temporary file's open,
		// writes and close per statement on the live-call path.
		w, err := sql.Open("sqlite", dsn+"&_pragma=temp_store(MEMORY)"+fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerCheckpointPages))
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", dsn+"&mode=ro")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		// Idle readers are kept: a connection closed when more than two were
		// busy would be reopened, its schema read again, moments later.
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		ck, err := sql.Open("sqlite", dsn)
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		db.readPool, db.writePool = r, w
		db.ckpt = startCheckpointer(ck)
	case strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://"):
		db.Dialect = Postgres
		p, err := sql.Open("pgx", databaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		p.SetMaxOpenConns(20)
		p.SetMaxIdleConns(20)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.readPool, db.writePool = p, p
		db.url = databaseURL
	default:
		return nil, fmt.Errorf("database URL %q: want postgres://… or sqlite:PATH (or none for the embedded SQLite file)", redactURL(databaseURL))
	}
	db.read, db.write = db.readPool, db.writePool
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.writePool.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.Dialect, err)
	}
	var err error
	if db.queries, err = loadQueries(db.Dialect); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// redactURL hides the password of a database URL so it can be shown or logged.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Close closes both pools.
func (db *DB) Close() error {
	// Readers close first and the writer last: SQLite folds the log into
	// the database and removes it when the last connection closes, which a
	// read-only connection cannot do (the log had stayed behind, up to the
	// writer's checkpoint size).
	var err error
	if db.readPool != db.writePool {
		err = db.readPool.Close()
	}
	if db.ckpt != nil {
		db.ckpt.close()
	}
	if e := db.writePool.Close(); err == nil {
		err = e
	}
	return err
}

// Stats returns the connection pool statistics of the pool used for reads.
func (db *DB) Stats() sql.DBStats { return db.readPool.Stats() }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.readPool.PingContext(ctx) }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// InTx runs fn with a DB bound to one write transaction and commits when fn
// returns nil, so a change and its audit entry are stored together or not at
// all. Inside fn, further InTx calls join the same transaction.
func (db *DB) InTx(ctx context.Context, fn func(tx *DB) error) error {
	if db.inTx {
		return fn(db)
	}
	tx, err := db.writePool.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	bound := *db
	bound.read, bound.write, bound.inTx = tx, tx, true
	if err := fn(&bound); err != nil {
		tx.Rollback()
		return err
	}
	return mapErr(tx.Commit())
}

func loadQueries(dialect string) (map[string]string, error) {
	q := map[string]string{}
	for _, name := range []string{"queries.sql", "queries." + dialect + ".sql"} {
		b, err := files.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) && name != "queries.sql" {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := parseQueries(string(b), name, q, name != "queries.sql"); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// parseQueries reads "-- name: X" sections into q. An override file may only
// replace names the base file defines, so a misspelt override cannot go unused.
func parseQueries(text, file string, q map[string]string, override bool) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		_, exists := q[name]
		if override && !exists {
			return fmt.Errorf("%s: query %q overrides nothing", file, name)
		}
		if !override && exists {
			return fmt.Errorf("%s: query %q defined twice", file, name)
		}
		q[name] = strings.TrimSpace(body.String())
		body.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "-- name: "); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(n)
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--") || name == "" {
			continue
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	return flush()
}

// q returns the named query; a missing name is a programming error caught by the start-up check.
func (db *DB) q(name string) string {
	s, ok := db.queries[name]
	if !ok {
		panic("sqlstore: unknown query " + name)
	}
	return s
}

// CheckQueries prepares every named query against the migrated schema.
func (db *DB) CheckQueries(ctx context.Context) error {
	names := make([]string, 0, len(db.queries))
	for n := range db.queries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st, err := db.writePool.PrepareContext(ctx, db.queries[n])
		if err != nil {
			return fmt.Errorf("query %s: %w", n, err)
		}
		st.Close()
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + db.Dialect
	entries, err := files.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: want NNN_name.sql", e.Name())
		}
		b, err := files.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must be numbered 1, 2, 3… without gaps", m.name)
		}
	}
	return ms, nil
}

// Migrate applies the migrations not yet applied, in order, each in its own
// transaction, and returns the names applied. Several servers starting at
// once on PostgreSQL take turns through an advisory lock.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := db.migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.writePool.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7316160100)"); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7316160100)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		applied[v] = true
	}
	rows.Close()
	var done []string
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return done, err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return done, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", m.version, m.name, db.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return done, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return done, fmt.Errorf("migration %s: %w", m.name, err)
		}
		done = append(done, m.name)
	}
	return done, nil
}

// MigrationsCurrent reports whether every embedded migration has been applied;
// /readyz uses it so a server on an old schema is taken out of rotation.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	ms, err := db.migrations()
	if err != nil {
		return false, err
	}
	var n int
	if err := db.readPool.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		return false, err
	}
	return n == len(ms), nil
}

// mapErr turns driver errors into domain errors where they mean something to
// the user (duplicates, dangling references) and wraps the rest as internal.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ke *kasuhara.Error
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "error.conflict", Message: "already exists", Err: err}
		case "23503":
			return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.reference", Message: "refers to a record that does not exist", Err: err}
		}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "error.conflict", Message: "already exists", Err: err}
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.reference", Message: "refers to a record that does not exist", Err: err}
	}
	return &kasuhara.Error{Code: kasuhara.EINTERNAL, Message: "database error", Err: err}
}

func micro(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicro(v int64) time.Time { return time.UnixMicro(v).UTC() }

func optMicro(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micro(*t)
}

func fromOptMicro(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicro(v.Int64)
	return &t
}

func optInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func fromOptInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	x := v.Int64
	return &x
}

// Atomic implements kasuhara.Store on top of InTx.
func (db *DB) Atomic(ctx context.Context, fn func(tx kasuhara.Store) error) error {
	return db.InTx(ctx, func(tx *DB) error { return fn(tx) })
}

var _ kasuhara.Store = (*DB)(nil)
