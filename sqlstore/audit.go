package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.AuditService = (*DB)(nil)

// AppendAudit implements kasuhara.AuditService.
func (db *DB) AppendAudit(ctx context.Context, e *kasuhara.AuditEntry) error {
	return db.InTx(ctx, func(t *DB) error {
		return t.appendAudit(ctx, e)
	})
}

// appendAudit chains e inside the transaction db is bound to.
func (db *DB) appendAudit(ctx context.Context, e *kasuhara.AuditEntry) error {
	tx := db.write
	if _, err := tx.ExecContext(ctx, db.q("audit-lock")); err != nil {
		return mapErr(err)
	}
	var seq int64
	prev := kasuhara.GenesisHash
	if err := tx.QueryRowContext(ctx, db.q("audit-head")).Scan(&seq, &prev); err != nil {
		return mapErr(err)
	}
	if e.At.IsZero() {
		e.At = db.Now()
	}
	// The hash covers the time at microsecond precision, as stored.
	e.At = fromMicro(micro(e.At))
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	if len(e.Detail) == 0 {
		e.Detail = []byte("{}")
	}
	e.Seq, e.PrevHash = seq+1, prev
	e.Hash = e.ComputeHash()
	if _, err := tx.ExecContext(ctx, db.q("audit-insert"), e.Seq, micro(e.At), optInt(e.OrgID), optInt(e.ActorID), e.Actor, e.Action, e.Target, e.IP, e.Outcome, string(e.Detail), e.PrevHash, e.Hash); err != nil {
		return mapErr(err)
	}
	_, err := tx.ExecContext(ctx, db.q("audit-head-set"), e.Seq, e.Hash)
	return mapErr(err)
}

func scanAudit(s scanner) (*kasuhara.AuditEntry, error) {
	var e kasuhara.AuditEntry
	var at int64
	var org, actor sql.NullInt64
	var detail string
	if err := s.Scan(&e.Seq, &at, &org, &actor, &e.Actor, &e.Action, &e.Target, &e.IP, &e.Outcome, &detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, mapErr(err)
	}
	e.At, e.OrgID, e.ActorID, e.Detail = fromMicro(at), fromOptInt(org), fromOptInt(actor), []byte(detail)
	return &e, nil
}

// ListAudit implements kasuhara.AuditService.
func (db *DB) ListAudit(ctx context.Context, f kasuhara.AuditFilter) ([]*kasuhara.AuditEntry, error) {
	var where []string
	var args []any
	if len(f.OrgIDs) > 0 {
		ph := make([]string, len(f.OrgIDs))
		for i, id := range f.OrgIDs {
			args = append(args, id)
			ph[i] = "$" + itoa(len(args))
		}
		where = append(where, "org_id IN ("+strings.Join(ph, ",")+")")
	}
	if f.Action != "" {
		args = append(args, escapeLike(f.Action)+"%")
		where = append(where, "action LIKE $"+itoa(len(args))+" ESCAPE '\\'")
	}
	if f.ActorID != nil {
		args = append(args, *f.ActorID)
		where = append(where, "actor_id = $"+itoa(len(args)))
	}
	if len(f.Targets) > 0 {
		ph := make([]string, len(f.Targets))
		for i, t := range f.Targets {
			args = append(args, t)
			ph[i] = "$" + itoa(len(args))
		}
		where = append(where, "target IN ("+strings.Join(ph, ",")+")")
	}
	if f.BeforeSeq > 0 {
		args = append(args, f.BeforeSeq)
		where = append(where, "seq < $"+itoa(len(args)))
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	args = append(args, limit)
	q := "SELECT seq, at, org_id, actor_id, actor, action, target, ip, outcome, detail, prev_hash, hash FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT $" + itoa(len(args))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*kasuhara.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// VerifyAudit implements kasuhara.AuditService. It walks the chain in pages
// and reports the first entry whose hash does not match its content, whose
// PrevHash does not match its predecessor, or whose Seq leaves a gap (a
// deleted row).
func (db *DB) VerifyAudit(ctx context.Context) (int64, *kasuhara.AuditBreak, error) {
	var checked, last int64
	prev := kasuhara.GenesisHash
	for {
		rows, err := db.read.QueryContext(ctx, db.q("audit-walk"), last, 1000)
		if err != nil {
			return checked, nil, mapErr(err)
		}
		n := 0
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return checked, nil, err
			}
			n++
			switch {
			case e.Seq != last+1:
				rows.Close()
				return checked, &kasuhara.AuditBreak{Seq: last + 1, Reason: fmt.Sprintf("entry %d is missing (next present is %d)", last+1, e.Seq)}, nil
			case e.PrevHash != prev:
				rows.Close()
				return checked, &kasuhara.AuditBreak{Seq: e.Seq, Reason: "previous-hash link does not match the entry before it"}, nil
			case e.ComputeHash() != e.Hash:
				rows.Close()
				return checked, &kasuhara.AuditBreak{Seq: e.Seq, Reason: "content does not match its hash (altered)"}, nil
			}
			prev, last = e.Hash, e.Seq
			checked++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return checked, nil, mapErr(err)
		}
		if n == 0 {
			var headSeq int64
			var headHash string
			if err := db.read.QueryRowContext(ctx, db.q("audit-head")).Scan(&headSeq, &headHash); err != nil {
				return checked, nil, mapErr(err)
			}
			if headSeq != last || headHash != prev {
				return checked, &kasuhara.AuditBreak{Seq: last + 1, Reason: fmt.Sprintf("the chain ends at entry %d but its head records entry %d (entries deleted at the end)", last, headSeq)}, nil
			}
			return checked, nil, nil
		}
	}
}
