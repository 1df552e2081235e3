package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/policy"
	"github.com/kasuhara/kasuhara/sqlstore"
)

func init() {
	register(&command{name: "bench lookup", summary: "load N customers into a fresh database and measure the front-line lookup (p50/p99)", run: runBenchLookup})
	register(&command{name: "bench cases", summary: "measure case creation per second and the filtered case list at N cases (p99)", run: runBenchCases})
}

// benchDB opens a fresh database for a benchmark: a temporary SQLite file,
// or a new schema on the PostgreSQL server named by url, dropped afterwards.
func benchDB(ctx context.Context, e *env, dbURL string) (*sqlstore.DB, func(), error) {
	cleanup := func() {}
	switch {
	case dbURL == "" || dbURL == "sqlite":
		dir, err := os.MkdirTemp("", "kasuhara-bench-")
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		dbURL = "sqlite:" + filepath.Join(dir, "bench.db")
	case strings.HasPrefix(dbURL, "postgres"):
		b := make([]byte, 4)
		rand.Read(b)
		schema := "bench_" + hex.EncodeToString(b)
		admin, err := sql.Open("pgx", dbURL)
		if err != nil {
			return nil, nil, err
		}
		if err := sqlstore.SharePostgresExtensions(ctx, admin); err != nil {
			admin.Close()
			return nil, nil, err
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return nil, nil, err
		}
		cleanup = func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }
		u, err := url.Parse(dbURL)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dbURL = u.String()
	}
	db, err := sqlstore.Open(ctx, dbURL, "")
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		cleanup()
		return nil, nil, err
	}
	return db, func() { db.Close(); cleanup() }, nil
}

// benchOrg is an organization with a published policy, a department, a
// supervisor and a staff member.
type benchOrg struct {
	a          *app.App
	org        *kasuhara.Organization
	depts      []int64
	sv, staff  *kasuhara.Principal
	policyID   int64
	policyDoc  *policy.Policy
	policyType []string
}

