package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.DeliveryService = (*DB)(nil)

// channelConfig is what notify_channels.config holds: every setting but the secret.
type channelConfig struct {
	Host   string   `json:"host,omitempty"`
	Port   int      `json:"port,omitempty"`
	From   string   `json:"from,omitempty"`
	User   string   `json:"user,omitempty"`
	URL    string   `json:"url,omitempty"`
	Format string   `json:"format,omitempty"`
	Kinds  []string `json:"kinds,omitempty"`
}

// SaveNotifyChannel implements kasuhara.DeliveryService.
func (db *DB) SaveNotifyChannel(ctx context.Context, c *kasuhara.NotifyChannel) error {
	if err := c.Validate(); err != nil {
		return err
	}
	cfg, _ := json.Marshal(channelConfig{c.Host, c.Port, c.From, c.User, c.URL, c.Format, c.Kinds})
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		var created int64
		err := tx.write.QueryRowContext(ctx, db.q("notify-channel-update"), c.OrgID, c.Name, c.Kind, string(cfg), c.Secret, c.Enabled,
			micro(now)).Scan(&c.ID, &created, &c.HasSecret)
		if err == nil {
			c.CreatedAt, c.UpdatedAt = fromMicro(created), now
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		if err := tx.write.QueryRowContext(ctx, db.q("notify-channel-insert"), c.OrgID, c.Kind, c.Name, string(cfg), c.Secret, c.Enabled,
			micro(now)).Scan(&c.ID); err != nil {
			return mapErr(err)
		}
		c.CreatedAt, c.UpdatedAt, c.HasSecret = now, now, c.Secret != ""
		return nil
	})
}

func scanChannel(s scanner, withSecret bool) (*kasuhara.NotifyChannel, error) {
	var c kasuhara.NotifyChannel
	var cfg, secret string
	var hasSecret bool
	var created, updated int64
	dest := []any{&c.ID, &c.OrgID, &c.Kind, &c.Name, &cfg, &hasSecret, &c.Enabled, &created, &updated}
	if withSecret {
		dest[5] = &secret
	}
	if err := s.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	var x channelConfig
	if err := json.Unmarshal([]byte(cfg), &x); err != nil {
		return nil, mapErr(fmt.Errorf("notify channel %d config: %w", c.ID, err))
	}
	c.Host, c.Port, c.From, c.User, c.URL, c.Format, c.Kinds = x.Host, x.Port, x.From, x.User, x.URL, x.Format, x.Kinds
	c.CreatedAt, c.UpdatedAt = fromMicro(created), fromMicro(updated)
	c.Secret, c.HasSecret = secret, hasSecret || secret != ""
	return &c, nil
}

