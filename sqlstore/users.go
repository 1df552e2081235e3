package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.UserService = (*DB)(nil)

const userColumns = "id, org_id, department_id, email, name, roles, group_access, lang, disabled, password_hash, created_at, updated_at"

func scanUser(s scanner) (*kasuhara.User, error) {
	var u kasuhara.User
	var dept sql.NullInt64
	var roles string
	var created, updated int64
	if err := s.Scan(&u.ID, &u.OrgID, &dept, &u.Email, &u.Name, &roles, &u.GroupAccess, &u.Lang, &u.Disabled, &u.PasswordHash, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	u.DepartmentID = fromOptInt(dept)
	u.Roles = splitRoles(roles)
	u.CreatedAt, u.UpdatedAt = fromMicro(created), fromMicro(updated)
	return &u, nil
}

func joinRoles(rs []kasuhara.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []kasuhara.Role {
	var out []kasuhara.Role
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			out = append(out, kasuhara.Role(r))
		}
	}
	return out
}

func (db *DB) checkDepartment(ctx context.Context, orgID int64, id *int64) error {
	if id == nil {
		return nil
	}
	if _, err := db.FindDepartment(ctx, orgID, *id); err != nil {
		return kasuhara.FieldError("department_id", "error.field.unknown_department")
	}
	return nil
}

// CreateUser implements kasuhara.UserService.
func (db *DB) CreateUser(ctx context.Context, u *kasuhara.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return kasuhara.Errorf(kasuhara.EINTERNAL, "user without password hash")
	}
	if err := db.checkDepartment(ctx, u.OrgID, u.DepartmentID); err != nil {
		return err
	}
	now := db.Now()
	u.CreatedAt, u.UpdatedAt = now, now
	err := db.write.QueryRowContext(ctx, db.q("user-insert"), u.OrgID, optInt(u.DepartmentID), u.Email, u.Name, joinRoles(u.Roles),
		u.GroupAccess, u.Lang, u.Disabled, u.PasswordHash, micro(now)).Scan(&u.ID)
	if kasuhara.ErrorCode(err) == kasuhara.ECONFLICT || kasuhara.ErrorCode(mapErr(err)) == kasuhara.ECONFLICT {
		return &kasuhara.Error{Code: kasuhara.ECONFLICT, Field: "email", Key: "error.user.email_taken", Message: "email already registered"}
	}
	return mapErr(err)
}

// FindUserByID implements kasuhara.UserService.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*kasuhara.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, db.q("user-by-id"), id))
}

// FindUserByEmail implements kasuhara.UserService.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*kasuhara.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, db.q("user-by-email"), kasuhara.NormalizeEmail(email)))
}

// ListUsers implements kasuhara.UserService. The filter is built as a
// where/args list, the one place where the SQL is not a fixed named query.
func (db *DB) ListUsers(ctx context.Context, f kasuhara.UserFilter) ([]*kasuhara.User, int, error) {
	where, args := []string{"org_id = $1"}, []any{f.OrgID}
	if f.DepartmentID != nil {
		args = append(args, *f.DepartmentID)
		where = append(where, "department_id = $"+itoa(len(args)))
	}
	if f.Role != "" {
		// roles is a comma-separated list; framing it in commas matches whole names only.
		args = append(args, "%,"+string(f.Role)+",%")
		where = append(where, "(','||roles||',') LIKE $"+itoa(len(args)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(q))+"%")
		n := itoa(len(args))
		where = append(where, "(LOWER(name) LIKE $"+n+" ESCAPE '\\' OR email LIKE $"+n+" ESCAPE '\\')")
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE "+cond, args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	args = append(args, limit, f.Offset)
	rows, err := db.read.QueryContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+cond+
		" ORDER BY name, id LIMIT $"+itoa(len(args)-1)+" OFFSET $"+itoa(len(args)), args...)
	if err != nil {
		return nil, 0, mapErr(err)
	}
	defer rows.Close()
	var out []*kasuhara.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, mapErr(rows.Err())
}

// UpdateUser implements kasuhara.UserService.
func (db *DB) UpdateUser(ctx context.Context, orgID, id int64, upd kasuhara.UserUpdate) (*kasuhara.User, error) {
	u, err := db.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.OrgID != orgID {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "user %d not found", id)
	}
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.DepartmentID != nil {
		u.DepartmentID = *upd.DepartmentID
	}
	if upd.Roles != nil {
		u.Roles = upd.Roles
	}
	if upd.GroupAccess != nil {
		u.GroupAccess = *upd.GroupAccess
	}
	if upd.Lang != nil {
		u.Lang = *upd.Lang
	}
	if upd.Disabled != nil {
		u.Disabled = *upd.Disabled
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := db.checkDepartment(ctx, u.OrgID, u.DepartmentID); err != nil {
		return nil, err
	}
	u.UpdatedAt = db.Now()
	_, err = db.write.ExecContext(ctx, db.q("user-update"), u.ID, u.Name, optInt(u.DepartmentID), joinRoles(u.Roles), u.GroupAccess, u.Lang, u.Disabled, micro(u.UpdatedAt))
	if err != nil {
		return nil, mapErr(err)
	}
	return u, nil
}

// SetPasswordHash implements kasuhara.UserService.
func (db *DB) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	res, err := db.write.ExecContext(ctx, db.q("user-set-password"), id, hash, micro(db.Now()))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "user %d not found", id)
	}
	return nil
}

// CountUsers implements kasuhara.UserService.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.q("user-count")).Scan(&n)
	return n, mapErr(err)
}

func itoa(n int) string { return strconv.Itoa(n) }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
