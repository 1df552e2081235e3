package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
)

// Deliverer delivers the notifications the use cases record, by email
// through each organization's SMTP server and by signed webhooks. It works
// from the database: any number of servers may run one, and each delivery
// is claimed by one of them (see kasuhara.DeliveryService). A failed
// attempt is retried after BaseBackoff, doubled each time up to
// MaxBackoff, until MaxAttempts; every attempt is recorded.
type Deliverer struct {
	App *App
	// BaseURL is the server's public address, for links in messages.
	BaseURL     string
	Interval    time.Duration
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	MaxAttempts int
	// Lease is how long a claimed delivery stays with its sender.
	Lease  time.Duration
	Client *http.Client
}

// NewDeliverer returns a Deliverer with the default timings.
func NewDeliverer(a *App, baseURL string) *Deliverer {
	return &Deliverer{App: a, BaseURL: strings.TrimRight(baseURL, "/"), Interval: 5 * time.Second, BaseBackoff: 30 * time.Second,
		MaxBackoff: time.Hour, MaxAttempts: 10, Lease: 2 * time.Minute, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Run delivers until ctx ends.
func (n *Deliverer) Run(ctx context.Context) {
	t := time.NewTicker(n.Interval)
	defer t.Stop()
	for {
		if _, err := n.Tick(ctx); err != nil && ctx.Err() == nil {
			n.App.Log.Error("deliverer", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick runs one round: notices for cases that became overdue, deliveries
// for new notifications, then every delivery due. It returns how many
// deliveries succeeded.
func (n *Deliverer) Tick(ctx context.Context) (int, error) {
	if err := n.sweepOverdue(ctx); err != nil {
		return 0, err
	}
	if err := n.remindTraining(ctx); err != nil {
		return 0, err
	}
	if err := n.remindFollowUps(ctx); err != nil {
		return 0, err
	}
	if err := n.plan(ctx); err != nil {
		return 0, err
	}
	return n.send(ctx)
}

// sweepOverdue records an "overdue" notification for the assignee (else
// the supervisors) of each case whose due date passed; the case is marked
// in the same transaction so no server tells twice.
func (n *Deliverer) sweepOverdue(ctx context.Context) error {
	return n.App.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		cases, err := tx.ClaimOverdue(ctx, n.App.Now(), 100)
		if err != nil {
			return err
		}
		for _, c := range cases {
			var to []int64
			if c.AssigneeID != nil {
				to = []int64{*c.AssigneeID}
			} else {
				users, _, err := tx.ListUsers(ctx, kasuhara.UserFilter{OrgID: c.OrgID, Role: kasuhara.RoleSupervisor, Limit: 500})
				if err != nil {
					return err
				}
				for _, u := range users {
					if !u.Disabled && (c.DepartmentID == nil || u.DepartmentID == nil || *u.DepartmentID == *c.DepartmentID) {
						to = append(to, u.ID)
					}
				}
			}
			for _, uid := range to {
				if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: c.OrgID, Kind: "overdue", CaseID: &c.ID, RecipientID: uid, Urgent: c.Urgent}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// remindTraining reminds everyone whose training is overdue, in every
// organization, once per task (the task is marked in the same transaction).
func (n *Deliverer) remindTraining(ctx context.Context) error {
	orgs, err := n.App.Store.ListOrgs(ctx)
	if err != nil {
		return err
	}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	_, err = n.App.RemindOverdueTraining(ctx, nil, ids)
	return err
}

// remindFollowUps tells the desk member who set a follow-up (an interview,
// a referral) that its due day passed; the notice names no consultant.
func (n *Deliverer) remindFollowUps(ctx context.Context) error {
	return n.App.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		fs, err := tx.ClaimOverdueFollowUps(ctx, n.App.Now(), 100)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: f.OrgID, Kind: "followup_overdue", RecipientID: f.CreatedBy}); err != nil {
				return err
			}
		}
		return nil
	})
}

// eventKey makes one event one delivery per channel: email goes to each
// recipient; a webhook hears of an urgent or overdue case once however
// many people are notified, and of each escalation and restriction.
func eventKey(ch *kasuhara.NotifyChannel, nt *kasuhara.Notification) string {
	if ch.Kind == kasuhara.ChannelSMTP || nt.CaseID == nil {
		return "n:" + strconv.FormatInt(nt.ID, 10)
	}
	switch nt.Kind {
	case "case_urgent", "case_reported", "overdue":
		return nt.Kind + ":case:" + strconv.FormatInt(*nt.CaseID, 10) + ":" + strconv.FormatInt(nt.CreatedAt.Unix()/60, 10)
	}
	return "n:" + strconv.FormatInt(nt.ID, 10)
}

// plan creates the deliveries of new notifications, in one transaction
// that locks them (PostgreSQL) so two servers plan different ones.
func (n *Deliverer) plan(ctx context.Context) error {
	return n.App.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		nts, err := tx.ClaimUnplanned(ctx, 200)
		if err != nil {
			return err
		}
		channels := map[int64][]*kasuhara.NotifyChannel{}
		for _, nt := range nts {
			chs, ok := channels[nt.OrgID]
			if !ok {
				if chs, err = tx.NotifyChannels(ctx, nt.OrgID); err != nil {
					return err
				}
				channels[nt.OrgID] = chs
			}
			for _, ch := range chs {
				if !ch.Enabled || !ch.Wants(nt.Kind) {
					continue
				}
				now := n.App.Now()
				if _, err := tx.CreateDelivery(ctx, &kasuhara.NotifyDelivery{OrgID: nt.OrgID, NotificationID: nt.ID, ChannelID: ch.ID,
					EventKey: eventKey(ch, nt), NextAt: &now}); err != nil {
					return err
				}
			}
			if err := tx.MarkPlanned(ctx, nt.ID, n.App.Now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// send attempts every due delivery once.
func (n *Deliverer) send(ctx context.Context) (int, error) {
	now := n.App.Now()
	ds, err := n.App.Store.ClaimDeliveries(ctx, now, now.Add(n.Lease), 50)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range ds {
		err := n.deliver(ctx, d)
		done := n.App.Now()
		d.NextAt = nil
		if err == nil {
			d.DeliveredAt, d.LastError = &done, ""
			sent++
		} else {
			// Errors name the server and the status, never a secret.
			d.LastError = truncate(err.Error(), 500)
			if d.Attempts >= n.MaxAttempts {
				d.FailedAt = &done
			} else {
				next := done.Add(n.backoff(d.Attempts))
				d.NextAt = &next
			}
			n.App.Log.Warn("notification delivery failed", "delivery", d.ID, "attempt", d.Attempts, "err", d.LastError)
		}
		if err := n.App.Store.FinishDelivery(ctx, d); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// backoff is the wait after attempt number attempts failed.
func (n *Deliverer) backoff(attempts int) time.Duration {
	d := n.BaseBackoff
	for i := 1; i < attempts && d < n.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, n.MaxBackoff)
}

// message is what a notification says, in the recipient's language. It
// names the case and links to it; the narrative and the customer stay in
// the system, behind its access rules.
type message struct {
	Subject, Text, Link string
}

func (n *Deliverer) compose(ctx context.Context, nt *kasuhara.Notification, lang string) message {
	T := func(k string, args ...any) string { return i18n.T(lang, k, args...) }
	m := message{Subject: T("notify.kind." + nt.Kind)}
	if nt.CaseID != nil {
		m.Link = n.BaseURL + "/cases/" + strconv.FormatInt(*nt.CaseID, 10)
		m.Subject = T("notify.subject", T("notify.kind."+nt.Kind), *nt.CaseID)
	}
	if nt.Urgent {
		m.Subject = T("notify.urgent") + " " + m.Subject
	}
	m.Text = m.Subject
	if m.Link != "" {
		m.Text += "\n" + m.Link
	}
	return m
}

func (n *Deliverer) deliver(ctx context.Context, d *kasuhara.NotifyDelivery) error {
	ch, err := n.App.Store.NotifyChannelSecret(ctx, d.ChannelID)
	if err != nil {
		return err
	}
	nt, err := n.App.Store.NotificationByID(ctx, d.NotificationID)
	if err != nil {
		return err
	}
	switch ch.Kind {
	case kasuhara.ChannelSMTP:
		u, err := n.App.Store.FindUserByID(ctx, nt.RecipientID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errors.New("recipient disabled")
		}
		lang := u.Lang
		if lang == "" {
			lang = "ja"
		}
		return sendMail(ctx, ch, u.Email, n.compose(ctx, nt, lang))
	case kasuhara.ChannelWebhook:
		return n.postWebhook(ctx, ch, nt, n.compose(ctx, nt, "ja"))
	}
	return fmt.Errorf("channel %d: unknown kind %q", ch.ID, ch.Kind)
}

// sendMail sends m to addr through the channel's SMTP server, with
// STARTTLS when the server offers it and AUTH PLAIN when a user is set
// (Go's smtp refuses to send the password unencrypted except to localhost).
func sendMail(ctx context.Context, ch *kasuhara.NotifyChannel, to string, m message) error {
	addr := net.JoinHostPort(ch.Host, strconv.Itoa(ch.Port))
	dialer := net.Dialer{Timeout: 10 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClient(conn, ch.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("smtp %s starttls: %w", addr, err)
		}
	}
	if ch.User != "" {
		if err := c.Auth(smtp.PlainAuth("", ch.User, ch.Secret, ch.Host)); err != nil {
			return fmt.Errorf("smtp %s auth as %s: %w", addr, ch.User, err)
		}
	}
	from := ch.From
	if a, err := mailAddress(from); err == nil {
		from = a
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp %s MAIL: %w", addr, err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp %s RCPT: %w", addr, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s DATA: %w", addr, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		ch.From, to, mime.BEncoding.Encode("UTF-8", m.Subject), time.Now().Format(time.RFC1123Z))
	b.WriteString(strings.ReplaceAll(m.Text, "\n", "\r\n") + "\r\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("smtp %s DATA: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s DATA: %w", addr, err)
	}
	return c.Quit()
}

func mailAddress(s string) (string, error) {
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		return s[i+1 : len(s)-1], nil
	}
	return s, nil
}

// Webhook headers: the signature is the hex HMAC-SHA256, under the
// channel's secret, of "TIMESTAMP.BODY", so a receiver can refuse replays
// of old bodies.
const (
	WebhookSignatureHeader = "X-Kasuhara-Signature"
	WebhookTimestampHeader = "X-Kasuhara-Timestamp"
)

// SignWebhook returns the signature header value of body sent at ts.
func SignWebhook(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// webhookPayload is the JSON body of the plain format.
type webhookPayload struct {
	Event    string    `json:"event"`
	ID       int64     `json:"notification_id"`
	OrgID    int64     `json:"org_id"`
	CaseID   *int64    `json:"case_id,omitempty"`
	Urgent   bool      `json:"urgent"`
	Text     string    `json:"text"`
	URL      string    `json:"url,omitempty"`
	Occurred time.Time `json:"created_at"`
}

func (n *Deliverer) postWebhook(ctx context.Context, ch *kasuhara.NotifyChannel, nt *kasuhara.Notification, m message) error {
	var body []byte
	if ch.Format == kasuhara.WebhookSlack {
		text := m.Subject
		if m.Link != "" {
			text += " <" + m.Link + ">"
		}
		body, _ = json.Marshal(map[string]any{"text": text})
	} else {
		body, _ = json.Marshal(webhookPayload{Event: nt.Kind, ID: nt.ID, OrgID: nt.OrgID, CaseID: nt.CaseID, Urgent: nt.Urgent, Text: m.Subject,
			URL: m.Link, Occurred: nt.CreatedAt})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", ch.Name, err)
	}
	ts := n.App.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kasuhara-webhook")
	req.Header.Set(WebhookTimestampHeader, strconv.FormatInt(ts, 10))
	if ch.Secret != "" {
		req.Header.Set(WebhookSignatureHeader, SignWebhook(ch.Secret, ts, body))
	}
	res, err := n.Client.Do(req)
	if err != nil {
		// The URL may carry a token (Slack's do): name the channel, not the URL.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return fmt.Errorf("webhook %s: %v", ch.Name, err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: HTTP %d", ch.Name, res.StatusCode)
	}
	return nil
}

// SaveNotifyChannel creates or updates (by name) a delivery channel of
// ch.OrgID (notify.manage; a nil p is the CLI). An empty Secret keeps the
// stored one. The audit entry records the settings, never the secret.
func (a *App) SaveNotifyChannel(ctx context.Context, p *kasuhara.Principal, ch *kasuhara.NotifyChannel) error {
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActNotifyManage, ch.OrgID); err != nil {
			return a.denied(ctx, p, kasuhara.ActNotifyManage, target("org", ch.OrgID), err)
		}
	}
	if err := ch.Validate(); err != nil {
		return err
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.SaveNotifyChannel(ctx, ch); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &ch.OrgID, "notify.channel", target("notify_channel", ch.ID), "ok", map[string]any{
			"kind": ch.Kind, "name": ch.Name, "host": ch.Host, "port": ch.Port, "user": ch.User, "url_host": urlHost(ch.URL),
			"format": ch.Format, "kinds": ch.Kinds, "enabled": ch.Enabled, "secret_set": ch.Secret != ""})
	})
}

// urlHost is the host of a webhook URL: enough to tell hooks apart in the
// audit trail without the path, which often carries a token.
func urlHost(s string) string {
	if u, err := neturl.Parse(s); err == nil {
		return u.Host
	}
	return ""
}

// NotifyChannels lists orgID's channels without secrets (notify.manage).
func (a *App) NotifyChannels(ctx context.Context, p *kasuhara.Principal, orgID int64) ([]*kasuhara.NotifyChannel, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActNotifyManage, orgID); err != nil {
		return nil, err
	}
	return a.Store.NotifyChannels(ctx, orgID)
}

// Deliveries lists orgID's latest deliveries with attempts and errors (notify.manage).
func (a *App) Deliveries(ctx context.Context, p *kasuhara.Principal, orgID int64) ([]*kasuhara.NotifyDelivery, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActNotifyManage, orgID); err != nil {
		return nil, err
	}
	return a.Store.Deliveries(ctx, orgID, 0)
}
