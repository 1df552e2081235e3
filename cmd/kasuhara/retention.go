package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kasuhara/kasuhara/app"
)

func init() {
	register(&command{name: "retention run", summary: "delete or anonymize records past the retention periods of each organization's policy", run: runRetention})
	register(&command{name: "privacy export", summary: "export one staff member's or customer's data as JSON for a disclosure request", run: runPrivacyExport})
}

// runRetention is what the server's daily job does, on demand. Each
// organization's policy in effect gives the periods; cases under legal hold
// are kept; every removal is written to the audit trail with its IDs.
func runRetention(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "retention run", "Delete or anonymize records past the retention periods (records.retention) of each organization's policy in effect: attachments by kind (recordings, video, email, other files), call transcripts, closed consultations and closed cases. Cases under legal hold are kept. Each removal is logged in the audit trail with counts and IDs.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	dry := fs.Bool("dry-run", false, "only list what would be removed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := a.RunRetention(ctx, nil, *dry)
	if err != nil {
		return err
	}
	verb := "removed"
	if *dry {
		verb = "would remove"
	}
	for _, r := range res {
		n := r.Removed
		if *dry {
			n = len(r.IDs)
		}
		fmt.Fprintf(e.stdout, "%-14s %-16s older than %4d days (before %s): %s %d %v\n", r.Org, r.Kind, r.Days, r.Cutoff.In(app.JST).Format("2006-01-02"), verb, n, r.IDs)
	}
	if len(res) == 0 {
		fmt.Fprintln(e.stdout, "no organization's policy sets a retention period")
	}
	return nil
}

// runPrivacyExport writes one person's data as JSON to standard output.
// The export is written to the audit trail as done by the system.
func runPrivacyExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "privacy export", "Export everything kasuhara holds about one staff member (-email) or one customer (-customer) as JSON, for a disclosure request under the personal-information law. The export is recorded in the audit trail.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	email := fs.String("email", "", "the staff member's email")
	customer := fs.Int64("customer", 0, "the customer's ID")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := a.PrivacyExport(ctx, nil, app.PrivacyRequest{Email: *email, CustomerID: *customer})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
