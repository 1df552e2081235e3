package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
)

var _ kasuhara.CaseService = (*DB)(nil)

const caseColumns = `id, org_id, state, channel, occurred_at, place, department_id, customer_id, customer_known, demand, narrative,
    types, codes, staff_involved, staff_count, staff_injured, wants_to_talk, staff_condition, recorded, recording_consent, urgent,
    reporter_id, assignee_id, due_at, policy_version_id, demand_validity, demand_assessment, means_appropriate, assessed_by,
    assessed_by_name, assessed_at, harassment, judgement, response, escalation, report_filed, reopen_reason, closed_at,
    created_at, updated_at, revision`

func scanCase(s scanner) (*kasuhara.Case, error) {
	var c kasuhara.Case
	var dept, cust, assignee, assessedBy, due, assessedAt, closed sql.NullInt64
	var means, harassment sql.NullBool
	var types, codes, judgement, escalation string
	var occurred, created, updated int64
	if err := s.Scan(&c.ID, &c.OrgID, &c.State, &c.Channel, &occurred, &c.Place, &dept, &cust, &c.CustomerKnown, &c.Demand, &c.Narrative,
		&types, &codes, &c.StaffInvolved, &c.StaffCount, &c.StaffInjured, &c.WantsToTalk, &c.StaffCondition, &c.Recorded, &c.RecordingConsent, &c.Urgent,
		&c.ReporterID, &assignee, &due, &c.PolicyVersionID, &c.DemandValidity, &c.DemandAssessment, &means, &assessedBy,
		&c.AssessedByName, &assessedAt, &harassment, &judgement, &c.Response, &escalation, &c.ReportFiled, &c.ReopenReason, &closed,
		&created, &updated, &c.Revision); err != nil {
		return nil, mapErr(err)
	}
	c.OccurredAt, c.CreatedAt, c.UpdatedAt = fromMicro(occurred), fromMicro(created), fromMicro(updated)
	c.DepartmentID, c.CustomerID, c.AssigneeID, c.AssessedBy = fromOptInt(dept), fromOptInt(cust), fromOptInt(assignee), fromOptInt(assessedBy)
	c.DueAt, c.AssessedAt, c.ClosedAt = fromOptMicro(due), fromOptMicro(assessedAt), fromOptMicro(closed)
	if means.Valid {
		c.MeansAppropriate = &means.Bool
	}
	if harassment.Valid {
		c.Harassment = &harassment.Bool
	}
	c.Types = splitList(types)
	for _, x := range splitList(codes) {
		c.Codes = append(c.Codes, kasuhara.BehaviourCode(x))
	}
	if judgement != "" {
		c.Judgement = json.RawMessage(judgement)
	}
	if escalation != "" {
		if err := json.Unmarshal([]byte(escalation), &c.Escalation); err != nil {
			return nil, mapErr(fmt.Errorf("case %d escalation: %w", c.ID, err))
		}
	}
	return &c, nil
}

// listField stores a list with surrounding commas (",a,b,") so that one
// element can be matched with LIKE '%,a,%'.
func listField(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return "," + strings.Join(xs, ",") + ","
}

func codeField(cs []kasuhara.BehaviourCode) string {
	xs := make([]string, len(cs))
	for i, c := range cs {
		xs[i] = string(c)
	}
	return listField(xs)
}

func optBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func searchText(c *kasuhara.Case) string {
	return kasuhara.NormalizeSearch(strings.Join([]string{c.Place, c.CustomerKnown, c.Demand, c.Narrative, c.StaffInvolved,
		c.DemandAssessment, c.Response, c.StaffCondition}, "\n"))
}

func escalationJSON(e kasuhara.CaseEscalation) string {
	b, _ := json.Marshal(e)
	return string(b)
}

func (db *DB) writeCaseTypes(ctx context.Context, c *kasuhara.Case) error {
	if _, err := db.write.ExecContext(ctx, db.q("case-types-delete"), c.ID); err != nil {
		return mapErr(err)
	}
	seen := map[string]bool{}
	for _, t := range c.Types {
		if seen[t] {
			continue
		}
		seen[t] = true
		if _, err := db.write.ExecContext(ctx, db.q("case-type-insert"), c.ID, c.OrgID, t); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// CreateCase implements kasuhara.CaseService.
func (db *DB) CreateCase(ctx context.Context, c *kasuhara.Case) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		err := tx.write.QueryRowContext(ctx, db.q("case-insert"), c.OrgID, c.State, c.Channel, micro(c.OccurredAt), c.Place, optInt(c.DepartmentID),
			optInt(c.CustomerID), c.CustomerKnown, c.Demand, c.Narrative, listField(c.Types), codeField(c.Codes), c.StaffInvolved, c.StaffCount,
			c.StaffInjured, c.WantsToTalk, c.StaffCondition, c.Recorded, c.RecordingConsent, c.Urgent, c.ReporterID, optInt(c.AssigneeID),
			optMicro(c.DueAt), c.PolicyVersionID, c.DemandValidity, c.DemandAssessment, optBool(c.MeansAppropriate), optInt(c.AssessedBy),
			c.AssessedByName, optMicro(c.AssessedAt), optBool(c.Harassment), string(c.Judgement), c.Response, escalationJSON(c.Escalation),
			optMicro(c.Escalation.PoliceAt), c.ReportFiled, c.ReopenReason, optMicro(c.ClosedAt), micro(now), searchText(c)).Scan(&c.ID)
		if err != nil {
			return mapErr(err)
		}
		c.CreatedAt, c.UpdatedAt, c.Revision = now, now, 1
		return tx.writeCaseTypes(ctx, c)
	})
}

