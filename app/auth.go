package app

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

// errBadLogin is the one answer to a wrong address, a wrong password and a
// disabled account, so the login form tells an attacker nothing.
var errBadLogin = &kasuhara.Error{Code: kasuhara.EUNAUTHORIZED, Key: "error.login.failed", Message: "wrong email or password"}

// Login checks email and password and starts a session. It returns the
// cookie secret (shown to the browser once; only its digest is stored).
// Failed attempts are throttled per account and per client address, through
// the database so that every server counts the same attempts.
func (a *App) Login(ctx context.Context, email, password string) (secret string, s *kasuhara.Session, u *kasuhara.User, err error) {
	now := a.Now()
	client := kasuhara.ClientFrom(ctx)
	email = kasuhara.NormalizeEmail(email)
	acctKey, ipKey := "acct:"+email, "ip:"+client.IP
	since := now.Add(-a.FailureWindow)
	for _, k := range []struct {
		key string
		max int
	}{{acctKey, a.MaxAccountFailures}, {ipKey, a.MaxAddressFailures}} {
		n, err := a.Store.LoginFailures(ctx, k.key, since)
		if err != nil {
			return "", nil, nil, err
		}
		if n >= k.max {
			a.audit(ctx, a.Store, nil, nil, "auth.login", "email:"+kasuhara.Redact(email), "throttled", map[string]string{"key": strings.SplitN(k.key, ":", 2)[0]})
			return "", nil, nil, &kasuhara.Error{Code: kasuhara.ETOOMANY, Key: "error.login.throttled", Args: []any{int(a.FailureWindow.Minutes())}, Message: "too many failed logins"}
		}
	}
	u, err = a.Store.FindUserByEmail(ctx, email)
	if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		return "", nil, nil, err
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok := CheckPassword(hash, password) && u != nil && !u.Disabled
	if !ok {
		var orgID *int64
		reason := "unknown_account"
		if u != nil {
			orgID, reason = &u.OrgID, "wrong_password"
			if u.Disabled {
				reason = "disabled"
			}
		}
		err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
			if err := tx.RecordLoginFailure(ctx, acctKey, now); err != nil {
				return err
			}
			if err := tx.RecordLoginFailure(ctx, ipKey, now); err != nil {
				return err
			}
			return a.audit(ctx, tx, nil, orgID, "auth.login", "email:"+kasuhara.Redact(email), "failed", map[string]string{"reason": reason})
		})
		if err != nil {
			return "", nil, nil, err
		}
		return "", nil, nil, errBadLogin
	}
	secret = randomToken(32)
	s = &kasuhara.Session{
		ID: digest(secret), UserID: u.ID, CSRFToken: randomToken(32),
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(a.SessionIdle),
		IP: client.IP, UserAgent: truncate(client.UserAgent, 300),
	}
	p := &kasuhara.Principal{User: u}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateSession(ctx, s); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(ctx, acctKey); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, nil, "auth.login", target("user", u.ID), "ok", nil)
	})
	if err != nil {
		return "", nil, nil, err
	}
	return secret, s, u, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// SessionPrincipal returns the principal and session for a cookie secret,
// sliding the idle timeout; EUNAUTHORIZED when the session is unknown or over.
func (a *App) SessionPrincipal(ctx context.Context, secret string) (*kasuhara.Principal, *kasuhara.Session, error) {
	unauth := &kasuhara.Error{Code: kasuhara.EUNAUTHORIZED, Key: "error.unauthorized", Message: "sign in first"}
	if secret == "" || len(secret) > 100 {
		return nil, nil, unauth
	}
	now := a.Now()
	s, err := a.Store.FindSession(ctx, digest(secret), now)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, nil, unauth
	} else if err != nil {
		return nil, nil, err
	}
	if now.Sub(s.CreatedAt) > a.SessionMax {
		a.Store.DeleteSession(ctx, s.ID)
		return nil, nil, unauth
	}
	u, err := a.Store.FindUserByID(ctx, s.UserID)
	if err != nil || u.Disabled {
		return nil, nil, unauth
	}
	// Writing on every request would make reads contend on SQLite's single
	// writer; once a minute is precise enough for an idle timeout of hours.
	if now.Sub(s.LastSeen) > time.Minute {
		if err := a.Store.TouchSession(ctx, s.ID, now, now.Add(a.SessionIdle)); err != nil {
			a.Log.Warn("touch session", "err", err)
		}
	}
	p, err := a.Principal(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	return p, s, nil
}

