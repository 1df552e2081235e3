package kasuhara

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Organization is a tenant: a company, a cooperative or a clinic. A group's
// parent organization may own subsidiaries (ParentID set on the child); data
// never crosses organizations unless a user's group-level access allows it.
type Organization struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	ParentID  *int64    `json:"parent_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Department is a unit of an organization (部署), optionally nested.
type Department struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Name      string    `json:"name"`
	ParentID  *int64    `json:"parent_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Validate checks the fields a user can set; it returns an EINVALID *Error naming the field.
func (o *Organization) Validate() error {
	if !slugPattern.MatchString(o.Slug) {
		return FieldError("slug", "error.field.slug")
	}
	return validateName("name", o.Name, 200)
}

// Validate checks the fields a user can set; it returns an EINVALID *Error naming the field.
func (d *Department) Validate() error {
	return validateName("name", d.Name, 200)
}

func validateName(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return FieldError(field, "error.field.required")
	}
	if !utf8.ValidString(v) {
		return FieldError(field, "error.field.utf8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return FieldError(field, "error.field.too_long", max)
	}
	return nil
}

// OrgService stores organizations and departments.
type OrgService interface {
	// CreateOrg stores o and sets its ID; ECONFLICT if the slug is taken.
	CreateOrg(ctx context.Context, o *Organization) error
	// FindOrgByID returns ENOTFOUND if there is no such organization.
	FindOrgByID(ctx context.Context, id int64) (*Organization, error)
	// FindOrgBySlug returns ENOTFOUND if there is no such organization.
	FindOrgBySlug(ctx context.Context, slug string) (*Organization, error)
	// ListOrgs returns all organizations ordered by ID.
	ListOrgs(ctx context.Context) ([]*Organization, error)
	// SubsidiaryIDs returns the IDs of every organization below id in its group, recursively.
	SubsidiaryIDs(ctx context.Context, id int64) ([]int64, error)

	// CreateDepartment stores d and sets its ID; ECONFLICT on a duplicate name in the organization.
	CreateDepartment(ctx context.Context, d *Department) error
	// UpdateDepartment renames d; ENOTFOUND if it does not exist in d.OrgID.
	UpdateDepartment(ctx context.Context, d *Department) error
	// DeleteDepartment removes an unused department; ECONFLICT while users belong to it.
	DeleteDepartment(ctx context.Context, orgID, id int64) error
	// FindDepartment returns ENOTFOUND unless the department exists in orgID.
	FindDepartment(ctx context.Context, orgID, id int64) (*Department, error)
	// ListDepartments returns the departments of orgID ordered by name.
	ListDepartments(ctx context.Context, orgID int64) ([]*Department, error)
}
