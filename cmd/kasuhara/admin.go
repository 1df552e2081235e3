package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/i18n"
	"github.com/kasuhara/kasuhara/sqlstore"
)

func init() {
	register(&command{name: "migrate", summary: "apply database migrations", run: runMigrate})
	register(&command{name: "user create", summary: "create a user", run: runUserCreate})
	register(&command{name: "user password", summary: "set a new password for a user (a lost administrator password)", run: runUserPassword})
	register(&command{name: "token create", summary: "create an API token for a user", run: runTokenCreate})
	register(&command{name: "audit verify", summary: "verify the audit trail's hash chain", run: runAuditVerify})
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate", "Apply the migrations this version needs, in order. Migrations are forward-only; running it twice is harmless.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(done) == 0 {
		fmt.Fprintln(e.stdout, "Database is up to date.")
	}
	for _, m := range done {
		fmt.Fprintln(e.stdout, "applied", m)
	}
	return nil
}

func runUserCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user create", "Create a user. The password is read from $KASUHARA_PASSWORD, or generated and printed once.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name (required)")
	org := fs.String("org", "", "organization slug (required)")
	roles := fs.String("roles", "staff", "comma-separated roles: staff, supervisor, executive, desk, admin, auditor")
	group := fs.Bool("group", false, "roles apply to the organization's subsidiaries too")
	lang := fs.String("lang", "ja", "language: ja or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var missing []string
	for n, v := range map[string]string{"-email": *email, "-name": *name, "-org": *org} {
		if v == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.FindOrgBySlug(ctx, *org)
	if err != nil {
		return fmt.Errorf("organization %q: %w", *org, err)
	}
	u := &kasuhara.User{OrgID: o.ID, Email: *email, Name: *name, GroupAccess: *group, Lang: *lang}
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			u.Roles = append(u.Roles, kasuhara.Role(r))
		}
	}
	pw := e.getenv("KASUHARA_PASSWORD")
	generated := pw == ""
	if generated {
		pw = app.GeneratePassword()
	}
	if err := a.CreateUser(ctx, nil, u, pw); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(e.stdout, "Created user %d %s in %s with roles %s.\n", u.ID, u.Email, o.Slug, *roles)
	if generated {
		fmt.Fprintf(e.stdout, "Password (shown once): %s\n", pw)
	}
	return nil
}

func runUserPassword(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user password", "Set a new password for a user and sign them out everywhere. The password is read from $KASUHARA_PASSWORD, or generated and printed once.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	email := fs.String("email", "", "the user's email address (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, db, u, err := c.openForUser(ctx, e, *email)
	if err != nil {
		return err
	}
	defer db.Close()
	given := e.getenv("KASUHARA_PASSWORD")
	pw, err := a.ResetPassword(ctx, nil, u.ID, given)
	if err != nil {
		return cliError(err)
	}
	if given == "" {
		fmt.Fprintf(e.stdout, "New password for %s (shown once): %s\n", u.Email, pw)
	} else {
		fmt.Fprintf(e.stdout, "Password of %s changed; all their sessions ended.\n", u.Email)
	}
	return nil
}

func runTokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token create", "Create a bearer API token acting with the user's roles. The token is printed once; only its hash is stored.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	email := fs.String("email", "", "the user's email address (required)")
	name := fs.String("name", "CLI", "what the token is for")
	ttl := fs.Duration("expires-in", 0, "lifetime, e.g. 720h; 0 for no expiry")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, db, u, err := c.openForUser(ctx, e, *email)
	if err != nil {
		return err
	}
	defer db.Close()
	var exp *time.Time
	if *ttl > 0 {
		t := time.Now().Add(*ttl)
		exp = &t
	}
	secret, _, err := a.CreateAPIToken(ctx, nil, u, *name, exp)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func runAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "audit verify", "Walk the audit trail and check every entry's hash and link. Exits 0 when intact, 1 naming the first broken entry.", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, brk, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return &exitError{code: 1, err: fmt.Errorf("audit trail broken at entry %d: %s (%d entries before it are intact)", brk.Seq, brk.Reason, n)}
	}
	fmt.Fprintf(e.stdout, "Audit trail intact: %d entries verified.\n", n)
	return nil
}

// openForUser opens the database for a command about one user, named by
// the -email flag, and finds that user.
func (c *config) openForUser(ctx context.Context, e *env, email string) (*app.App, *sqlstore.DB, *kasuhara.User, error) {
	if email == "" {
		return nil, nil, nil, fmt.Errorf("missing -email")
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := db.FindUserByEmail(ctx, email)
	if err != nil {
		db.Close()
		return nil, nil, nil, fmt.Errorf("user %q: %w", email, cliError(err))
	}
	return a, db, u, nil
}

// cliError turns a domain error into a sentence for the terminal.
func cliError(err error) error {
	var ke *kasuhara.Error
	if errors.As(err, &ke) && ke.Code != kasuhara.EINTERNAL {
		if ke.Field != "" {
			return fmt.Errorf("%s: %s", ke.Field, cliMessage(ke))
		}
		return fmt.Errorf("%s", cliMessage(ke))
	}
	return err
}

// cliMessage localizes a domain error for the terminal: English when
// KASUHARA_LANG or LANG starts with "en", Japanese otherwise.
func cliMessage(ke *kasuhara.Error) string {
	if ke.Key == "" || !i18n.Has(ke.Key) {
		return ke.Message
	}
	return i18n.T(cliLang, ke.Key, ke.Args...)
}

// cliLang is set from the environment in run.
var cliLang = "ja"
