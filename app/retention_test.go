package app_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// retentionPolicy is the MHLW preset with periods for recordings (30 days)
// and closed cases (1 year).
func retentionPolicy(t *testing.T) []byte {
	src := string(preset(t, "mhlw-2022"))
	old := "    - {kind: call_recording, open: true, note: 保存期間は事業者が定めます。}"
	if !strings.Contains(src, old) {
		t.Fatal("preset changed: no call_recording retention line")
	}
	return []byte(strings.Replace(src, old, "    - {kind: call_recording, period: 30d}\n    - {kind: case, period: 1y}\n    - {kind: consultation, period: 1y}", 1))
}

func TestRetention_RemovesWhatPassedItsPeriodExceptUnderLegalHoldAndLogsIt(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		db.Now = func() time.Time { return e.now }
		ctx := context.Background()
		if _, err := e.a.PublishPolicy(ctx, nil, app.PolicyPublish{OrgID: e.org.ID, Source: retentionPolicy(t), EffectiveFrom: e.now.Add(time.Minute), ApprovedBy: "取締役会"}); err != nil {
			t.Fatal(err, app.LintDiagnostics(err))
		}
		e.now = e.now.Add(time.Hour)
		held, free := e.report("phone", "violence"), e.report("phone", "threat")
		for _, c := range []*kasuhara.Case{held, free} {
			if _, err := e.a.AddAttachment(ctx, e.staff, c.ID, app.AttachmentInput{Name: "call.mp3", ContentType: "audio/mpeg", Data: []byte("ID3 audio")}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.a.AddAttachment(ctx, e.staff, c.ID, app.AttachmentInput{Name: "memo.txt", ContentType: "text/plain", Data: []byte("memo")}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.a.SetLegalHold(ctx, e.sv, held.ID, true, "訴訟"); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("a supervisor sets a hold: %v", err)
		}
		if err := e.a.SetLegalHold(ctx, e.exec, held.ID, true, " "); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("hold without reason: %v", err)
		}
		if err := e.a.SetLegalHold(ctx, e.exec, held.ID, true, "損害賠償請求訴訟の証拠"); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(31 * 24 * time.Hour)
		dry, err := e.a.RunRetention(ctx, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		var rec *app.RetentionResult
		for i := range dry {
			if dry[i].OrgID == e.org.ID && dry[i].Kind == "call_recording" {
				rec = &dry[i]
			}
		}
		if rec == nil || len(rec.IDs) != 1 || rec.Removed != 0 {
			t.Fatalf("dry run: %+v", dry)
		}
		if len(auditOf(t, db, "retention.")) != 0 {
			t.Error("a dry run wrote to the audit trail")
		}
		if _, err := e.a.RunRetention(ctx, e.sv, false); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("a supervisor runs retention: %v", err)
		}
		if _, err := e.a.RunRetention(ctx, nil, false); err != nil {
			t.Fatal(err)
		}
		// The free case's recording is emptied; the memo (no period) and the held case's recording stay.
		for _, c := range []*kasuhara.Case{held, free} {
			as, err := db.ListAttachments(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range as {
				full, err := db.FindAttachment(ctx, c.ID, at.ID)
				if err != nil {
					t.Fatal(err)
				}
				gone := c.ID == free.ID && at.ContentType == "audio/mpeg"
				if gone != (len(full.Data) == 0) || full.SHA256 == "" || full.Size == 0 {
					t.Errorf("case %d %s: %d bytes left, hash %q", c.ID, at.Name, len(full.Data), full.SHA256)
				}
			}
		}
		log := auditOf(t, db, "retention.purge")
		if len(log) != 1 {
			t.Fatalf("%d purge entries, want 1", len(log))
		}
		var detail struct {
			Kind  string  `json:"kind"`
			Count int     `json:"count"`
			IDs   []int64 `json:"ids"`
		}
		json.Unmarshal(log[0].Detail, &detail)
		if detail.Kind != "call_recording" || detail.Count != 1 || len(detail.IDs) != 1 {
			t.Errorf("purge entry: %s", log[0].Detail)
		}
		// A second run finds nothing more.
		again, _ := e.a.RunRetention(ctx, nil, false)
		for _, r := range again {
			if r.Removed != 0 {
				t.Errorf("second run removed %+v", r)
			}
		}
		// Attachments stay immutable otherwise.
		if err := db.ExecForTest("UPDATE attachments SET name = 'x' WHERE case_id = " + strconv.FormatInt(held.ID, 10)); err == nil {
			t.Error("an attachment could be renamed")
		}
	})
}

func TestPrivacy_ExportGathersOnePersonsDataForAdminsAndAuditorsOnly(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		ctx := context.Background()
		c := e.report("phone", "violence")
		if _, err := e.a.SubmitConsultation(ctx, e.staff, app.ConsultationInput{Topic: "incident", Body: "怒鳴られてつらかった"}); err != nil {
			t.Fatal(err)
		}
		d, err := e.a.PrivacyExport(ctx, e.auditor, app.PrivacyRequest{Email: "STAFF@example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		if d.User == nil || len(d.CasesReported) != 1 || len(d.Consultations) != 1 || len(d.AuditEntries) == 0 {
			t.Errorf("staff export: user %v, %d cases, %d consultations, %d audit entries", d.User != nil, len(d.CasesReported), len(d.Consultations), len(d.AuditEntries))
		}
		b, _ := json.Marshal(d)
		if strings.Contains(string(b), "argon2") || strings.Contains(string(b), "password") {
			t.Error("export carries a password hash")
		}
		cd, err := e.a.PrivacyExport(ctx, e.admin, app.PrivacyRequest{CustomerID: *c.CustomerID})
		if err != nil || cd.Customer == nil || len(cd.Cases) != 1 || len(cd.Contacts) == 0 {
			t.Fatalf("customer export: %+v %v", cd, err)
		}
		if len(auditOf(t, db, "privacy.export")) != 2 {
			t.Error("exports are not audited")
		}
		if _, err := e.a.PrivacyExport(ctx, e.sv, app.PrivacyRequest{Email: "staff@example.jp"}); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("supervisor: %v", err)
		}
		if _, err := e.a.PrivacyExport(ctx, e.auditor, app.PrivacyRequest{Email: "other@example.jp"}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organization's person: %v", err)
		}
		if _, err := e.a.PrivacyExport(ctx, e.auditor, app.PrivacyRequest{}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("no subject: %v", err)
		}
	})
}
