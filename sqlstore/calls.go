package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.CallService = (*DB)(nil)

func scanCall(s scanner) (*kasuhara.Call, error) {
	var c kasuhara.Call
	var pv, ended sql.NullInt64
	var started int64
	if err := s.Scan(&c.ID, &c.OrgID, &c.Channel, &c.CallerNumber, &c.StaffID, &c.StaffName, &c.OpenedBy, &pv, &started, &ended,
		&c.Stage, &c.Restricted, &c.RestrictedReason, &c.NeedsCase, &c.Utterances, &c.Flagged); err != nil {
		return nil, mapErr(err)
	}
	c.PolicyVersionID, c.StartedAt, c.EndedAt = fromOptInt(pv), fromMicro(started), fromOptMicro(ended)
	return &c, nil
}

// CreateCall implements kasuhara.CallService.
func (db *DB) CreateCall(ctx context.Context, c *kasuhara.Call) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = db.Now()
	}
	return mapErr(db.write.QueryRowContext(ctx, db.q("call-insert"), c.OrgID, c.Channel, c.CallerNumber, c.StaffID, c.StaffName, c.OpenedBy,
		optInt(c.PolicyVersionID), micro(c.StartedAt), c.Restricted, c.RestrictedReason).Scan(&c.ID))
}

// FindCall implements kasuhara.CallService.
func (db *DB) FindCall(ctx context.Context, id int64) (*kasuhara.Call, error) {
	return scanCall(db.read.QueryRowContext(ctx, db.q("call-by-id"), id))
}

// ListCalls implements kasuhara.CallService: one query per organization,
// since a principal reaches only a handful.
func (db *DB) ListCalls(ctx context.Context, f kasuhara.CallFilter) ([]*kasuhara.Call, error) {
	open, needs := -1, -1
	if f.Open != nil {
		open = 0
		if *f.Open {
			open = 1
		}
	}
	if f.NeedsCase != nil && *f.NeedsCase {
		needs = 1
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	out := []*kasuhara.Call{}
	for _, org := range f.OrgIDs {
		rows, err := db.read.QueryContext(ctx, db.q("call-list"), org, open, needs, f.Limit)
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			c, err := scanCall(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
	}
	if len(f.OrgIDs) > 1 {
		// Newest first across organizations too.
		sortCalls(out)
		if len(out) > f.Limit {
			out = out[:f.Limit]
		}
	}
	return out, nil
}

func sortCalls(cs []*kasuhara.Call) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].ID > cs[j-1].ID; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// SetCallStage implements kasuhara.CallService.
func (db *DB) SetCallStage(ctx context.Context, id int64, stage string) error {
	res, err := db.write.ExecContext(ctx, db.q("call-set-stage"), id, stage)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return nil
}

// EndCall implements kasuhara.CallService.
func (db *DB) EndCall(ctx context.Context, id int64, at time.Time, needsCase bool) error {
	res, err := db.write.ExecContext(ctx, db.q("call-end"), id, micro(at), needsCase)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := db.FindCall(ctx, id); err != nil {
			return err
		}
		return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "calls.error.ended", Message: "the call has already ended"}
	}
	return nil
}

// maxBatch bounds one multi-row insert: 9 parameters a row stays far below
// SQLite's and PostgreSQL's parameter limits.
const maxBatch = 500

// batchSQL caches the multi-row form of utterance-insert per row count.
var batchSQL sync.Map // key: dialect + n

func (db *DB) utteranceBatchSQL(n int) string {
	key := fmt.Sprintf("%s/%d", db.Dialect, n)
	if s, ok := batchSQL.Load(key); ok {
		return s.(string)
	}
	one := db.q("utterance-insert")
	head, rest, _ := strings.Cut(one, "VALUES")
	_, tail, _ := strings.Cut(rest, ")")
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := 1; j <= 9; j++ {
			if j > 1 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", i*9+j)
		}
		b.WriteByte(')')
	}
	b.WriteString(tail)
	s := b.String()
	batchSQL.Store(key, s)
	return s
}

