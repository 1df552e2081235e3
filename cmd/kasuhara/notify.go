package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kasuhara/kasuhara"
)

func init() {
	register(&command{name: "notify smtp", summary: "set an organization's SMTP server for notification emails", run: runNotifySMTP})
	register(&command{name: "notify webhook", summary: "add or change a signed webhook for an organization's notifications", run: runNotifyWebhook})
	register(&command{name: "notify list", summary: "list an organization's notification channels and recent deliveries", run: runNotifyList})
}

// secretFrom reads a secret from the environment variable named by
// envName, so that it never appears in the process list or shell history.
func secretFrom(e *env, envName string) (string, error) {
	if envName == "" {
		return "", nil
	}
	v := e.getenv(envName)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is empty", envName)
	}
	return v, nil
}

func kindsFlag(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func runNotifySMTP(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "notify smtp", "Set the SMTP server through which an organization's notifications are emailed to each recipient. The password is read from the environment variable named by -password-env and is never shown again.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	org := fs.String("org", "", "organization slug (required)")
	name := fs.String("name", "mail", "channel name; setting an existing name changes it")
	host := fs.String("host", "", "SMTP host (required)")
	port := fs.Int("port", 587, "SMTP port")
	from := fs.String("from", "", "sender, e.g. \"カスハラ窓口 <noreply@example.jp>\" (required)")
	user := fs.String("user", "", "user for AUTH PLAIN (needs STARTTLS unless the host is local)")
	pwEnv := fs.String("password-env", "", "environment variable holding the password")
	kinds := fs.String("kinds", "", "comma-separated notification kinds to send (default: all)")
	disabled := fs.Bool("disabled", false, "keep the channel but send nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pw, err := secretFrom(e, *pwEnv)
	if err != nil {
		return err
	}
	return saveChannel(ctx, e, &c, *org, &kasuhara.NotifyChannel{Kind: kasuhara.ChannelSMTP, Name: *name, Host: *host, Port: *port, From: *from,
		User: *user, Secret: pw, Kinds: kindsFlag(*kinds), Enabled: !*disabled})
}

func runNotifyWebhook(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "notify webhook", "Add or change a webhook. Each POST carries X-Kasuhara-Timestamp and X-Kasuhara-Signature: sha256=HEX, the HMAC-SHA256 under the secret of \"TIMESTAMP.BODY\". The secret is read from the environment variable named by -secret-env.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	org := fs.String("org", "", "organization slug (required)")
	name := fs.String("name", "", "channel name (required); an existing name is changed")
	url := fs.String("url", "", "https:// URL to POST to (required)")
	format := fs.String("format", "json", "payload: json, or slack for Slack incoming webhooks ({\"text\": …})")
	secretEnv := fs.String("secret-env", "", "environment variable holding the signing secret")
	kinds := fs.String("kinds", "", "comma-separated notification kinds (default: case_urgent,escalated,restriction,overdue)")
	disabled := fs.Bool("disabled", false, "keep the channel but send nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	secret, err := secretFrom(e, *secretEnv)
	if err != nil {
		return err
	}
	return saveChannel(ctx, e, &c, *org, &kasuhara.NotifyChannel{Kind: kasuhara.ChannelWebhook, Name: *name, URL: *url, Format: *format,
		Secret: secret, Kinds: kindsFlag(*kinds), Enabled: !*disabled})
}

func saveChannel(ctx context.Context, e *env, c *config, slug string, ch *kasuhara.NotifyChannel) error {
	if slug == "" {
		return fmt.Errorf("missing -org")
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.FindOrgBySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("organization %q: %w", slug, cliError(err))
	}
	ch.OrgID = o.ID
	if err := a.SaveNotifyChannel(ctx, nil, ch); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(e.stdout, "Saved %s channel %d %q of %s (secret set: %v).\n", ch.Kind, ch.ID, ch.Name, o.Slug, ch.HasSecret)
	return nil
}

func runNotifyList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "notify list", "List an organization's notification channels (never their secrets) and its latest deliveries with attempts and errors.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	org := fs.String("org", "", "organization slug (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.FindOrgBySlug(ctx, *org)
	if err != nil {
		return fmt.Errorf("organization %q: %w", *org, cliError(err))
	}
	chs, err := db.NotifyChannels(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, ch := range chs {
		where := fmt.Sprintf("%s:%d from %s", ch.Host, ch.Port, ch.From)
		if ch.Kind == kasuhara.ChannelWebhook {
			where = ch.Format + " " + urlWithoutPath(ch.URL)
		}
		fmt.Fprintf(e.stdout, "channel %d %-8s %-12s enabled=%v secret=%v %s\n", ch.ID, ch.Kind, ch.Name, ch.Enabled, ch.HasSecret, where)
	}
	ds, err := db.Deliveries(ctx, o.ID, 0)
	if err != nil {
		return err
	}
	for _, d := range ds {
		state := "pending"
		switch {
		case d.DeliveredAt != nil:
			state = "delivered " + d.DeliveredAt.Format("2006-01-02 15:04:05")
		case d.FailedAt != nil:
			state = "failed"
		}
		fmt.Fprintf(e.stdout, "delivery %d notification %d channel %d attempts=%d %s %s\n", d.ID, d.NotificationID, d.ChannelID, d.Attempts, state, d.LastError)
	}
	return nil
}

// urlWithoutPath shows a webhook's scheme and host only: Slack-style URLs
// carry their token in the path.
func urlWithoutPath(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.IndexByte(s[i+3:], '/'); j >= 0 {
			return s[:i+3+j] + "/…"
		}
	}
	return s
}
