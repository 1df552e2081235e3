package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.PolicyService = (*DB)(nil)

func scanPolicyVersion(s scanner) (*kasuhara.PolicyVersion, error) {
	var v kasuhara.PolicyVersion
	var by sql.NullInt64
	var eff, at int64
	if err := s.Scan(&v.ID, &v.OrgID, &v.Version, &v.DocID, &v.Title, &v.Kind, &v.Source, &v.Digest,
		&eff, &v.ApprovedBy, &v.Note, &by, &v.PublishedByName, &at); err != nil {
		return nil, mapErr(err)
	}
	v.EffectiveFrom, v.PublishedAt, v.PublishedBy = fromMicro(eff), fromMicro(at), fromOptInt(by)
	return &v, nil
}

// CreatePolicyVersion implements kasuhara.PolicyService. The next number is
// read and used in one transaction; on PostgreSQL two publishers racing for
// the same number meet the UNIQUE constraint and one gets ECONFLICT.
func (db *DB) CreatePolicyVersion(ctx context.Context, v *kasuhara.PolicyVersion) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *DB) error {
		var next int
		if err := tx.write.QueryRowContext(ctx, db.q("policy-next-version"), v.OrgID).Scan(&next); err != nil {
			return mapErr(err)
		}
		at := db.Now()
		err := tx.write.QueryRowContext(ctx, db.q("policy-insert"), v.OrgID, next, v.DocID, v.Title, v.Kind, v.Source, v.Digest,
			micro(v.EffectiveFrom), v.ApprovedBy, v.Note, optInt(v.PublishedBy), v.PublishedByName, micro(at)).Scan(&v.ID)
		if err != nil {
			return mapErr(err)
		}
		v.Version, v.PublishedAt = next, at
		return nil
	})
}

// FindPolicyVersion implements kasuhara.PolicyService.
func (db *DB) FindPolicyVersion(ctx context.Context, id int64) (*kasuhara.PolicyVersion, error) {
	return scanPolicyVersion(db.read.QueryRowContext(ctx, db.q("policy-by-id"), id))
}

// ListPolicyVersions implements kasuhara.PolicyService.
func (db *DB) ListPolicyVersions(ctx context.Context, orgID int64) ([]*kasuhara.PolicyVersion, error) {
	rows, err := db.read.QueryContext(ctx, db.q("policy-list"), orgID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.PolicyVersion{}
	for rows.Next() {
		v, err := scanPolicyVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// PolicyVersionAt implements kasuhara.PolicyService.
func (db *DB) PolicyVersionAt(ctx context.Context, orgID int64, t time.Time) (*kasuhara.PolicyVersion, error) {
	v, err := scanPolicyVersion(db.read.QueryRowContext(ctx, db.q("policy-at"), orgID, micro(t)))
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "policyweb.error.none_in_effect", Message: "no policy version in effect"}
	}
	return v, err
}
