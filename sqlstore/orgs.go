package sqlstore

import (
	"context"
	"database/sql"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.OrgService = (*DB)(nil)

type scanner interface{ Scan(dest ...any) error }

func scanOrg(s scanner) (*kasuhara.Organization, error) {
	var o kasuhara.Organization
	var parent sql.NullInt64
	var created int64
	if err := s.Scan(&o.ID, &o.Slug, &o.Name, &parent, &created); err != nil {
		return nil, mapErr(err)
	}
	o.ParentID, o.CreatedAt = fromOptInt(parent), fromMicro(created)
	return &o, nil
}

func scanDepartment(s scanner) (*kasuhara.Department, error) {
	var d kasuhara.Department
	var parent sql.NullInt64
	var created int64
	if err := s.Scan(&d.ID, &d.OrgID, &d.Name, &parent, &created); err != nil {
		return nil, mapErr(err)
	}
	d.ParentID, d.CreatedAt = fromOptInt(parent), fromMicro(created)
	return &d, nil
}

// CreateOrg implements kasuhara.OrgService.
func (db *DB) CreateOrg(ctx context.Context, o *kasuhara.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.CreatedAt = db.Now()
	return mapErr(db.write.QueryRowContext(ctx, db.q("org-insert"), o.Slug, o.Name, optInt(o.ParentID), micro(o.CreatedAt)).Scan(&o.ID))
}

// FindOrgByID implements kasuhara.OrgService.
func (db *DB) FindOrgByID(ctx context.Context, id int64) (*kasuhara.Organization, error) {
	return scanOrg(db.read.QueryRowContext(ctx, db.q("org-by-id"), id))
}

// FindOrgBySlug implements kasuhara.OrgService.
func (db *DB) FindOrgBySlug(ctx context.Context, slug string) (*kasuhara.Organization, error) {
	return scanOrg(db.read.QueryRowContext(ctx, db.q("org-by-slug"), slug))
}

// ListOrgs implements kasuhara.OrgService.
func (db *DB) ListOrgs(ctx context.Context) ([]*kasuhara.Organization, error) {
	rows, err := db.read.QueryContext(ctx, db.q("org-list"))
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*kasuhara.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, mapErr(rows.Err())
}

// SubsidiaryIDs implements kasuhara.OrgService. Groups are a few levels deep
// at most, so a breadth-first walk of small queries is simpler than a
// recursive CTE that differs between dialects.
func (db *DB) SubsidiaryIDs(ctx context.Context, id int64) ([]int64, error) {
	var out []int64
	queue := []int64{id}
	seen := map[int64]bool{id: true}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		rows, err := db.read.QueryContext(ctx, db.q("org-children"), parent)
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			var c int64
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				queue = append(queue, c)
			}
		}
		rows.Close()
	}
	return out, nil
}

// CreateDepartment implements kasuhara.OrgService.
func (db *DB) CreateDepartment(ctx context.Context, d *kasuhara.Department) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ParentID != nil {
		if _, err := db.FindDepartment(ctx, d.OrgID, *d.ParentID); err != nil {
			return kasuhara.FieldError("parent_id", "error.field.unknown_department")
		}
	}
	d.CreatedAt = db.Now()
	return mapErr(db.write.QueryRowContext(ctx, db.q("department-insert"), d.OrgID, d.Name, optInt(d.ParentID), micro(d.CreatedAt)).Scan(&d.ID))
}

// UpdateDepartment implements kasuhara.OrgService.
func (db *DB) UpdateDepartment(ctx context.Context, d *kasuhara.Department) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ParentID != nil && (*d.ParentID == d.ID) {
		return kasuhara.FieldError("parent_id", "error.field.unknown_department")
	}
	res, err := db.write.ExecContext(ctx, db.q("department-update"), d.OrgID, d.ID, d.Name, optInt(d.ParentID))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "department %d not found", d.ID)
	}
	return nil
}

// DeleteDepartment implements kasuhara.OrgService.
func (db *DB) DeleteDepartment(ctx context.Context, orgID, id int64) error {
	return db.InTx(ctx, func(tx *DB) error {
		var n int
		if err := tx.write.QueryRowContext(ctx, db.q("department-users"), id).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n > 0 {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "error.department.in_use", Args: []any{n}, Message: "department has users"}
		}
		res, err := tx.write.ExecContext(ctx, db.q("department-delete"), orgID, id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "department %d not found", id)
		}
		return nil
	})
}

// FindDepartment implements kasuhara.OrgService.
func (db *DB) FindDepartment(ctx context.Context, orgID, id int64) (*kasuhara.Department, error) {
	return scanDepartment(db.read.QueryRowContext(ctx, db.q("department-by-id"), orgID, id))
}

// ListDepartments implements kasuhara.OrgService.
func (db *DB) ListDepartments(ctx context.Context, orgID int64) ([]*kasuhara.Department, error) {
	rows, err := db.read.QueryContext(ctx, db.q("department-list"), orgID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*kasuhara.Department
	for rows.Next() {
		d, err := scanDepartment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err())
}
