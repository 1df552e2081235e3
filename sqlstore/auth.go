package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.AuthService = (*DB)(nil)

// CreateSession implements kasuhara.AuthService.
func (db *DB) CreateSession(ctx context.Context, s *kasuhara.Session) error {
	_, err := db.write.ExecContext(ctx, db.q("session-insert"), s.ID, s.UserID, s.CSRFToken, micro(s.CreatedAt), micro(s.ExpiresAt), micro(s.LastSeen), s.IP, s.UserAgent)
	return mapErr(err)
}

// FindSession implements kasuhara.AuthService.
func (db *DB) FindSession(ctx context.Context, id string, now time.Time) (*kasuhara.Session, error) {
	var s kasuhara.Session
	var created, expires, seen int64
	err := db.read.QueryRowContext(ctx, db.q("session-by-id"), id, micro(now)).Scan(&s.ID, &s.UserID, &s.CSRFToken, &created, &expires, &seen, &s.IP, &s.UserAgent)
	if err != nil {
		return nil, mapErr(err)
	}
	s.CreatedAt, s.ExpiresAt, s.LastSeen = fromMicro(created), fromMicro(expires), fromMicro(seen)
	return &s, nil
}

// TouchSession implements kasuhara.AuthService.
func (db *DB) TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q("session-touch"), id, micro(lastSeen), micro(expiresAt))
	return mapErr(err)
}

// DeleteSession implements kasuhara.AuthService.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, db.q("session-delete"), id)
	return mapErr(err)
}

// DeleteUserSessions implements kasuhara.AuthService.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	res, err := db.write.ExecContext(ctx, db.q("session-delete-user"), userID)
	if err != nil {
		return 0, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func scanToken(s scanner) (*kasuhara.APIToken, error) {
	var t kasuhara.APIToken
	var created int64
	var used, expires, revoked sql.NullInt64
	if err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Hash, &created, &used, &expires, &revoked); err != nil {
		return nil, mapErr(err)
	}
	t.CreatedAt = fromMicro(created)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = fromOptMicro(used), fromOptMicro(expires), fromOptMicro(revoked)
	return &t, nil
}

// CreateAPIToken implements kasuhara.AuthService.
func (db *DB) CreateAPIToken(ctx context.Context, t *kasuhara.APIToken) error {
	t.CreatedAt = db.Now()
	return mapErr(db.write.QueryRowContext(ctx, db.q("token-insert"), t.UserID, t.Name, t.Prefix, t.Hash, micro(t.CreatedAt), optMicro(t.ExpiresAt)).Scan(&t.ID))
}

// FindAPIToken implements kasuhara.AuthService.
func (db *DB) FindAPIToken(ctx context.Context, hash string, now time.Time) (*kasuhara.APIToken, error) {
	return scanToken(db.read.QueryRowContext(ctx, db.q("token-by-hash"), hash, micro(now)))
}

// ListAPITokens implements kasuhara.AuthService.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]*kasuhara.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, db.q("token-list"), userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*kasuhara.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// RevokeAPIToken implements kasuhara.AuthService.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id int64, now time.Time) error {
	res, err := db.write.ExecContext(ctx, db.q("token-revoke"), userID, id, micro(now))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "token %d not found", id)
	}
	return nil
}

// TouchAPIToken implements kasuhara.AuthService.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, now time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q("token-touch"), id, micro(now))
	return mapErr(err)
}

// RecordLoginFailure implements kasuhara.AuthService.
func (db *DB) RecordLoginFailure(ctx context.Context, key string, now time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q("login-failure-insert"), key, micro(now))
	return mapErr(err)
}

// LoginFailures implements kasuhara.AuthService.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.q("login-failure-count"), key, micro(since)).Scan(&n)
	return n, mapErr(err)
}

// ClearLoginFailures implements kasuhara.AuthService.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := db.write.ExecContext(ctx, db.q("login-failure-clear"), key)
	return mapErr(err)
}

// Expire deletes sessions and login failures older than their use; the
// server calls it periodically.
func (db *DB) Expire(ctx context.Context, now time.Time, failureWindow time.Duration) error {
	if _, err := db.write.ExecContext(ctx, db.q("session-delete-expired"), micro(now)); err != nil {
		return mapErr(err)
	}
	_, err := db.write.ExecContext(ctx, db.q("login-failure-expire"), micro(now.Add(-failureWindow)))
	return mapErr(err)
}