type callSeq struct {
	call int64
	seq  int
}

// InsertUtterances implements kasuhara.CallService in one transaction: the
// group commit of the live-call path stores a few milliseconds' worth of
// utterances of every call at once. On PostgreSQL each 500 rows are one
// multi-row INSERT … ON CONFLICT DO NOTHING RETURNING, one round trip; on
// SQLite, which runs in-process, statements of at most 32 rows prepared
// once and reused (SQLite parses thousands of $N placeholders in quadratic
// time, and preparing per batch cost more than inserting).
func (db *DB) InsertUtterances(ctx context.Context, us []*kasuhara.Utterance) ([]bool, error) {
	stored := make([]bool, len(us))
	if len(us) == 0 {
		return stored, nil
	}
	index := make(map[callSeq]int, len(us))
	for i, u := range us {
		index[callSeq{u.CallID, u.Seq}] = i
	}
	if db.Dialect == SQLite {
		if err := db.insertUtterancesSQLite(ctx, us, index, stored); err != nil {
			return nil, err
		}
		return stored, nil
	}
	err := db.InTx(ctx, func(tx *DB) error {
		for start := 0; start < len(us); start += maxBatch {
			chunk := us[start:min(start+maxBatch, len(us))]
			args := make([]any, 0, 9*len(chunk))
			for _, u := range chunk {
				cats, err := json.Marshal(u.Categories)
				if err != nil {
					return err
				}
				alerts, err := json.Marshal(u.Alerts)
				if err != nil {
					return err
				}
				args = append(args, u.CallID, u.Seq, u.Speaker, u.Text, micro(u.At), u.Verdict, string(cats), string(alerts), u.Flagged())
			}
			rows, err := tx.write.QueryContext(ctx, db.utteranceBatchSQL(len(chunk)), args...)
			if err != nil {
				return mapErr(err)
			}
			for rows.Next() {
				var k callSeq
				if err := rows.Scan(&k.call, &k.seq); err != nil {
					rows.Close()
					return mapErr(err)
				}
				if i, ok := index[k]; ok {
					stored[i] = true
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

func scanUtterance(s scanner) (*kasuhara.Utterance, error) {
	var u kasuhara.Utterance
	var at int64
	var cats, alerts string
	if err := s.Scan(&u.CallID, &u.Seq, &u.Speaker, &u.Text, &at, &u.Verdict, &cats, &alerts); err != nil {
		return nil, mapErr(err)
	}
	u.At = fromMicro(at)
	if err := json.Unmarshal([]byte(cats), &u.Categories); err != nil {
		return nil, mapErr(fmt.Errorf("utterance %d/%d categories: %w", u.CallID, u.Seq, err))
	}
	if err := json.Unmarshal([]byte(alerts), &u.Alerts); err != nil {
		return nil, mapErr(fmt.Errorf("utterance %d/%d alerts: %w", u.CallID, u.Seq, err))
	}
	if u.Categories == nil {
		u.Categories = []kasuhara.UtteranceCategory{}
	}
	if u.Alerts == nil {
		u.Alerts = []kasuhara.CallAlert{}
	}
	return &u, nil
}

// ListUtterances implements kasuhara.CallService.
func (db *DB) ListUtterances(ctx context.Context, callID int64, after int) ([]*kasuhara.Utterance, error) {
	rows, err := db.read.QueryContext(ctx, db.q("utterance-list"), callID, after)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Utterance{}
	for rows.Next() {
		u, err := scanUtterance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}

// ListFlaggedUtterances implements kasuhara.CallService.
func (db *DB) ListFlaggedUtterances(ctx context.Context, callID int64, limit int) ([]*kasuhara.Utterance, error) {
	rows, err := db.read.QueryContext(ctx, db.q("utterance-flagged"), callID, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Utterance{}
	for rows.Next() {
		u, err := scanUtterance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}

// FindUtterance implements kasuhara.CallService.
func (db *DB) FindUtterance(ctx context.Context, callID int64, seq int) (*kasuhara.Utterance, error) {
	return scanUtterance(db.read.QueryRowContext(ctx, db.q("utterance-by-seq"), callID, seq))
}

// sqliteChunk is the most rows one SQLite INSERT takes: enough that a
// group commit of a few dozen utterances is one or two statement runs, few
// enough (288 parameters) that preparing the statement stays cheap.
const sqliteChunk = 32

// sqliteStmts caches the prepared multi-row utterance inserts of each SQLite
// write pool, by row count: the live-call writer inserts every few
// milliseconds, and preparing for each batch cost more than the insert.
var sqliteStmts sync.Map // key: sqliteStmtKey → *sql.Stmt

type sqliteStmtKey struct {
	pool *sql.DB
	rows int
}

func (db *DB) sqliteUtteranceStmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	key := sqliteStmtKey{db.writePool, rows}
	if st, ok := sqliteStmts.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.writePool.PrepareContext(ctx, sqliteBatchSQL(db.utteranceBatchSQL(rows)))
	if err != nil {
		return nil, mapErr(err)
	}
	if prev, loaded := sqliteStmts.LoadOrStore(key, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// sqliteBatchSQL turns the $N placeholders of a batch insert into plain
// "?": the driver asks SQLite for every parameter's name before binding it,
// and a named parameter costs a string per value, 288 per chunk.
func sqliteBatchSQL(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			for i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
				i++
			}
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// insertUtterancesSQLite stores us in one transaction through cached
// prepared statements of up to sqliteChunk rows; RETURNING names the rows
// stored, so a number already taken is reported, not an error.
func (db *DB) insertUtterancesSQLite(ctx context.Context, us []*kasuhara.Utterance, index map[callSeq]int, stored []bool) error {
	// The write pool has one connection, which the transaction holds:
	// statements are prepared before it begins (only a full chunk and the
	// remainder are ever needed). Inside a caller's transaction they are
	// prepared on it and not kept.
	prepared := map[int]*sql.Stmt{}
	if !db.inTx {
		for _, n := range []int{min(len(us), sqliteChunk), len(us) % sqliteChunk} {
			if n == 0 || prepared[n] != nil {
				continue
			}
			st, err := db.sqliteUtteranceStmt(ctx, n)
			if err != nil {
				return err
			}
			prepared[n] = st
		}
	}
	return db.InTx(ctx, func(tx *DB) error {
		sqlTx := tx.write.(*sql.Tx)
		args := make([]any, 0, 9*min(len(us), sqliteChunk))
		for start := 0; start < len(us); start += sqliteChunk {
			chunk := us[start:min(start+sqliteChunk, len(us))]
			var st *sql.Stmt
			if p := prepared[len(chunk)]; p != nil {
				st = sqlTx.StmtContext(ctx, p)
			} else {
				var err error
				if st, err = sqlTx.PrepareContext(ctx, sqliteBatchSQL(db.utteranceBatchSQL(len(chunk)))); err != nil {
					return mapErr(err)
				}
			}
			args = args[:0]
			for _, u := range chunk {
				args = append(args, u.CallID, u.Seq, u.Speaker, u.Text, micro(u.At), u.Verdict,
					jsonArray(u.Categories), jsonArray(u.Alerts), u.Flagged())
			}
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return mapErr(err)
			}
			for rows.Next() {
				var k callSeq
				if err := rows.Scan(&k.call, &k.seq); err != nil {
					rows.Close()
					return mapErr(err)
				}
				if i, ok := index[k]; ok {
					stored[i] = true
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// jsonArray encodes a slice of categories or alerts for storage; most
// utterances have none, and "[]" needs no encoder.
func jsonArray[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Categories and alerts are plain strings and numbers.
		panic(err)
	}
	return string(b)
}