// TokenPrincipal returns the principal for a bearer API token.
func (a *App) TokenPrincipal(ctx context.Context, bearer string) (*kasuhara.Principal, error) {
	unauth := &kasuhara.Error{Code: kasuhara.EUNAUTHORIZED, Key: "error.token.invalid", Message: "invalid or revoked API token"}
	if !strings.HasPrefix(bearer, tokenPrefix) || len(bearer) > 100 {
		return nil, unauth
	}
	now := a.Now()
	dg := digest(bearer)
	if p := a.tokens.get(dg, now); p != nil {
		return p, nil
	}
	t, err := a.Store.FindAPIToken(ctx, dg, now)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, unauth
	} else if err != nil {
		return nil, err
	}
	u, err := a.Store.FindUserByID(ctx, t.UserID)
	if err != nil || u.Disabled {
		return nil, unauth
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		a.Store.TouchAPIToken(ctx, t.ID, now)
	}
	p, err := a.Principal(ctx, u)
	if err != nil {
		return nil, err
	}
	p.TokenID = &t.ID
	a.tokens.put(dg, p, now, t.ExpiresAt)
	return p, nil
}

// CheckCSRF compares a submitted form token with the session's in constant time.
func CheckCSRF(s *kasuhara.Session, submitted string) bool {
	return s != nil && submitted != "" && subtle.ConstantTimeCompare([]byte(s.CSRFToken), []byte(submitted)) == 1
}

// Logout ends one session.
func (a *App) Logout(ctx context.Context, p *kasuhara.Principal, s *kasuhara.Session) error {
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.DeleteSession(ctx, s.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, nil, "auth.logout", target("user", p.User.ID), "ok", nil)
	})
}

// LogoutEverywhere ends every session of the caller, on every server.
func (a *App) LogoutEverywhere(ctx context.Context, p *kasuhara.Principal) (int, error) {
	var n int
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		var err error
		if n, err = tx.DeleteUserSessions(ctx, p.User.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, nil, "auth.logout_everywhere", target("user", p.User.ID), "ok", map[string]int{"sessions": n})
	})
	return n, err
}

// ChangePassword replaces the caller's password after checking the current
// one, and ends all their sessions so a stolen session dies with the old password.
func (a *App) ChangePassword(ctx context.Context, p *kasuhara.Principal, current, next string) error {
	if err := kasuhara.Authorize(p, kasuhara.ActSelfManage, p.User.OrgID); err != nil {
		return err
	}
	if !CheckPassword(p.User.PasswordHash, current) {
		a.Audit(ctx, p, "auth.password_change", target("user", p.User.ID), "failed", nil)
		return kasuhara.FieldError("current_password", "error.password.wrong_current")
	}
	if err := kasuhara.ValidatePassword("new_password", next, p.User.Email); err != nil {
		return err
	}
	hash := HashPassword(next)
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.SetPasswordHash(ctx, p.User.ID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, p.User.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, nil, "auth.password_change", target("user", p.User.ID), "ok", nil)
	})
}

// tokenPrefix marks kasuhara API tokens so secret scanners can recognise them.
const tokenPrefix = "ksh_"

// CreateAPIToken issues a bearer token for the user of p (nil p: the
// system, from the CLI, for user u). The secret is returned once.
func (a *App) CreateAPIToken(ctx context.Context, p *kasuhara.Principal, u *kasuhara.User, name string, expires *time.Time) (string, *kasuhara.APIToken, error) {
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActSelfManage, p.User.OrgID); err != nil {
			return "", nil, err
		}
		u = p.User
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API"
	}
	if len([]rune(name)) > 100 {
		return "", nil, kasuhara.FieldError("name", "error.field.too_long", 100)
	}
	secret := tokenPrefix + randomToken(32)
	t := &kasuhara.APIToken{UserID: u.ID, Name: name, Prefix: secret[:len(tokenPrefix)+6], Hash: digest(secret), ExpiresAt: expires}
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &u.OrgID, "token.create", target("token", t.ID), "ok", map[string]any{"user_id": u.ID, "name": name})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// RevokeAPIToken revokes one of the caller's tokens.
func (a *App) RevokeAPIToken(ctx context.Context, p *kasuhara.Principal, id int64) error {
	if err := kasuhara.Authorize(p, kasuhara.ActSelfManage, p.User.OrgID); err != nil {
		return err
	}
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.RevokeAPIToken(ctx, p.User.ID, id, a.Now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, nil, "token.revoke", target("token", id), "ok", nil)
	})
	a.forgetTokens(ctx) // after the commit, so no request caches the token again
	return err
}

// ListAPITokens lists the caller's tokens.
func (a *App) ListAPITokens(ctx context.Context, p *kasuhara.Principal) ([]*kasuhara.APIToken, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActSelfManage, p.User.OrgID); err != nil {
		return nil, err
	}
	return a.Store.ListAPITokens(ctx, p.User.ID)
}

// SetLanguage stores the caller's preferred language.
func (a *App) SetLanguage(ctx context.Context, p *kasuhara.Principal, lang string) error {
	if err := kasuhara.Authorize(p, kasuhara.ActSelfManage, p.User.OrgID); err != nil {
		return err
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if _, err := tx.UpdateUser(ctx, p.User.OrgID, p.User.ID, kasuhara.UserUpdate{Lang: &lang}); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, nil, "user.language", target("user", p.User.ID), "ok", map[string]string{"lang": lang})
	})
}
