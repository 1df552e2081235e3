package demo

import (
	"context"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// loadCare moves the demo's care plans along: the cases that hurt or
// shook staff started their plans when they were reported; here victim care
// is done on every other plan and one plan is finished, so the desk's list
// shows open, overdue and finished care. Plans already moved are left alone.
func loadCare(ctx context.Context, a *app.App) error {
	var orgIDs []int64
	for _, spec := range append([]orgSpec{group}, subsidiaries...) {
		o, err := a.Store.FindOrgBySlug(ctx, spec.slug)
		if err != nil {
			return err
		}
		orgIDs = append(orgIDs, o.ID)
	}
	plans, err := a.Store.ListCarePlans(ctx, kasuhara.CarePlanFilter{OrgIDs: orgIDs, Limit: 500})
	if err != nil {
		return err
	}
	now := a.Now()
	for i, summary := range plans {
		if summary.Done > 0 {
			continue
		}
		pl, err := a.Store.FindCarePlan(ctx, orgIDs, summary.ID)
		if err != nil {
			return err
		}
		switch {
		case i == 0: // finished: every task done
			for _, t := range pl.Tasks {
				done := now.Add(-time.Duration(len(pl.Tasks)-t.Seq+1) * 24 * time.Hour)
				t.DoneAt, t.DoneBy, t.Note = &done, t.OwnerID, "実施済み"
				if err := a.Store.UpdateCareTask(ctx, pl.OrgID, pl.ID, t); err != nil {
					return err
				}
			}
			if err := a.Store.SetCarePlanStatus(ctx, pl.OrgID, pl.ID, "closed", now); err != nil {
				return err
			}
		case i%2 == 1: // victim care done, the interview overdue
			for _, t := range pl.Tasks {
				switch t.Kind {
				case "victim_care":
					done := now.Add(-48 * time.Hour)
					t.DoneAt, t.DoneBy, t.Note = &done, t.OwnerID, "当日中に本人と話し、休憩を取ってもらった"
				case "interview":
					t.DueOn = t.DueOn.AddDate(0, 0, -7)
				default:
					continue
				}
				if err := a.Store.UpdateCareTask(ctx, pl.OrgID, pl.ID, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