func newBenchOrg(ctx context.Context, db *sqlstore.DB, presetName string) (*benchOrg, error) {
	b := &benchOrg{a: app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	b.org = &kasuhara.Organization{Slug: "bench", Name: "ベンチ株式会社"}
	if err := db.CreateOrg(ctx, b.org); err != nil {
		return nil, err
	}
	src, err := policy.Preset(presetName)
	if err != nil {
		return nil, err
	}
	eff, _ := app.ParseEffectiveDate("effective_from", "2020-01-01")
	v, err := b.a.PublishPolicy(ctx, nil, app.PolicyPublish{OrgID: b.org.ID, Source: src, EffectiveFrom: eff, ApprovedBy: "取締役会"})
	if err != nil {
		return nil, err
	}
	b.policyID = v.ID
	b.policyDoc, _ = app.ParsedPolicy(v)
	for _, t := range b.policyDoc.Harassment.Types {
		b.policyType = append(b.policyType, t.ID)
	}
	for _, name := range []string{"第一営業部", "第二営業部", "お客様相談室", "新宿店", "梅田店", "通信販売部", "コールセンター", "総務部"} {
		d := &kasuhara.Department{OrgID: b.org.ID, Name: name}
		if err := db.CreateDepartment(ctx, d); err != nil {
			return nil, err
		}
		b.depts = append(b.depts, d.ID)
	}
	mk := func(email string, role kasuhara.Role) (*kasuhara.Principal, error) {
		u := &kasuhara.User{OrgID: b.org.ID, Email: email, Name: email, Roles: []kasuhara.Role{role}, DepartmentID: &b.depts[0], PasswordHash: "-"}
		if err := db.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		return b.a.Principal(ctx, u)
	}
	if b.sv, err = mk("sv@bench.example.jp", kasuhara.RoleSupervisor); err != nil {
		return nil, err
	}
	b.staff, err = mk("staff@bench.example.jp", kasuhara.RoleStaff)
	return b, err
}

// latencies summarizes durations.
type latencies []time.Duration

func (l latencies) String() string {
	if len(l) == 0 {
		return "no samples"
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	p := func(q float64) time.Duration { return l[min(len(l)-1, int(q*float64(len(l))))].Round(time.Microsecond) }
	return fmt.Sprintf("n=%d p50 %s p90 %s p99 %s max %s", len(l), p(0.50), p(0.90), p(0.99), l[len(l)-1].Round(time.Microsecond))
}

func benchPhone(i int) string { return fmt.Sprintf("090%08d", i) }

func runBenchLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench lookup", "Load N customers (bulk insert in one transaction with a prepared statement) into a fresh database,\nrestrict 1 in 1,000, then time app.Lookup — what GET /api/v1/customers/lookup runs — by phone\n(in varied spellings), email and member number, hits and misses; print p50/p99.", "")
	dbURL := fs.String("database", "", "postgres://… for PostgreSQL (a temporary schema is used); empty for a temporary SQLite file")
	n := fs.Int("n", 1_000_000, "customers to load")
	lookups := fs.Int("lookups", 20000, "lookups to time")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, done, err := benchDB(ctx, e, *dbURL)
	if err != nil {
		return err
	}
	defer done()
	b, err := newBenchOrg(ctx, db, "tokyo-ishi-kyodo-2025")
	if err != nil {
		return err
	}
	t0 := time.Now()
	err = db.BulkCustomers(ctx, *n, func(i int) *kasuhara.Customer {
		return &kasuhara.Customer{OrgID: b.org.ID, Name: fmt.Sprintf("顧客 %d", i), Kana: "こきゃく", Phone: benchPhone(i),
			Email: fmt.Sprintf("c%d@example.jp", i), MemberNo: fmt.Sprintf("M%07d", i)}
	})
	if err != nil {
		return err
	}
	load := time.Since(t0)
	fmt.Fprintf(e.stdout, "%s: loaded %d customers in %s (%.0f rows/s)\n", db.Dialect, *n, load.Round(time.Millisecond), float64(*n)/load.Seconds())
	restricted := 0
	for i := 0; i < *n; i += 1000 {
		ms, err := db.MatchCustomers(ctx, b.org.ID, kasuhara.CustomerKeys{Phone: benchPhone(i)})
		if err != nil || len(ms) != 1 {
			return fmt.Errorf("customer %d not found: %v", i, err)
		}
		if _, err := b.a.Restrict(ctx, b.sv, app.RestrictionInput{OrgID: b.org.ID, CustomerID: ms[0].ID, Kind: kasuhara.RestrictRefuseCalls,
			SanctionID: "refusal", Reason: "ベンチマーク"}); err != nil {
			return err
		}
		restricted++
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	var lat latencies
	hits := 0
	for k := 0; k < *lookups+500; k++ {
		i := rng.IntN(*n + *n/10) // about 9% misses
		var q app.LookupQuery
		switch k % 4 {
		case 0:
			q.Phone = benchPhone(i)
		case 1:
			q.Phone = "+81 90-" + benchPhone(i)[3:7] + "-" + benchPhone(i)[7:]
		case 2:
			q.Email = fmt.Sprintf("C%d@Example.JP", i)
		case 3:
			q.Member = fmt.Sprintf("m-%07d", i)
		}
		if i%1000 == 0 {
			q.Phone, q.Email, q.Member = benchPhone(i), "", ""
		}
		q.OrgID = b.org.ID
		start := time.Now()
		res, err := b.a.Lookup(ctx, b.staff, q)
		d := time.Since(start)
		if err != nil {
			return err
		}
		if (i%1000 == 0 && i < *n) != res.Restricted {
			return fmt.Errorf("lookup %+v: restricted %v", q, res.Restricted)
		}
		if k >= 500 { // the first 500 warm the caches
			lat = append(lat, d)
			if res.Known {
				hits++
			}
		}
	}
	fmt.Fprintf(e.stdout, "%s: customer lookup at %d customers (%d restricted), %d lookups (%d hits): %s\n", db.Dialect, *n, restricted, len(lat), hits, lat)
	return nil
}

var benchChannels = []string{"face_to_face", "phone", "phone", "phone", "email", "letter", "chat", "sns", "visit"}

func runBenchCases(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench cases", "In a fresh database: time app.ReportCase (the quick report: judgement, customer matching,\nnotifications and audit in one transaction) sequentially and with C writers; then bulk-load N cases\nand time the filtered case list (store query with total, and the app call that also audits the read).", "")
	dbURL := fs.String("database", "", "postgres://… for PostgreSQL (a temporary schema is used); empty for a temporary SQLite file")
	n := fs.Int("n", 1_000_000, "cases to bulk-load for the list benchmark")
	creates := fs.Int("creates", 2000, "quick reports to time")
	conc := fs.Int("c", 8, "concurrent writers for the second creation run")
	reps := fs.Int("reps", 30, "repetitions of each list filter")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, done, err := benchDB(ctx, e, *dbURL)
	if err != nil {
		return err
	}
	defer done()
	b, err := newBenchOrg(ctx, db, "lall-hokenshi-2022")
	if err != nil {
		return err
	}
	now := time.Now()
	report := func(i int) error {
		_, err := b.a.ReportCase(ctx, b.staff, app.CaseReport{Channel: benchChannels[i%len(benchChannels)], OccurredAt: now.Add(-time.Duration(i) * time.Minute),
			Place: "新宿店", CustomerPhone: benchPhone(i % 500), Demand: "返金しろ", Narrative: "大声で怒鳴り続けた。「誠意を見せろ」と繰り返した。",
			Types: []string{b.policyType[i%len(b.policyType)]}, StaffCount: 1})
		return err
	}
	var lat latencies
	t0 := time.Now()
	for i := 0; i < *creates; i++ {
		s := time.Now()
		if err := report(i); err != nil {
			return err
		}
		lat = append(lat, time.Since(s))
	}
	el := time.Since(t0)
	fmt.Fprintf(e.stdout, "%s: case creation, 1 writer: %.0f cases/s (%s)\n", db.Dialect, float64(*creates)/el.Seconds(), lat)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	t0 = time.Now()
	per := *creates / *conc
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if err := report(*creates + w*per + i); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	el = time.Since(t0)
	fmt.Fprintf(e.stdout, "%s: case creation, %d writers: %.0f cases/s\n", db.Dialect, *conc, float64(per**conc)/el.Seconds())

	states := kasuhara.CaseStates
	t0 = time.Now()
	base := now.AddDate(-3, 0, 0)
	span := now.Sub(base)
	err = db.BulkCases(ctx, *n, func(i int) *kasuhara.Case {
		r := mrand.New(mrand.NewPCG(uint64(i), 7))
		c := &kasuhara.Case{OrgID: b.org.ID, State: states[r.IntN(len(states))], Channel: benchChannels[r.IntN(len(benchChannels))],
			OccurredAt: base.Add(time.Duration(r.Int64N(int64(span)))), Place: "店舗", DepartmentID: &b.depts[r.IntN(len(b.depts))],
			Demand: "返金と謝罪を要求", Narrative: fmt.Sprintf("事案 %d: 大声で怒鳴り、担当者の名前をSNSに書くと言った", i),
			Types: []string{b.policyType[r.IntN(len(b.policyType))]}, StaffCount: 1 + r.IntN(2), ReporterID: b.staff.User.ID, PolicyVersionID: b.policyID}
		if r.IntN(3) == 0 {
			c.AssigneeID = &b.sv.User.ID
			due := c.OccurredAt.Add(72 * time.Hour)
			c.DueAt = &due
		}
		if i%50000 == 0 {
			c.Narrative += " 土下座しろと要求"
		}
		return c
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: bulk-loaded %d cases in %s\n", db.Dialect, *n, time.Since(t0).Round(time.Millisecond))
	from, to := now.AddDate(0, -1, 0), now
	dept := b.depts[3]
	filters := []struct {
		name string
		f    kasuhara.CaseFilter
	}{
		{"newest page", kasuhara.CaseFilter{}},
		{"state=assessment", kasuhara.CaseFilter{State: kasuhara.StateAssessment}},
		{"channel=email + last month", kasuhara.CaseFilter{Channel: "email", From: &from, To: &to}},
		{"type", kasuhara.CaseFilter{Type: b.policyType[2]}},
		{"department + state", kasuhara.CaseFilter{DepartmentID: &dept, State: kasuhara.StateResponse}},
		{"assignee + overdue", kasuhara.CaseFilter{AssigneeID: &b.sv.User.ID, Overdue: true}},
		{"search 土下座", kasuhara.CaseFilter{Query: "土下座"}},
		// A word in every case: the search index finds a million rows.
		{"search 怒鳴り (all match)", kasuhara.CaseFilter{Query: "怒鳴り"}},
		// Two characters are below the trigram length.
		{"search 土下 (2 chars)", kasuhara.CaseFilter{Query: "土下"}},
	}
	var all, allApp latencies
	for _, f := range filters {
		var l latencies
		var total int
		for r := 0; r < *reps; r++ {
			ff := f.f
			ff.OrgIDs, ff.Now, ff.Limit = []int64{b.org.ID}, now, 50
			s := time.Now()
			page, err := db.ListCases(ctx, ff)
			if err != nil {
				return err
			}
			l = append(l, time.Since(s))
			total = page.Total
			s = time.Now()
			if _, err := b.a.Cases(ctx, b.sv, f.f); err != nil {
				return err
			}
			allApp = append(allApp, time.Since(s))
		}
		all = append(all, l...)
		fmt.Fprintf(e.stdout, "%s:   list %-28s total %7d  %s\n", db.Dialect, f.name, total, l)
	}
	fmt.Fprintf(e.stdout, "%s: case list with filters at %d cases, store (query + total): %s\n", db.Dialect, *n+*creates*2, all)
	fmt.Fprintf(e.stdout, "%s: case list with filters at %d cases, app (adds the audited read): %s\n", db.Dialect, *n+*creates*2, allApp)
	return nil
}
