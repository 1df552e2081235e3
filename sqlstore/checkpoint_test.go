package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The log is copied into the database beside the writer, and once the
// writer reaches its own checkpoint the log starts again from the
// beginning instead of growing with every commit.
func TestCheckpointer_CopiesTheLogBesideTheWriterAndKeepsItBounded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openSQLiteIn(t, dir)
	defer db.Close()
	var mode string
	var autockpt int
	if err := db.writePool.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v", mode, err)
	}
	if err := db.writePool.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&autockpt); err != nil || autockpt != writerCheckpointPages {
		t.Fatalf("writer checkpoints at %d pages, %v", autockpt, err)
	}
	if _, err := db.writePool.ExecContext(ctx, "CREATE TABLE ckpt_test (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 3000)
	write := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if _, err := db.writePool.ExecContext(ctx, "INSERT INTO ckpt_test (b) VALUES (?)", big); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(50)
	// Within a few ticks the background connection has copied every page.
	deadline := time.Now().Add(5 * time.Second)
	for {
		logPages, copied, err := db.ckpt.checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if logPages > 0 && copied == logPages {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %d pages, %d copied after 5 s", logPages, copied)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Writing on while the checkpointer runs: the log file never grows far
	// past the writer's checkpoint, however many commits there are.
	wal := filepath.Join(dir, "kasuhara.db-wal")
	write(20000)
	st, err := os.Stat(wal)
	if err != nil {
		t.Fatal(err)
	}
	// The writer's own checkpoint is skipped while the background one holds
	// the checkpoint lock and succeeds on a later commit, so the log may
	// pass writerCheckpointPages by a few thousand pages; without the
	// writer's checkpoint it grows past 250 MB here.
	if limit := int64(2*writerCheckpointPages) * 4096; st.Size() > limit {
		t.Errorf("log file %d bytes after 20,000 commits, want at most %d", st.Size(), limit)
	}
}

// Closing folds the log into the database and removes it, as SQLite does
// when the last connection to close can write.
func TestClose_LeavesNoLogBehind(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openSQLiteIn(t, dir)
	// A reader in the pool, as a server has after serving pages.
	var n int
	if err := db.readPool.QueryRowContext(ctx, "SELECT count(*) FROM orgs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kasuhara.db-wal")); !os.IsNotExist(err) {
		t.Errorf("the log is still there after Close: %v", err)
	}
}

// openSQLiteIn opens and migrates the SQLite database of data directory dir.
func openSQLiteIn(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
