package kasuhara

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user does in their organization; a user may have several.
type Role string

// The roles.
const (
	RoleStaff      Role = "staff"      // 従業員: front-line staff
	RoleSupervisor Role = "supervisor" // 上長
	RoleExecutive  Role = "executive"  // 役員
	RoleDesk       Role = "desk"       // 相談窓口: the consultation desk
	RoleAdmin      Role = "admin"      // system administrator of the organization
	RoleAuditor    Role = "auditor"    // read-only, for compliance
)

// Roles lists every role in display order.
var Roles = []Role{RoleStaff, RoleSupervisor, RoleExecutive, RoleDesk, RoleAdmin, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a person who signs in. GroupAccess extends the user's roles to
// every subsidiary of their organization (for group executives, auditors).
type User struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	DepartmentID *int64    `json:"department_id,omitempty"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Roles        []Role    `json:"roles"`
	GroupAccess  bool      `json:"group_access"`
	Lang         string    `json:"lang"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// PasswordHash is the argon2id hash; never serialized.
	PasswordHash string `json:"-"`
}

// HasRole reports whether u has role r.
func (u *User) HasRole(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// NormalizeEmail lower-cases and trims an address so that look-ups match.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the fields a user can set; it returns an EINVALID *Error naming the field.
func (u *User) Validate() error {
	u.Email = NormalizeEmail(u.Email)
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 254 {
		return FieldError("email", "error.field.email")
	}
	if err := validateName("name", u.Name, 100); err != nil {
		return err
	}
	if len(u.Roles) == 0 {
		return FieldError("roles", "error.field.roles_empty")
	}
	seen := map[Role]bool{}
	for _, r := range u.Roles {
		if !r.Valid() {
			return FieldError("roles", "error.field.role_unknown", string(r))
		}
		if seen[r] {
			return FieldError("roles", "error.field.role_duplicate", string(r))
		}
		seen[r] = true
	}
	if u.Lang == "" {
		u.Lang = "ja"
	}
	if u.Lang != "ja" && u.Lang != "en" {
		return FieldError("lang", "error.field.lang")
	}
	return nil
}

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B asks for 8; staff
// accounts here guard confidential case data, so more).
const MinPasswordLength = 10

// ValidatePassword checks a new password; it returns an EINVALID *Error for the field.
func ValidatePassword(field, pw, email string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return FieldError(field, "error.password.short", MinPasswordLength)
	}
	if len(pw) > 512 {
		return FieldError(field, "error.field.too_long", 512)
	}
	if strings.EqualFold(pw, email) {
		return FieldError(field, "error.password.is_email")
	}
	return nil
}

// UserFilter selects users for listing.
type UserFilter struct {
	OrgID        int64
	DepartmentID *int64
	Role         Role
	Query        string // matches name or email
	Limit        int
	Offset       int
}

// UserUpdate holds the fields an administrator may change; nil means unchanged.
type UserUpdate struct {
	Name         *string
	DepartmentID **int64
	Roles        []Role
	GroupAccess  *bool
	Lang         *string
	Disabled     *bool
}

// UserService stores users.
type UserService interface {
	// CreateUser stores u (with PasswordHash set) and sets its ID; ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND if there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail returns ENOTFOUND if there is no such user.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns the users matching f and their total count.
	ListUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// UpdateUser applies upd to the user id of orgID and returns the result.
	UpdateUser(ctx context.Context, orgID, id int64, upd UserUpdate) (*User, error)
	// SetPasswordHash replaces the user's password hash.
	SetPasswordHash(ctx context.Context, id int64, hash string) error
	// CountUsers returns how many users exist in total (0 means a fresh installation).
	CountUsers(ctx context.Context) (int, error)
}