// UpdateCase implements kasuhara.CaseService.
func (db *DB) UpdateCase(ctx context.Context, c *kasuhara.Case) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *DB) error {
		now := db.Now()
		res, err := tx.write.ExecContext(ctx, db.q("case-update"), c.OrgID, c.ID, c.State, c.Channel, micro(c.OccurredAt), c.Place,
			optInt(c.DepartmentID), optInt(c.CustomerID), c.CustomerKnown, c.Demand, c.Narrative, listField(c.Types), codeField(c.Codes),
			c.StaffInvolved, c.StaffCount, c.StaffInjured, c.WantsToTalk, c.StaffCondition, c.Recorded, c.RecordingConsent, c.Urgent,
			optInt(c.AssigneeID), optMicro(c.DueAt), c.DemandValidity, c.DemandAssessment, optBool(c.MeansAppropriate), optInt(c.AssessedBy),
			c.AssessedByName, optMicro(c.AssessedAt), optBool(c.Harassment), string(c.Judgement), c.Response, escalationJSON(c.Escalation),
			optMicro(c.Escalation.PoliceAt), c.ReportFiled, c.ReopenReason, optMicro(c.ClosedAt), micro(now), searchText(c), c.Revision)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.FindCase(ctx, []int64{c.OrgID}, c.ID); err != nil {
				return err
			}
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.stale", Message: "the case was changed by someone else; reload it"}
		}
		c.Revision++
		c.UpdatedAt = now
		return tx.writeCaseTypes(ctx, c)
	})
}

