package app

import (
	"context"
	"crypto/rand"
	"math/big"

	"github.com/kasuhara/kasuhara"
)

// CreateUser creates u with password in the organization u.OrgID. p is the
// administrator doing it, or nil for the system (CLI, bootstrap).
func (a *App) CreateUser(ctx context.Context, p *kasuhara.Principal, u *kasuhara.User, password string) error {
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActUserManage, u.OrgID); err != nil {
			return a.denied(ctx, p, kasuhara.ActUserManage, "user:new", err)
		}
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := kasuhara.ValidatePassword("password", password, u.Email); err != nil {
		return err
	}
	u.PasswordHash = HashPassword(password)
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &u.OrgID, "user.create", target("user", u.ID), "ok", userDetail(u))
	})
}

// userDetail is what the audit trail keeps of a user: no password hash, the address redacted.
func userDetail(u *kasuhara.User) map[string]any {
	return map[string]any{"email": kasuhara.Redact(u.Email), "roles": u.Roles, "department_id": u.DepartmentID,
		"group_access": u.GroupAccess, "disabled": u.Disabled, "lang": u.Lang}
}

// ListUsers lists the users of f.OrgID.
func (a *App) ListUsers(ctx context.Context, p *kasuhara.Principal, f kasuhara.UserFilter) ([]*kasuhara.User, int, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActUserList, f.OrgID); err != nil {
		return nil, 0, a.denied(ctx, p, kasuhara.ActUserList, target("org", f.OrgID), err)
	}
	return a.Store.ListUsers(ctx, f)
}

// User returns one user, recording the read.
func (a *App) User(ctx context.Context, p *kasuhara.Principal, id int64) (*kasuhara.User, error) {
	u, err := a.Store.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := kasuhara.Authorize(p, kasuhara.ActUserView, u.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActUserView, target("user", id), err)
	}
	if err := a.audit(ctx, a.Store, p, &u.OrgID, "user.view", target("user", id), "ok", nil); err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUser changes a user's name, department, roles, language or status.
// Disabling a user also ends their sessions. An administrator cannot remove
// their own admin role or disable themselves, so an organization never
// locks itself out by accident.
func (a *App) UpdateUser(ctx context.Context, p *kasuhara.Principal, id int64, upd kasuhara.UserUpdate) (*kasuhara.User, error) {
	before, err := a.Store.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := kasuhara.Authorize(p, kasuhara.ActUserManage, before.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActUserManage, target("user", id), err)
	}
	if id == p.User.ID {
		if upd.Disabled != nil && *upd.Disabled {
			return nil, kasuhara.FieldError("disabled", "error.user.self_disable")
		}
		if upd.Roles != nil && !hasRole(upd.Roles, kasuhara.RoleAdmin) {
			return nil, kasuhara.FieldError("roles", "error.user.self_demote")
		}
	}
	var after *kasuhara.User
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		var err error
		if after, err = tx.UpdateUser(ctx, before.OrgID, id, upd); err != nil {
			return err
		}
		if after.Disabled {
			if _, err := tx.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, p, &before.OrgID, "user.update", target("user", id), "ok",
			map[string]any{"before": userDetail(before), "after": userDetail(after)})
	})
	a.forgetTokens(ctx) // roles or status may have changed what the user's tokens may do
	return after, err
}

func hasRole(rs []kasuhara.Role, r kasuhara.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// SignOutUser ends every session of another user (a lost phone, a leaver).
func (a *App) SignOutUser(ctx context.Context, p *kasuhara.Principal, id int64) (int, error) {
	u, err := a.Store.FindUserByID(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := kasuhara.Authorize(p, kasuhara.ActUserManage, u.OrgID); err != nil {
		return 0, a.denied(ctx, p, kasuhara.ActUserManage, target("user", id), err)
	}
	var n int
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		var err error
		if n, err = tx.DeleteUserSessions(ctx, id); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &u.OrgID, "user.sign_out", target("user", id), "ok", map[string]int{"sessions": n})
	})
	a.forgetTokens(ctx)
	return n, err
}

// ListDepartments lists the departments of orgID.
func (a *App) ListDepartments(ctx context.Context, p *kasuhara.Principal, orgID int64) ([]*kasuhara.Department, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActDepartmentList, orgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActDepartmentList, target("org", orgID), err)
	}
	return a.Store.ListDepartments(ctx, orgID)
}

