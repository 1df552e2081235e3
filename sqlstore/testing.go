package sqlstore

import "context"

// ExecForTest runs raw SQL on the write connection. It exists for tests that
// must play an attacker with direct database access; nothing else calls it.
func (db *DB) ExecForTest(query string) error {
	_, err := db.writePool.ExecContext(context.Background(), query)
	return err
}