// FindCase implements kasuhara.CaseService.
func (db *DB) FindCase(ctx context.Context, orgIDs []int64, id int64) (*kasuhara.Case, error) {
	c, err := scanCase(db.read.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases WHERE id = $1", id))
	if err != nil {
		return nil, err
	}
	for _, o := range orgIDs {
		if o == c.OrgID {
			return c, nil
		}
	}
	return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
}

// caseWhere turns a filter into conditions, without the cursor. useIndex
// lets SQLite's full-text index answer the search words (see searchWhere).
func (db *DB) caseWhere(f kasuhara.CaseFilter, useIndex bool) *where {
	w := &where{}
	switch len(f.OrgIDs) {
	case 0:
		w.add("1 = 0")
	case 1:
		w.add("org_id = ?", f.OrgIDs[0])
	default:
		ph := make([]string, len(f.OrgIDs))
		args := make([]any, len(f.OrgIDs))
		for i, o := range f.OrgIDs {
			ph[i], args[i] = "?", o
		}
		w.add("org_id IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if f.Channel != "" {
		w.add("channel = ?", f.Channel)
	}
	if f.DepartmentID != nil {
		w.add("department_id = ?", *f.DepartmentID)
	}
	if f.CustomerID != nil {
		w.add("customer_id = ?", *f.CustomerID)
	}
	if f.AssigneeID != nil {
		w.add("assignee_id = ?", *f.AssigneeID)
	}
	if f.InvolvedUserID != nil {
		w.add("(reporter_id = ? OR assignee_id = ?)", *f.InvolvedUserID, *f.InvolvedUserID)
	}
	if f.From != nil {
		w.add("occurred_at >= ?", micro(*f.From))
	}
	if f.To != nil {
		w.add("occurred_at < ?", micro(*f.To))
	}
	if f.Overdue {
		// No "due_at IS NOT NULL": the comparison already excludes NULL,
		// and SQLite's planner reads the two terms as a narrow two-sided
		// range on due_at, preferring a due-date index and sorting every
		// overdue case over walking an assignee's open cases in order.
		w.add("due_at < ? AND state <> 'closed'", micro(f.Now))
	}
	if f.Type != "" {
		// The type index leads with org_id; repeating the organization
		// condition inside lets the subquery use it.
		if len(f.OrgIDs) == 1 {
			w.add("id IN (SELECT case_id FROM case_types WHERE org_id = ? AND type_id = ?)", f.OrgIDs[0], f.Type)
		} else {
			w.add("id IN (SELECT case_id FROM case_types WHERE type_id = ?)", f.Type)
		}
	}
	if f.Code != "" {
		w.add(`codes LIKE ? ESCAPE '\'`, "%,"+escapeLike(string(f.Code))+",%")
	}
	if q := kasuhara.NormalizeSearch(f.Query); q != "" {
		db.searchWhere(w, strings.Fields(q), useIndex)
	}
	return w
}

// searchWhere adds a substring match on the normalized text for each word.
// On PostgreSQL that is a LIKE the pg_trgm index answers (migrations 003 and
// 009), and its planner weighs the index against the others. On SQLite, with
// useIndex, words of three characters or more go to the FTS5 trigram index
// (migration 009) as one query of quoted phrases, which a trigram index
// matches as substrings of the same normalized text; words of one or two
// characters stay LIKE over search_norm, because a trigram index cannot
// match anything shorter than a trigram. As a further condition of a query
// the index drives, such a LIKE only reads the rows the index found.
func (db *DB) searchWhere(w *where, words []string, useIndex bool) {
	if match := ftsQuery(words); db.Dialect == SQLite && useIndex && match != "" {
		w.add("id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)", match)
		words = shortWords(words)
	}
	for _, word := range words {
		w.add(`search_norm LIKE ? ESCAPE '\'`, "%"+escapeLike(word)+"%")
	}
}

// ftsQuery is the FTS5 query for the words a trigram index can match: each
// a quoted phrase, all required. Empty when every word is shorter.
func ftsQuery(words []string) string {
	var phrases []string
	for _, word := range words {
		if utf8.RuneCountInString(word) >= 3 {
			phrases = append(phrases, `"`+strings.ReplaceAll(word, `"`, `""`)+`"`)
		}
	}
	return strings.Join(phrases, " ")
}

func shortWords(words []string) []string {
	var out []string
	for _, word := range words {
		if utf8.RuneCountInString(word) < 3 {
			out = append(out, word)
		}
	}
	return out
}

// How SQLite answers a search depends on how common its words are, which a
// capped count of the full-text matches (well under 10 ms) tells. Few matches
// (up to ftsPageMax): the index drives both the page and the count. More: a
// page is filled sooner by walking the cases newest first and testing each
// with LIKE (at a million cases, a word in every case takes 3 s from the
// index, under a millisecond by the walk), while the count still reads the
// index's matches (up to ftsCountMax) rather than scanning the table for a
// word in one case of a hundred. Beyond that the word is so common that the
// walk reaches the count's cap early.
const (
	ftsPageMax  = 5000
	ftsCountMax = 50000
)

// searchPlan reports whether the page and the count of f should start from
// the full-text index.
func (db *DB) searchPlan(ctx context.Context, f kasuhara.CaseFilter) (page, count bool, err error) {
	match := ftsQuery(strings.Fields(kasuhara.NormalizeSearch(f.Query)))
	if db.Dialect != SQLite || match == "" {
		return false, false, nil
	}
	var n int
	err = db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM cases_fts WHERE cases_fts MATCH $1 LIMIT "+strconv.Itoa(ftsCountMax+1)+") AS matching",
		match).Scan(&n)
	if err != nil {
		return false, false, mapErr(err)
	}
	return n <= ftsPageMax, n <= ftsCountMax, nil
}

// ListCases implements kasuhara.CaseService. Pages are keyset-paginated on
// (occurred_at, id), newest first, so deep pages cost what the first does.
func (db *DB) ListCases(ctx context.Context, f kasuhara.CaseFilter) (*kasuhara.CasePage, error) {
	page := &kasuhara.CasePage{Items: []*kasuhara.Case{}}
	pageIndex, countIndex, err := db.searchPlan(ctx, f)
	if err != nil {
		return nil, err
	}
	// Counting every match of a broad filter costs more than the page
	// itself at a million cases, and nobody reads past "10,000 or more".
	w := db.caseWhere(f, countIndex)
	err = db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM cases"+w.sql()+" LIMIT "+strconv.Itoa(kasuhara.CaseTotalCap+1)+") AS matching",
		w.args...).Scan(&page.Total)
	if err != nil {
		return nil, mapErr(err)
	}
	if page.Total > kasuhara.CaseTotalCap {
		page.Total, page.TotalCapped = kasuhara.CaseTotalCap, true
	}
	w = db.caseWhere(f, pageIndex)
	if f.Cursor != "" {
		at, id, err := parseCaseCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		w.add("(occurred_at < ? OR (occurred_at = ? AND id < ?))", at, at, id)
	}
	limit := clampLimit(f.Limit)
	rows, err := db.read.QueryContext(ctx, "SELECT "+caseColumns+" FROM cases"+w.sql()+" ORDER BY occurred_at DESC, id DESC LIMIT "+strconv.Itoa(limit+1), w.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = strconv.FormatInt(micro(last.OccurredAt), 10) + "." + strconv.FormatInt(last.ID, 10)
	}
	return page, nil
}

