package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.CustomerService = (*DB)(nil)

const customerColumns = "id, org_id, name, kana, phone, email, member_no, address, note, repeat_flag, repeat_reason, repeat_at, created_at, updated_at"

func scanCustomer(s scanner) (*kasuhara.Customer, error) {
	var c kasuhara.Customer
	var repeatAt sql.NullInt64
	var created, updated int64
	if err := s.Scan(&c.ID, &c.OrgID, &c.Name, &c.Kana, &c.Phone, &c.Email, &c.MemberNo, &c.Address, &c.Note,
		&c.Repeat, &c.RepeatReason, &repeatAt, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	c.RepeatAt, c.CreatedAt, c.UpdatedAt = fromOptMicro(repeatAt), fromMicro(created), fromMicro(updated)
	return &c, nil
}

func scanCustomers(rows *sql.Rows, err error) ([]*kasuhara.Customer, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Customer{}
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// CreateCustomer implements kasuhara.CustomerService.
func (db *DB) CreateCustomer(ctx context.Context, c *kasuhara.Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	k, now := c.Keys(), db.Now()
	err := db.write.QueryRowContext(ctx, db.q("customer-insert"), c.OrgID, c.Name, c.Kana, c.Phone, c.Email, c.MemberNo, c.Address, c.Note,
		k.Name, k.Kana, k.Phone, k.Email, k.Member, micro(now)).Scan(&c.ID)
	if err != nil {
		return mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return nil
}

// UpdateCustomer implements kasuhara.CustomerService.
func (db *DB) UpdateCustomer(ctx context.Context, c *kasuhara.Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	k, now := c.Keys(), db.Now()
	res, err := db.write.ExecContext(ctx, db.q("customer-update"), c.OrgID, c.ID, c.Name, c.Kana, c.Phone, c.Email, c.MemberNo, c.Address, c.Note,
		k.Name, k.Kana, k.Phone, k.Email, k.Member, micro(now))
	if err := affectedOne(res, err); err != nil {
		return err
	}
	c.UpdatedAt = now
	return nil
}

// affectedOne maps an UPDATE that touched no row to ENOTFOUND.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return nil
}

// SetCustomerRepeat implements kasuhara.CustomerService.
func (db *DB) SetCustomerRepeat(ctx context.Context, orgID, id int64, repeat bool, reason string, at time.Time) error {
	var when any
	if repeat {
		when = micro(at)
	}
	res, err := db.write.ExecContext(ctx, db.q("customer-set-repeat"), orgID, id, repeat, reason, when, micro(db.Now()))
	return affectedOne(res, err)
}

// FindCustomer implements kasuhara.CustomerService.
func (db *DB) FindCustomer(ctx context.Context, orgID, id int64) (*kasuhara.Customer, error) {
	return scanCustomer(db.read.QueryRowContext(ctx, db.q("customer-by-id"), orgID, id))
}

// MatchCustomers implements kasuhara.CustomerService. Each key is one
// indexed equality; the first non-empty key among phone, email and member
// number decides, in that order.
func (db *DB) MatchCustomers(ctx context.Context, orgID int64, k kasuhara.CustomerKeys) ([]*kasuhara.Customer, error) {
	switch {
	case k.Phone != "":
		return scanCustomers(db.read.QueryContext(ctx, db.q("customer-by-phone"), orgID, k.Phone))
	case k.Email != "":
		return scanCustomers(db.read.QueryContext(ctx, db.q("customer-by-email"), orgID, k.Email))
	case k.Member != "":
		return scanCustomers(db.read.QueryContext(ctx, db.q("customer-by-member"), orgID, k.Member))
	}
	return []*kasuhara.Customer{}, nil
}

// ListCustomers implements kasuhara.CustomerService.
func (db *DB) ListCustomers(ctx context.Context, f kasuhara.CustomerFilter) ([]*kasuhara.Customer, int, error) {
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	if f.Repeat != nil {
		w.add("repeat_flag = ?", *f.Repeat)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		name, kana, phone, email, member := kasuhara.NormalizeName(q), kasuhara.NormalizeKana(q), kasuhara.NormalizePhone(q), kasuhara.NormalizeCustomerEmail(q), kasuhara.NormalizeMember(q)
		cond := `(name_norm LIKE ? ESCAPE '\' OR kana_norm LIKE ? ESCAPE '\' OR email_norm = ? OR member_norm = ?`
		args := []any{"%" + escapeLike(name) + "%", "%" + escapeLike(kana) + "%", email, member}
		if len(phone) >= 3 {
			cond += " OR phone_norm = ?"
			args = append(args, phone)
		}
		w.add(cond+")", args...)
	}
	var total int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers"+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	if f.Cursor > 0 {
		w.add("id < ?", f.Cursor)
	}
	limit := clampLimit(f.Limit)
	out, err := scanCustomers(db.read.QueryContext(ctx, "SELECT "+customerColumns+" FROM customers"+w.sql()+" ORDER BY id DESC LIMIT "+strconv.Itoa(limit), w.args...))
	return out, total, err
}

func clampLimit(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}

// CustomerActivity implements kasuhara.CustomerService.
func (db *DB) CustomerActivity(ctx context.Context, orgID, customerID int64, since time.Time) (kasuhara.CustomerActivity, error) {
	var a kasuhara.CustomerActivity
	var d1, d2 int
	if err := db.read.QueryRowContext(ctx, db.q("customer-case-activity"), customerID, micro(since)).Scan(&a.Cases, &d1); err != nil {
		return a, mapErr(err)
	}
	if err := db.read.QueryRowContext(ctx, db.q("customer-contact-activity"), customerID, micro(since)).Scan(&a.Contacts, &d2); err != nil {
		return a, mapErr(err)
	}
	err := db.read.QueryRowContext(ctx, db.q("customer-departments"), customerID, micro(since)).Scan(&a.Departments)
	return a, mapErr(err)
}

// CreateContact implements kasuhara.CustomerService.
func (db *DB) CreateContact(ctx context.Context, c *kasuhara.Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	now := db.Now()
	err := db.write.QueryRowContext(ctx, db.q("contact-insert"), c.OrgID, optInt(c.CaseID), optInt(c.CustomerID), optInt(c.DepartmentID),
		c.Channel, micro(c.At), c.Minutes, c.StaffCount, c.StaffNames, c.Summary, c.RecordedBy, micro(now)).Scan(&c.ID)
	if err != nil {
		return mapErr(err)
	}
	c.CreatedAt = now
	return nil
}

// ListContacts implements kasuhara.CustomerService.
func (db *DB) ListContacts(ctx context.Context, orgID, caseID, customerID int64) ([]*kasuhara.Contact, error) {
	var rows *sql.Rows
	var err error
	if caseID > 0 {
		rows, err = db.read.QueryContext(ctx, db.q("contacts-of-case"), orgID, caseID)
	} else {
		rows, err = db.read.QueryContext(ctx, db.q("contacts-of-customer"), orgID, customerID)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Contact{}
	for rows.Next() {
		var c kasuhara.Contact
		var cs, cu, dep sql.NullInt64
		var at, created int64
		if err := rows.Scan(&c.ID, &c.OrgID, &cs, &cu, &dep, &c.Channel, &at, &c.Minutes, &c.StaffCount, &c.StaffNames, &c.Summary, &c.RecordedBy, &created); err != nil {
			return nil, mapErr(err)
		}
		c.CaseID, c.CustomerID, c.DepartmentID = fromOptInt(cs), fromOptInt(cu), fromOptInt(dep)
		c.At, c.CreatedAt = fromMicro(at), fromMicro(created)
		out = append(out, &c)
	}
	return out, mapErr(rows.Err())
}

func scanRestriction(s scanner) (*kasuhara.Restriction, error) {
	var r kasuhara.Restriction
	var caseID, liftedBy, end, review, lifted sql.NullInt64
	var channels string
	var start, created int64
	if err := s.Scan(&r.ID, &r.OrgID, &r.CustomerID, &caseID, &r.Kind, &channels, &r.SanctionID, &r.SanctionText, &r.Reason,
		&r.ApproverID, &r.ApproverName, &r.ApproverRole, &start, &end, &review, &lifted, &liftedBy, &r.LiftReason, &r.PolicyVersion, &created); err != nil {
		return nil, mapErr(err)
	}
	r.CaseID, r.LiftedBy = fromOptInt(caseID), fromOptInt(liftedBy)
	r.Start, r.CreatedAt = fromMicro(start), fromMicro(created)
	r.End, r.ReviewAt, r.LiftedAt = fromOptMicro(end), fromOptMicro(review), fromOptMicro(lifted)
	r.Channels = splitList(channels)
	return &r, nil
}

// CreateRestriction implements kasuhara.CustomerService.
func (db *DB) CreateRestriction(ctx context.Context, r *kasuhara.Restriction) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := db.Now()
	err := db.write.QueryRowContext(ctx, db.q("restriction-insert"), r.OrgID, r.CustomerID, optInt(r.CaseID), r.Kind, joinList(r.Channels),
		r.SanctionID, r.SanctionText, r.Reason, r.ApproverID, r.ApproverName, r.ApproverRole, micro(r.Start), optMicro(r.End),
		optMicro(r.ReviewAt), r.PolicyVersion, micro(now)).Scan(&r.ID)
	if err != nil {
		return mapErr(err)
	}
	r.CreatedAt = now
	return nil
}

// LiftRestriction implements kasuhara.CustomerService.
func (db *DB) LiftRestriction(ctx context.Context, orgID, id, by int64, reason string, at time.Time) (*kasuhara.Restriction, error) {
	var out *kasuhara.Restriction
	err := db.InTx(ctx, func(tx *DB) error {
		r, err := tx.FindRestriction(ctx, orgID, id)
		if err != nil {
			return err
		}
		if r.LiftedAt != nil {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.already_lifted", Message: "the restriction was already lifted"}
		}
		if _, err := tx.write.ExecContext(ctx, db.q("restriction-lift"), orgID, id, micro(at), by, reason); err != nil {
			return mapErr(err)
		}
		r.LiftedAt, r.LiftedBy, r.LiftReason = &at, &by, reason
		out = r
		return nil
	})
	return out, err
}

// FindRestriction implements kasuhara.CustomerService.
func (db *DB) FindRestriction(ctx context.Context, orgID, id int64) (*kasuhara.Restriction, error) {
	return scanRestriction(db.read.QueryRowContext(ctx, db.q("restriction-by-id"), orgID, id))
}

// ListRestrictions implements kasuhara.CustomerService.
func (db *DB) ListRestrictions(ctx context.Context, orgID, customerID int64) ([]*kasuhara.Restriction, error) {
	rows, err := db.read.QueryContext(ctx, db.q("restrictions-of-customer"), orgID, customerID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Restriction{}
	for rows.Next() {
		r, err := scanRestriction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

func joinList(xs []string) string { return strings.Join(xs, ",") }

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// where builds a WHERE clause with numbered placeholders ($1, $2…), which
// both drivers accept, from conditions written with "?".
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' && i < len(args) {
			w.args = append(w.args, args[i])
			i++
			b.WriteString("$" + strconv.Itoa(len(w.args)))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
