// Package app holds kasuhara's use cases: each one authorizes the caller,
// does the work and writes its audit entry in one transaction. The web
// handlers and the CLI both call it, so a rule lives here once.
package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
)

// App is the application service.
type App struct {
	Store kasuhara.Store
	Log   *slog.Logger
	Now   func() time.Time

	// SessionIdle ends a session after this long without a request.
	SessionIdle time.Duration
	// SessionMax ends a session this long after sign-in, active or not.
	SessionMax time.Duration
	// Login throttling: at most MaxAccountFailures failed logins per account
	// and MaxAddressFailures per client address within FailureWindow.
	MaxAccountFailures int
	MaxAddressFailures int
	FailureWindow      time.Duration

	// CallerCheck, when set, replaces the customer registry's lookup of a
	// live call's caller (restrictedCaller).
	CallerCheck CallerCheck
	// CallEnded, when set, is called inside the transaction that ends a
	// call with alerts, with what a draft case needs; an error ends nothing.
	CallEnded func(ctx context.Context, tx kasuhara.Store, d *CallDraft) error

	callsOnce  sync.Once
	callEngine *callEngine
	tokens     tokenCache
}

// New returns an App with the default limits.
func New(store kasuhara.Store, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	return &App{
		Store: store, Log: log,
		Now:                func() time.Time { return time.Now().UTC() },
		SessionIdle:        8 * time.Hour,
		SessionMax:         7 * 24 * time.Hour,
		MaxAccountFailures: 5,
		MaxAddressFailures: 50,
		FailureWindow:      15 * time.Minute,
	}
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// digest is how secrets (session cookies, API tokens) are stored: a hex SHA-256.
func digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// audit appends an entry for actor (nil: the system) inside tx.
func (a *App) audit(ctx context.Context, tx kasuhara.Store, actor *kasuhara.Principal, orgID *int64, action, target, outcome string, detail any) error {
	e := &kasuhara.AuditEntry{
		At: a.Now(), Action: action, Target: target, Outcome: outcome,
		IP: kasuhara.ClientFrom(ctx).IP, Actor: "system", OrgID: orgID,
	}
	if actor != nil && actor.User != nil {
		e.ActorID, e.Actor = &actor.User.ID, actor.User.Email
		if orgID == nil {
			e.OrgID = &actor.User.OrgID
		}
	}
	if detail != nil {
		e.Detail = kasuhara.AuditDetail(detail)
	}
	return tx.AppendAudit(ctx, e)
}

// Audit records an event that changes nothing else (a read of confidential
// data, a denied attempt) for the caller.
func (a *App) Audit(ctx context.Context, actor *kasuhara.Principal, action, target, outcome string, detail any) error {
	return a.audit(ctx, a.Store, actor, nil, action, target, outcome, detail)
}

// Principal builds the principal for u: their organization and, with group
// access, every subsidiary below it.
func (a *App) Principal(ctx context.Context, u *kasuhara.User) (*kasuhara.Principal, error) {
	org, err := a.Store.FindOrgByID(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	p := &kasuhara.Principal{User: u, Org: org, OrgIDs: []int64{org.ID}}
	if u.GroupAccess {
		subs, err := a.Store.SubsidiaryIDs(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		p.OrgIDs = append(p.OrgIDs, subs...)
	}
	return p, nil
}

func target(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

// denied records a refused attempt and returns err unchanged, so that
// probing for other organizations' data leaves a trace.
func (a *App) denied(ctx context.Context, p *kasuhara.Principal, action kasuhara.Action, tgt string, err error) error {
	if code := kasuhara.ErrorCode(err); code == kasuhara.EFORBIDDEN || code == kasuhara.ENOTFOUND {
		if aerr := a.Audit(ctx, p, string(action), tgt, "denied", nil); aerr != nil {
			a.Log.Error("audit denied attempt", "err", aerr)
		}
	}
	return err
}