func parseCaseCursor(s string) (int64, int64, error) {
	a, b, ok := strings.Cut(s, ".")
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, kasuhara.FieldError("cursor", "cases.error.cursor")
	}
	return at, id, nil
}

// AddCaseEvent implements kasuhara.CaseService.
func (db *DB) AddCaseEvent(ctx context.Context, e *kasuhara.CaseEvent) error {
	if e.At.IsZero() {
		e.At = db.Now()
	}
	detail := string(e.Detail)
	return mapErr(db.write.QueryRowContext(ctx, db.q("case-event-insert"), e.CaseID, e.Kind, string(e.From), string(e.To), e.ActorID, e.Actor,
		e.Note, detail, micro(e.At)).Scan(&e.ID))
}

// ListCaseEvents implements kasuhara.CaseService.
func (db *DB) ListCaseEvents(ctx context.Context, caseID int64) ([]*kasuhara.CaseEvent, error) {
	rows, err := db.read.QueryContext(ctx, db.q("case-events"), caseID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.CaseEvent{}
	for rows.Next() {
		var e kasuhara.CaseEvent
		var from, to, detail string
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Kind, &from, &to, &e.ActorID, &e.Actor, &e.Note, &detail, &at); err != nil {
			return nil, mapErr(err)
		}
		e.From, e.To, e.At = kasuhara.CaseState(from), kasuhara.CaseState(to), fromMicro(at)
		if detail != "" {
			e.Detail = json.RawMessage(detail)
		}
		out = append(out, &e)
	}
	return out, mapErr(rows.Err())
}

func scanAttachment(s scanner, withData bool) (*kasuhara.Attachment, error) {
	var a kasuhara.Attachment
	var sup sql.NullInt64
	var created int64
	dest := []any{&a.ID, &a.OrgID, &a.CaseID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &sup, &a.Note, &a.UploadedBy, &created}
	if withData {
		dest = append(dest, &a.Data)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	a.Supersedes, a.CreatedAt = fromOptInt(sup), fromMicro(created)
	return &a, nil
}

// CreateAttachment implements kasuhara.CaseService.
func (db *DB) CreateAttachment(ctx context.Context, a *kasuhara.Attachment) error {
	now := db.Now()
	err := db.write.QueryRowContext(ctx, db.q("attachment-insert"), a.OrgID, a.CaseID, a.Name, a.ContentType, a.Size, a.SHA256,
		optInt(a.Supersedes), a.Note, a.UploadedBy, micro(now), a.Data).Scan(&a.ID)
	if err != nil {
		return mapErr(err)
	}
	a.CreatedAt = now
	return nil
}

// FindAttachment implements kasuhara.CaseService.
func (db *DB) FindAttachment(ctx context.Context, caseID, id int64) (*kasuhara.Attachment, error) {
	return scanAttachment(db.read.QueryRowContext(ctx, db.q("attachment-by-id"), caseID, id), true)
}

// ListAttachments implements kasuhara.CaseService.
func (db *DB) ListAttachments(ctx context.Context, caseID int64) ([]*kasuhara.Attachment, error) {
	rows, err := db.read.QueryContext(ctx, db.q("attachments-of-case"), caseID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// CreateNotification implements kasuhara.CaseService.
func (db *DB) CreateNotification(ctx context.Context, n *kasuhara.Notification) error {
	n.CreatedAt = db.Now()
	return mapErr(db.write.QueryRowContext(ctx, db.q("notification-insert"), n.OrgID, n.Kind, optInt(n.CaseID), n.RecipientID, n.Urgent,
		micro(n.CreatedAt)).Scan(&n.ID))
}

// ListNotifications implements kasuhara.CaseService.
func (db *DB) ListNotifications(ctx context.Context, caseID, recipientID int64) ([]*kasuhara.Notification, error) {
	var rows *sql.Rows
	var err error
	if caseID > 0 {
		rows, err = db.read.QueryContext(ctx, db.q("notifications-of-case"), caseID)
	} else {
		rows, err = db.read.QueryContext(ctx, db.q("notifications-of-recipient"), recipientID)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*kasuhara.Notification{}
	for rows.Next() {
		var n kasuhara.Notification
		var cs, delivered sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &n.OrgID, &n.Kind, &cs, &n.RecipientID, &n.Urgent, &created, &delivered); err != nil {
			return nil, mapErr(err)
		}
		n.CaseID, n.CreatedAt, n.DeliveredAt = fromOptInt(cs), fromMicro(created), fromOptMicro(delivered)
		out = append(out, &n)
	}
	return out, mapErr(rows.Err())
}
