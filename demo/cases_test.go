package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestDemo_CasesCoverTheGroupAndLoadOnce(t *testing.T) {
	ctx := context.Background()
	db := sqltest.Open(t, sqlstore.SQLite)
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := 0; i < 2; i++ { // loading again adds nothing
		if _, err := demo.Load(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for _, slug := range []string{"demo", "demo-retail", "demo-call"} {
		o, err := db.FindOrgBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	page, err := db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: ids, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total < 55 || page.Total > 65 {
		t.Errorf("%d demo cases, want about 60", page.Total)
	}
	states, channels, types := map[kasuhara.CaseState]int{}, map[string]int{}, map[string]int{}
	police := 0
	for _, c := range page.Items {
		states[c.State]++
		channels[c.Channel]++
		for _, ty := range c.Types {
			types[ty]++
		}
		if c.Escalation.PoliceStation != "" {
			police++
		}
	}
	if len(states) != len(kasuhara.CaseStates) || len(channels) != len(kasuhara.Channels) || len(types) < 9 || police != 1 {
		t.Errorf("states %v, channels %v, types %v, police %d", states, channels, types, police)
	}
	repeat := 0
	restricted := 0
	for _, org := range ids {
		cs, _, err := db.ListCustomers(ctx, kasuhara.CustomerFilter{OrgID: org, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Repeat {
				repeat++
			}
			rs, _ := db.ListRestrictions(ctx, org, c.ID)
			restricted += len(rs)
		}
	}
	if repeat != 2 || restricted != 1 {
		t.Errorf("%d repeat customers, %d restrictions; want 2 and 1", repeat, restricted)
	}
}
