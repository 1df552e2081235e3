package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kasuhara/kasuhara"
)

// bulk runs insert for n rows in one transaction through one prepared
// statement of the named query.
func (db *DB) bulk(ctx context.Context, query string, n int, args func(i int) ([]any, error), after func(ctx context.Context, tx *sql.Tx, id int64) error) error {
	tx, err := db.writePool.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, db.q(query))
	if err != nil {
		return mapErr(err)
	}
	defer st.Close()
	for i := 0; i < n; i++ {
		a, err := args(i)
		if err != nil {
			return err
		}
		var id int64
		if err := st.QueryRowContext(ctx, a...).Scan(&id); err != nil {
			return fmt.Errorf("row %d: %w", i, mapErr(err))
		}
		if after != nil {
			if err := after(ctx, tx, id); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err)
	}
	return db.Analyze(ctx)
}

// Analyze refreshes the query planner's statistics. A bulk load changes how
// selective each index is by orders of magnitude; without fresh statistics
// SQLite guesses, and picks an index that reads a third of the table for a
// filter another index answers from a few hundred entries. The analysis is
// exact (analysis_limit 0): sampled statistics misjudged the case indexes by
// a factor of a hundred, and the full one takes about two seconds at a
// million cases.
func (db *DB) Analyze(ctx context.Context) error {
	var err error
	if db.Dialect == SQLite {
		_, err = db.writePool.ExecContext(ctx, "PRAGMA analysis_limit = 0; ANALYZE")
	} else {
		_, err = db.writePool.ExecContext(ctx, "ANALYZE")
	}
	if err != nil {
		return fmt.Errorf("analyze: %w", mapErr(err))
	}
	return nil
}

// BulkCustomers inserts n customers made by gen in one transaction through
// one prepared statement, for benchmarks and imports. Fields are validated
// and normalized as by CreateCustomer, but no audit entries are written, so
// only trusted callers (the CLI) may use it.
func (db *DB) BulkCustomers(ctx context.Context, n int, gen func(i int) *kasuhara.Customer) error {
	now := micro(db.Now())
	return db.bulk(ctx, "customer-insert", n, func(i int) ([]any, error) {
		c := gen(i)
		if err := c.Validate(); err != nil {
			return nil, err
		}
		k := c.Keys()
		return []any{c.OrgID, c.Name, c.Kana, c.Phone, c.Email, c.MemberNo, c.Address, c.Note, k.Name, k.Kana, k.Phone, k.Email, k.Member, now}, nil
	}, nil)
}

// BulkCases inserts n cases made by gen like BulkCustomers, without their
// type rows, events or audit entries: for benchmarks of the case list.
func (db *DB) BulkCases(ctx context.Context, n int, gen func(i int) *kasuhara.Case) error {
	now := micro(db.Now())
	var c *kasuhara.Case
	var typeStmt *sql.Stmt
	defer func() {
		if typeStmt != nil {
			typeStmt.Close()
		}
	}()
	return db.bulk(ctx, "case-insert", n, func(i int) ([]any, error) {
		c = gen(i)
		return []any{c.OrgID, c.State, c.Channel, micro(c.OccurredAt), c.Place, optInt(c.DepartmentID),
			optInt(c.CustomerID), c.CustomerKnown, c.Demand, c.Narrative, listField(c.Types), codeField(c.Codes), c.StaffInvolved, c.StaffCount,
			c.StaffInjured, c.WantsToTalk, c.StaffCondition, c.Recorded, c.RecordingConsent, c.Urgent, c.ReporterID, optInt(c.AssigneeID),
			optMicro(c.DueAt), c.PolicyVersionID, c.DemandValidity, c.DemandAssessment, optBool(c.MeansAppropriate), optInt(c.AssessedBy),
			c.AssessedByName, optMicro(c.AssessedAt), optBool(c.Harassment), string(c.Judgement), c.Response, escalationJSON(c.Escalation),
			optMicro(c.Escalation.PoliceAt), c.ReportFiled, c.ReopenReason, optMicro(c.ClosedAt), now, searchText(c)}, nil
	}, func(ctx context.Context, tx *sql.Tx, id int64) error {
		if typeStmt == nil {
			var err error
			if typeStmt, err = tx.PrepareContext(ctx, db.q("case-type-insert")); err != nil {
				return mapErr(err)
			}
		}
		for _, t := range c.Types {
			if _, err := typeStmt.ExecContext(ctx, id, c.OrgID, t); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}
