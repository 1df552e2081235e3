package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// SharePostgresExtensions makes the extensions kasuhara uses (pg_trgm, for
// the case search index) live in the public schema of the database admin is
// connected to. An extension exists once per database, in the schema that
// created it; when several kasuhara schemas share a database (tests,
// benchmarks), the first one to migrate would own it, and dropping that
// schema would drop the extension and, with it, the search index of every
// other schema. Callers that create schemas on a shared database run this
// first. It returns an error only when the database refuses the change; a
// server without pg_trgm is left as it is, and search works without the index.
func SharePostgresExtensions(ctx context.Context, admin *sql.DB) error {
	var available bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')").Scan(&available); err != nil {
		return fmt.Errorf("pg_trgm: %w", err)
	}
	if !available {
		return nil
	}
	var schema sql.NullString
	if err := admin.QueryRowContext(ctx, "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&schema); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("pg_trgm: %w", err)
	}
	var err error
	switch {
	case !schema.Valid:
		_, err = admin.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
	case schema.String != "public":
		// Indexes refer to the operator class by identity, so moving the
		// extension leaves the indexes made from another schema working.
		_, err = admin.ExecContext(ctx, "ALTER EXTENSION pg_trgm SET SCHEMA public")
	}
	if err != nil {
		return fmt.Errorf("pg_trgm: %w", err)
	}
	return nil
}
