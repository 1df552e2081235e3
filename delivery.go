package kasuhara

import (
	"context"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Kinds of delivery channel an organization configures.
const (
	ChannelSMTP    = "smtp"    // email to each recipient through the organization's SMTP server
	ChannelWebhook = "webhook" // a signed JSON POST per event (Slack-compatible on request)
)

// Webhook payload formats.
const (
	WebhookJSON  = "json"
	WebhookSlack = "slack"
)

// DefaultWebhookKinds are the notification kinds a webhook receives unless
// it names others: what a team channel must see at once.
var DefaultWebhookKinds = []string{"case_urgent", "escalated", "restriction", "overdue"}

// NotificationKinds lists every kind of notification, for validation.
var NotificationKinds = []string{"case_reported", "case_urgent", "assigned", "escalated", "restriction", "overdue", "training_overdue", "followup_overdue"}

// NotifyChannel is where an organization's notifications are delivered:
// its SMTP server, or a webhook. Secret is the SMTP password or the
// webhook's signing key; it is written, never read back to a user
// (HasSecret says whether one is set) and never logged.
type NotifyChannel struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	// SMTP.
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
	From string `json:"from,omitempty"`
	User string `json:"user,omitempty"`
	// Webhook.
	URL    string `json:"url,omitempty"`
	Format string `json:"format,omitempty"`
	// Kinds are the notification kinds sent here; empty means every kind
	// for SMTP and DefaultWebhookKinds for a webhook.
	Kinds     []string  `json:"kinds,omitempty"`
	Secret    string    `json:"-"`
	HasSecret bool      `json:"has_secret"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Wants reports whether notifications of kind go to this channel.
func (c *NotifyChannel) Wants(kind string) bool {
	if len(c.Kinds) > 0 {
		return slices.Contains(c.Kinds, kind)
	}
	if c.Kind == ChannelWebhook {
		return slices.Contains(DefaultWebhookKinds, kind)
	}
	return true
}

// Validate trims and checks the channel; it returns an EINVALID *Error
// naming the field.
func (c *NotifyChannel) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return FieldError("name", "error.field.required")
	}
	if err := validateText("name", c.Name, 100); err != nil {
		return err
	}
	for _, k := range c.Kinds {
		if !slices.Contains(NotificationKinds, k) {
			return FieldError("kinds", "notify.error.kind", k)
		}
	}
	switch c.Kind {
	case ChannelSMTP:
		c.Host, c.From, c.User = strings.TrimSpace(c.Host), strings.TrimSpace(c.From), strings.TrimSpace(c.User)
		if c.Host == "" || strings.ContainsAny(c.Host, " /:\r\n") {
			return FieldError("host", "notify.error.host")
		}
		if c.Port <= 0 || c.Port > 65535 {
			return FieldError("port", "error.field.range", 1, 65535)
		}
		if a, err := mail.ParseAddress(c.From); err != nil || a.Address == "" {
			return FieldError("from", "notify.error.from")
		}
		if strings.ContainsAny(c.User, "\r\n") {
			return FieldError("user", "cases.error.control")
		}
	case ChannelWebhook:
		c.URL = strings.TrimSpace(c.URL)
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return FieldError("url", "notify.error.url")
		}
		if c.Format == "" {
			c.Format = WebhookJSON
		}
		if c.Format != WebhookJSON && c.Format != WebhookSlack {
			return FieldError("format", "notify.error.format")
		}
	default:
		return FieldError("kind", "notify.error.channel_kind")
	}
	return nil
}

// NotifyDelivery is the delivery of one notification through one channel:
// how many attempts were made, the last error, when the next attempt is
// due, and when it was delivered or given up.
type NotifyDelivery struct {
	ID             int64 `json:"id"`
	OrgID          int64 `json:"org_id"`
	NotificationID int64 `json:"notification_id"`
	ChannelID      int64 `json:"channel_id"`
	// EventKey makes one event one delivery per channel: a webhook hears
	// of an urgent case once however many supervisors are notified.
	EventKey    string     `json:"event_key"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	NextAt      *time.Time `json:"next_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	FailedAt    *time.Time `json:"failed_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

// DeliveryService stores channels and deliveries and hands out work to
// senders so that several servers never send one delivery twice.
type DeliveryService interface {
	// SaveNotifyChannel inserts c, or updates the organization's channel of
	// the same name; an empty Secret keeps the stored one.
	SaveNotifyChannel(ctx context.Context, c *NotifyChannel) error
	// NotifyChannels returns the organization's channels without secrets.
	NotifyChannels(ctx context.Context, orgID int64) ([]*NotifyChannel, error)
	// NotifyChannelSecret returns channel id with its secret, for the sender only.
	NotifyChannelSecret(ctx context.Context, id int64) (*NotifyChannel, error)

	// ClaimUnplanned returns up to limit notifications whose deliveries are
	// not yet created, locking them (PostgreSQL) so another server's
	// transaction skips them; call inside Atomic, then MarkPlanned.
	ClaimUnplanned(ctx context.Context, limit int) ([]*Notification, error)
	// MarkPlanned records that notification id's deliveries exist.
	MarkPlanned(ctx context.Context, id int64, at time.Time) error
	// CreateDelivery stores d unless the channel already has its EventKey;
	// it reports whether d was stored.
	CreateDelivery(ctx context.Context, d *NotifyDelivery) (bool, error)
	// ClaimDeliveries atomically takes up to limit deliveries due at now,
	// counts the attempt and moves their next_at to leaseUntil, so nobody
	// else takes them while they are sent.
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*NotifyDelivery, error)
	// FinishDelivery records the outcome of the attempt on d: LastError,
	// NextAt, DeliveredAt, FailedAt; a delivery also marks its notification delivered.
	FinishDelivery(ctx context.Context, d *NotifyDelivery) error
	// Deliveries returns the deliveries of a notification (notificationID > 0)
	// or the latest 200 of an organization.
	Deliveries(ctx context.Context, orgID, notificationID int64) ([]*NotifyDelivery, error)
	// NotificationByID returns notification id.
	NotificationByID(ctx context.Context, id int64) (*Notification, error)
	// ClaimOverdue marks up to limit open cases whose due date passed before
	// now and that were not told so since, and returns them.
	ClaimOverdue(ctx context.Context, now time.Time, limit int) ([]*Case, error)
	// ClaimOverdueFollowUps marks up to limit open desk follow-ups whose due
	// day ended before now as reminded, and returns them; each is returned once.
	ClaimOverdueFollowUps(ctx context.Context, now time.Time, limit int) ([]*FollowUp, error)
}
