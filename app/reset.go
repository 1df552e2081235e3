package app

import (
	"context"

	"github.com/kasuhara/kasuhara"
)

// ResetPassword sets a new password for another user of the administrator's
// organization (a forgotten password, a first sign-in) and ends all the
// user's sessions. p nil is the system (CLI). When password is empty a random
// one is generated; the password to hand over is returned.
func (a *App) ResetPassword(ctx context.Context, p *kasuhara.Principal, userID int64, password string) (string, error) {
	u, err := a.Store.FindUserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActUserManage, u.OrgID); err != nil {
			return "", a.denied(ctx, p, kasuhara.ActUserManage, target("user", userID), err)
		}
	}
	if password == "" {
		password = GeneratePassword()
	}
	if err := kasuhara.ValidatePassword("password", password, u.Email); err != nil {
		return "", err
	}
	hash := HashPassword(password)
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &u.OrgID, "user.password_reset", target("user", u.ID), "ok", nil)
	})
	if err != nil {
		return "", err
	}
	return password, nil
}