// NotifyChannels implements kasuhara.DeliveryService.
func (db *DB) NotifyChannels(ctx context.Context, orgID int64) ([]*kasuhara.NotifyChannel, error) {
	rows, err := db.read.QueryContext(ctx, db.q("notify-channels"), orgID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.NotifyChannel{}
	for rows.Next() {
		c, err := scanChannel(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// NotifyChannelSecret implements kasuhara.DeliveryService.
func (db *DB) NotifyChannelSecret(ctx context.Context, id int64) (*kasuhara.NotifyChannel, error) {
	return scanChannel(db.read.QueryRowContext(ctx, db.q("notify-channel-secret"), id), true)
}

func scanNotification(s scanner) (*kasuhara.Notification, error) {
	var n kasuhara.Notification
	var cs, delivered sql.NullInt64
	var created int64
	if err := s.Scan(&n.ID, &n.OrgID, &n.Kind, &cs, &n.RecipientID, &n.Urgent, &created, &delivered); err != nil {
		return nil, mapErr(err)
	}
	n.CaseID, n.CreatedAt, n.DeliveredAt = fromOptInt(cs), fromMicro(created), fromOptMicro(delivered)
	return &n, nil
}

// ClaimUnplanned implements kasuhara.DeliveryService. It reads through the
// write connection: inside a transaction that is the transaction, whose
// row locks (PostgreSQL) keep another server off these notifications.
func (db *DB) ClaimUnplanned(ctx context.Context, limit int) ([]*kasuhara.Notification, error) {
	rows, err := db.write.QueryContext(ctx, db.q("notifications-unplanned"), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, mapErr(rows.Err())
}

// MarkPlanned implements kasuhara.DeliveryService.
func (db *DB) MarkPlanned(ctx context.Context, id int64, at time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q("notification-planned"), id, micro(at))
	return mapErr(err)
}

// NotificationByID implements kasuhara.DeliveryService.
func (db *DB) NotificationByID(ctx context.Context, id int64) (*kasuhara.Notification, error) {
	return scanNotification(db.read.QueryRowContext(ctx, db.q("notification-by-id"), id))
}

// CreateDelivery implements kasuhara.DeliveryService.
func (db *DB) CreateDelivery(ctx context.Context, d *kasuhara.NotifyDelivery) (bool, error) {
	now := db.Now()
	if d.NextAt != nil {
		now = *d.NextAt // the caller's clock decides when it is first due
	}
	err := db.write.QueryRowContext(ctx, db.q("delivery-insert"), d.OrgID, d.NotificationID, d.ChannelID, d.EventKey, micro(now)).Scan(&d.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err)
	}
	d.CreatedAt, d.NextAt = now, &now
	return true, nil
}

func scanDelivery(s scanner) (*kasuhara.NotifyDelivery, error) {
	var d kasuhara.NotifyDelivery
	var next, delivered, failed sql.NullInt64
	var created int64
	if err := s.Scan(&d.ID, &d.OrgID, &d.NotificationID, &d.ChannelID, &d.EventKey, &d.Attempts, &d.LastError, &next, &delivered, &failed,
		&created); err != nil {
		return nil, mapErr(err)
	}
	d.NextAt, d.DeliveredAt, d.FailedAt, d.CreatedAt = fromOptMicro(next), fromOptMicro(delivered), fromOptMicro(failed), fromMicro(created)
	return &d, nil
}

func (db *DB) deliveries(rows *sql.Rows, err error) ([]*kasuhara.NotifyDelivery, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.NotifyDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err())
}

// ClaimDeliveries implements kasuhara.DeliveryService: one UPDATE … RETURNING,
// whose subquery skips rows locked by another server on PostgreSQL; on
// SQLite the single writer makes the statement the only one running.
func (db *DB) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*kasuhara.NotifyDelivery, error) {
	return db.deliveries(db.write.QueryContext(ctx, db.q("deliveries-claim"), micro(now), micro(leaseUntil), limit))
}

// FinishDelivery implements kasuhara.DeliveryService.
func (db *DB) FinishDelivery(ctx context.Context, d *kasuhara.NotifyDelivery) error {
	return db.InTx(ctx, func(tx *DB) error {
		if _, err := tx.write.ExecContext(ctx, db.q("delivery-finish"), d.ID, d.LastError, optMicro(d.NextAt), optMicro(d.DeliveredAt),
			optMicro(d.FailedAt)); err != nil {
			return mapErr(err)
		}
		if d.DeliveredAt != nil {
			if _, err := tx.write.ExecContext(ctx, db.q("notification-delivered"), d.NotificationID, micro(*d.DeliveredAt)); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// Deliveries implements kasuhara.DeliveryService.
func (db *DB) Deliveries(ctx context.Context, orgID, notificationID int64) ([]*kasuhara.NotifyDelivery, error) {
	if notificationID > 0 {
		return db.deliveries(db.read.QueryContext(ctx, db.q("deliveries-of-notification"), notificationID))
	}
	return db.deliveries(db.read.QueryContext(ctx, db.q("deliveries-of-org"), orgID))
}

// ClaimOverdueFollowUps implements kasuhara.DeliveryService. A follow-up is
// overdue once its whole due day (midnight JST to midnight) has passed.
func (db *DB) ClaimOverdueFollowUps(ctx context.Context, now time.Time, limit int) ([]*kasuhara.FollowUp, error) {
	rows, err := db.write.QueryContext(ctx, db.q("followups-claim-overdue"), micro(now), micro(now.Add(-24*time.Hour)), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*kasuhara.FollowUp
	for rows.Next() {
		var f kasuhara.FollowUp
		var due int64
		if err := rows.Scan(&f.ID, &f.OrgID, &f.ConsultationID, &f.Kind, &due, &f.CreatedBy); err != nil {
			return nil, mapErr(err)
		}
		f.DueOn = fromMicro(due)
		out = append(out, &f)
	}
	return out, mapErr(rows.Err())
}

// ClaimOverdue implements kasuhara.DeliveryService.
func (db *DB) ClaimOverdue(ctx context.Context, now time.Time, limit int) ([]*kasuhara.Case, error) {
	var ids []int64
	err := db.InTx(ctx, func(tx *DB) error {
		rows, err := tx.write.QueryContext(ctx, db.q("cases-claim-overdue"), micro(now), limit)
		if err != nil {
			return mapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return mapErr(err)
			}
			ids = append(ids, id)
		}
		return mapErr(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	out := make([]*kasuhara.Case, 0, len(ids))
	for _, id := range ids {
		c, err := scanCase(db.read.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases WHERE id = $1", id))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
