package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// CanNotify reports whether the database delivers notifications between
// servers (PostgreSQL's LISTEN/NOTIFY). SQLite serves one process only, so
// there is nobody else to tell.
func (db *DB) CanNotify() bool { return db.Dialect == Postgres }

// Notify sends payload (at most 8000 bytes) on channel to every server
// listening, through PostgreSQL's pg_notify; it does nothing on SQLite.
// The statement is PostgreSQL-only, hence not a named query.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.Dialect != Postgres {
		return nil
	}
	_, err := db.writePool.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return mapErr(err)
}

// Listen delivers the payloads notified on channel until ctx ends, when the
// returned channel is closed. It holds one dedicated connection (LISTEN
// needs a session, which the database/sql pool cannot lend for long) and
// reconnects after a failure; a reconnection delivers "" so the caller
// knows notifications may have been missed and can reread what it caches.
// On SQLite it returns a channel that only closes.
func (db *DB) Listen(ctx context.Context, channel string) (<-chan string, error) {
	out := make(chan string, 1024)
	if db.Dialect != Postgres {
		go func() { <-ctx.Done(); close(out) }()
		return out, nil
	}
	conn, err := db.listenConn(ctx, channel)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(out)
		backoff := 100 * time.Millisecond
		for {
			for conn == nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				if conn, _ = db.listenConn(ctx, channel); conn != nil {
					backoff = 100 * time.Millisecond
					select {
					case out <- "":
					case <-ctx.Done():
						conn.Close(context.Background())
						return
					}
				} else if backoff < 5*time.Second {
					backoff *= 2
				}
			}
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				conn.Close(context.Background())
				conn = nil
				if ctx.Err() != nil || errors.Is(err, context.Canceled) {
					return
				}
				continue
			}
			select {
			case out <- n.Payload:
			case <-ctx.Done():
				conn.Close(context.Background())
				return
			}
		}
	}()
	return out, nil
}

func (db *DB) listenConn(ctx context.Context, channel string) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, db.url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}
