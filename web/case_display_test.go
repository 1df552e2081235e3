package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
)

func TestCaseDisplay_ShowsTheRecordedMeansAndNoPendingDueDateOnceClosed(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	sv := e.loggedIn("supervisor@demo.example.jp")
	var page struct {
		Items []kasuhara.Case `json:"items"`
	}
	sv.get("/api/v1/cases?limit=200").json(t, &page)
	dues := map[string]bool{}
	var closed, assessed *kasuhara.Case
	for i := range page.Items {
		c := &page.Items[i]
		if c.State == kasuhara.StateClosed && closed == nil {
			closed = c
		}
		if c.MeansAppropriate != nil && !*c.MeansAppropriate && assessed == nil {
			assessed = c
		}
		if c.DueAt != nil && c.State != kasuhara.StateClosed {
			dues[c.DueAt.Sub(c.OccurredAt).Round(1e9*3600).String()] = true
		}
	}
	if closed == nil || assessed == nil {
		t.Fatalf("demo lacks a closed case (%v) or one judged inappropriate in means (%v)", closed, assessed)
	}
	if len(dues) < 3 {
		t.Errorf("open cases' due dates are all alike: %v", dues)
	}
	body := sv.get(fmt.Sprintf("/cases/%d", assessed.ID)).body
	judged := regexp.MustCompile(`<p>判定者: [^<]*</p>`).FindString(body)
	if !strings.Contains(judged, "手段・態様は不相当") || !strings.Contains(body, `value="no" checked`) {
		t.Errorf("case %d judged inappropriate in means shows %q", assessed.ID, judged)
	}
	body = sv.get(fmt.Sprintf("/cases/%d", closed.ID)).body
	if strings.Contains(body, "期限") && !strings.Contains(body, "終結") {
		t.Errorf("closed case %d shows a due date", closed.ID)
	}
	list := sv.get("/cases?state=closed").body
	row := regexp.MustCompile(`(?s)<tr[^>]*>\s*<td><a href="/cases/` + fmt.Sprint(closed.ID) + `">.*?</tr>`).FindString(list)
	if !strings.Contains(row, "終結") || strings.Contains(row, "期限切れ") {
		t.Errorf("closed case row: %s", row)
	}
}