// CreateDepartment adds a department (p nil: the system).
func (a *App) CreateDepartment(ctx context.Context, p *kasuhara.Principal, d *kasuhara.Department) error {
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActDepartmentManage, d.OrgID); err != nil {
			return a.denied(ctx, p, kasuhara.ActDepartmentManage, "department:new", err)
		}
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &d.OrgID, "department.create", target("department", d.ID), "ok", map[string]any{"name": d.Name})
	})
}

// RenameDepartment renames a department.
func (a *App) RenameDepartment(ctx context.Context, p *kasuhara.Principal, orgID, id int64, name string) (*kasuhara.Department, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActDepartmentManage, orgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActDepartmentManage, target("department", id), err)
	}
	var d *kasuhara.Department
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		before, err := tx.FindDepartment(ctx, orgID, id)
		if err != nil {
			return err
		}
		d = &kasuhara.Department{ID: id, OrgID: orgID, Name: name, ParentID: before.ParentID, CreatedAt: before.CreatedAt}
		if err := tx.UpdateDepartment(ctx, d); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &orgID, "department.update", target("department", id), "ok", map[string]string{"before": before.Name, "after": name})
	})
	return d, err
}

// DeleteDepartment removes a department no user belongs to.
func (a *App) DeleteDepartment(ctx context.Context, p *kasuhara.Principal, orgID, id int64) error {
	if err := kasuhara.Authorize(p, kasuhara.ActDepartmentManage, orgID); err != nil {
		return a.denied(ctx, p, kasuhara.ActDepartmentManage, target("department", id), err)
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.DeleteDepartment(ctx, orgID, id); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &orgID, "department.delete", target("department", id), "ok", nil)
	})
}

// ListAudit returns audit entries of the caller's organizations, recording
// the read (the trail itself is confidential).
func (a *App) ListAudit(ctx context.Context, p *kasuhara.Principal, f kasuhara.AuditFilter) ([]*kasuhara.AuditEntry, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActAuditView, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActAuditView, "audit", err)
	}
	if len(f.OrgIDs) == 0 {
		f.OrgIDs = p.OrgIDs
	}
	for _, id := range f.OrgIDs {
		if !p.Reaches(id) {
			return nil, a.denied(ctx, p, kasuhara.ActAuditView, target("org", id), kasuhara.Errorf(kasuhara.ENOTFOUND, "not found"))
		}
	}
	if err := a.Audit(ctx, p, "audit.view", "audit", "ok", map[string]any{"action": f.Action, "before_seq": f.BeforeSeq}); err != nil {
		return nil, err
	}
	return a.Store.ListAudit(ctx, f)
}

// GeneratePassword returns a random password of 16 characters from an
// alphabet without look-alikes, for bootstrap and demo accounts.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// Bootstrap creates the first organization and its administrator on an
// empty database. It returns created=false when users already exist. When
// password is empty a random one is generated and returned, to be shown once.
func (a *App) Bootstrap(ctx context.Context, slug, orgName, email, password string) (created bool, pw string, err error) {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	pw = password
	if pw == "" {
		pw = GeneratePassword()
	}
	org, err := a.Store.FindOrgBySlug(ctx, slug)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		org = &kasuhara.Organization{Slug: slug, Name: orgName}
		err = a.CreateOrg(ctx, nil, org)
	}
	if err != nil {
		return false, "", err
	}
	u := &kasuhara.User{OrgID: org.ID, Email: email, Name: "管理者", Roles: []kasuhara.Role{kasuhara.RoleAdmin}}
	if err := a.CreateUser(ctx, nil, u, pw); err != nil {
		return false, "", err
	}
	return true, pw, nil
}

// CreateOrg creates an organization (p nil: the system, from the CLI). An
// administrator with group access may add a subsidiary below their group.
func (a *App) CreateOrg(ctx context.Context, p *kasuhara.Principal, o *kasuhara.Organization) error {
	if p != nil {
		if o.ParentID == nil {
			return a.denied(ctx, p, kasuhara.ActUserManage, "org:new", &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Key: "error.forbidden", Message: "only the system creates top-level organizations"})
		}
		if err := kasuhara.Authorize(p, kasuhara.ActUserManage, *o.ParentID); err != nil || !p.User.GroupAccess {
			if err == nil {
				err = &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Key: "error.forbidden", Message: "group access needed"}
			}
			return a.denied(ctx, p, kasuhara.ActUserManage, "org:new", err)
		}
	}
	return a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := tx.CreateOrg(ctx, o); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &o.ID, "org.create", target("org", o.ID), "ok", map[string]any{"slug": o.Slug, "parent_id": o.ParentID})
	})
}
