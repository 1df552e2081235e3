package app

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/report"
)

// EvidenceFormat names the layout of evidence bundles, in their manifest.
const EvidenceFormat = "kasuhara-evidence/1"

// EvidenceFile is one file of an evidence bundle with its size and SHA-256.
type EvidenceFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// EvidenceManifest is manifest.json of an evidence bundle: every other file
// of the ZIP with its size and hash, and who produced it when.
type EvidenceManifest struct {
	Format      string         `json:"format"`
	OrgID       int64          `json:"org_id"`
	Org         string         `json:"org"`
	CaseID      int64          `json:"case_id"`
	GeneratedAt time.Time      `json:"generated_at"`
	GeneratedBy string         `json:"generated_by"`
	Files       []EvidenceFile `json:"files"`
}

// evidenceTimeline is timeline.json: the case and everything that happened to it.
type evidenceTimeline struct {
	Case        *kasuhara.Case           `json:"case"`
	Contacts    []*kasuhara.Contact      `json:"contacts"`
	Events      []*kasuhara.CaseEvent    `json:"events"`
	Attachments []*kasuhara.Attachment   `json:"attachments"`
	Measures    []*kasuhara.CaseMeasure  `json:"measures"`
	Approvals   []*kasuhara.CaseApproval `json:"approvals"`
}

// evidenceAudit is an entry of audit.json. Detail is kept as the exact
// string stored, since the entry's hash covers those bytes and JSON
// re-encoding would reformat an embedded object.
type evidenceAudit struct {
	kasuhara.AuditEntry
	Detail string `json:"detail"`
}

// EvidenceBundle writes the evidence bundle of case id to w as a ZIP
// (case.evidence, on a case p may read): the corrective-action report as
// PDF, the timeline as JSON and CSV, every attachment as stored, the
// case's audit entries with their chain hashes, and manifest.json with the
// size and SHA-256 of each. Producing it is audited, and that entry is in
// the bundle's own audit excerpt. It returns the manifest.
func (a *App) EvidenceBundle(ctx context.Context, p *kasuhara.Principal, id int64, lang string, w io.Writer) (*EvidenceManifest, error) {
	if err := a.evidenceAllowed(ctx, p, id); err != nil {
		return nil, err
	}
	r, err := a.CorrectiveReportOf(ctx, p, id, lang)
	if err != nil {
		return nil, err
	}
	c := r.Case
	var pdf bytes.Buffer
	if err := report.PDF(r.Document, r.GeneratedAt, &pdf); err != nil {
		return nil, kasuhara.Errorf(kasuhara.EINTERNAL, "case %d report: %v", id, err)
	}
	m := &EvidenceManifest{Format: EvidenceFormat, OrgID: c.OrgID, Org: r.Org.Name, CaseID: c.ID, GeneratedAt: r.GeneratedAt, GeneratedBy: p.User.Email}
	var buf bytes.Buffer
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := a.audit(ctx, tx, p, &c.OrgID, "case.evidence", target("case", c.ID), "ok",
			map[string]any{"attachments": len(r.Attachments), "generated_at": r.GeneratedAt}); err != nil {
			return err
		}
		zw := zip.NewWriter(&buf)
		add := func(name string, data []byte, mod time.Time) error {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			m.Files = append(m.Files, EvidenceFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
			return nil
		}
		if err := add("report.pdf", pdf.Bytes(), r.GeneratedAt); err != nil {
			return err
		}
		tl := evidenceTimeline{Case: c, Contacts: r.Contacts, Events: r.Events, Attachments: r.Attachments, Measures: r.Measures, Approvals: r.Approvals}
		b, err := json.MarshalIndent(tl, "", "  ")
		if err != nil {
			return err
		}
		if err := add("timeline.json", b, r.GeneratedAt); err != nil {
			return err
		}
		if err := add("timeline.csv", timelineCSV(r), r.GeneratedAt); err != nil {
			return err
		}
		targets := []string{target("case", c.ID)}
		for _, at := range r.Attachments {
			full, err := tx.FindAttachment(ctx, c.ID, at.ID)
			if err != nil {
				return err
			}
			// The hash taken at upload must still match the bytes: a bundle
			// is never made from an attachment altered in the database.
			if sum := sha256.Sum256(full.Data); hex.EncodeToString(sum[:]) != full.SHA256 {
				return kasuhara.Errorf(kasuhara.EINTERNAL, "attachment %d of case %d no longer matches its SHA-256", at.ID, c.ID)
			}
			if err := add(attachmentPath(full), full.Data, full.CreatedAt); err != nil {
				return err
			}
			targets = append(targets, target("attachment", at.ID))
		}
		entries, err := caseAuditExcerpt(ctx, tx, c.OrgID, targets)
		if err != nil {
			return err
		}
		excerpt := make([]evidenceAudit, len(entries))
		for i, en := range entries {
			excerpt[i] = evidenceAudit{AuditEntry: *en, Detail: string(en.Detail)}
		}
		if b, err = json.MarshalIndent(excerpt, "", "  "); err != nil {
			return err
		}
		if err := add("audit.json", b, r.GeneratedAt); err != nil {
			return err
		}
		if b, err = json.MarshalIndent(m, "", "  "); err != nil {
			return err
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: r.GeneratedAt})
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			return err
		}
		return zw.Close()
	})
	if err != nil {
		return nil, err
	}
	_, err = w.Write(buf.Bytes())
	return m, err
}

// evidenceAllowed checks case.evidence and records a refusal.
func (a *App) evidenceAllowed(ctx context.Context, p *kasuhara.Principal, id int64) error {
	_, err := a.readableCase(ctx, a.Store, p, kasuhara.ActCaseEvidence, id)
	return a.deniedCase(ctx, p, kasuhara.ActCaseEvidence, id, err)
}

// attachmentPath is the attachment's name inside the bundle, prefixed by
// its ID so that two files of one name stay apart.
func attachmentPath(at *kasuhara.Attachment) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, at.Name)
	return "attachments/" + strconv.FormatInt(at.ID, 10) + "-" + strings.TrimLeft(name, ".")
}

// caseAuditExcerpt returns the audit entries of the targets, oldest first.
func caseAuditExcerpt(ctx context.Context, tx kasuhara.Store, orgID int64, targets []string) ([]*kasuhara.AuditEntry, error) {
	var out []*kasuhara.AuditEntry
	f := kasuhara.AuditFilter{OrgIDs: []int64{orgID}, Targets: targets, Limit: 1000}
	for {
		page, err := tx.ListAudit(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeSeq = page[len(page)-1].Seq
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	if out == nil {
		out = []*kasuhara.AuditEntry{}
	}
	return out, nil
}

// timelineCSV lists contacts and case events in time order, UTF-8 with a
// byte-order mark so that Excel opens it.
func timelineCSV(r *CorrectiveReport) []byte {
	type row struct {
		at  time.Time
		rec []string
	}
	var rows []row
	for _, ct := range r.Contacts {
		rows = append(rows, row{ct.At, []string{ct.At.In(JST).Format(time.RFC3339), "contact", ct.Channel, strconv.Itoa(ct.Minutes),
			strconv.Itoa(ct.StaffCount), csvSafe(ct.StaffNames), csvSafe(ct.Summary)}})
	}
	for _, e := range r.Events {
		what := e.Kind
		if e.To != "" {
			what += " " + string(e.From) + "->" + string(e.To)
		}
		rows = append(rows, row{e.At, []string{e.At.In(JST).Format(time.RFC3339), "event:" + what, "", "", "", csvSafe(e.Actor), csvSafe(e.Note)}})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].at.Before(rows[j].at) })
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.Write([]string{"at", "kind", "channel", "minutes", "staff_count", "who", "summary"})
	for _, r := range rows {
		cw.Write(r.rec)
	}
	cw.Flush()
	return b.Bytes()
}

// VerifyEvidence checks an evidence bundle: every file the manifest lists
// is present with its size and SHA-256, no file is present that it does
// not list, and every audit entry's hash recomputes from its content and
// the hash of the entry before it in the trail. It returns the manifest,
// and an error naming the first mismatch.
func VerifyEvidence(zr *zip.Reader) (*EvidenceManifest, error) {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("%s: appears twice in the bundle", f.Name)
		}
		files[f.Name] = f
	}
	mf, ok := files["manifest.json"]
	if !ok {
		return nil, fmt.Errorf("manifest.json: missing")
	}
	var m EvidenceManifest
	if err := readJSON(mf, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if m.Format != EvidenceFormat {
		return nil, fmt.Errorf("manifest.json: format %q, want %q", m.Format, EvidenceFormat)
	}
	listed := map[string]bool{"manifest.json": true}
	for _, want := range m.Files {
		listed[want.Name] = true
		f, ok := files[want.Name]
		if !ok {
			return &m, fmt.Errorf("%s: listed in the manifest but missing", want.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return &m, fmt.Errorf("%s: %w", want.Name, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return &m, fmt.Errorf("%s: %w", want.Name, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 || n != want.Size {
			return &m, fmt.Errorf("%s: SHA-256 %s (%d bytes), manifest says %s (%d bytes)", want.Name, got, n, want.SHA256, want.Size)
		}
	}
	for name := range files {
		if !listed[name] {
			return &m, fmt.Errorf("%s: in the bundle but not in the manifest", name)
		}
	}
	if f, ok := files["audit.json"]; ok {
		var entries []evidenceAudit
		if err := readJSON(f, &entries); err != nil {
			return &m, fmt.Errorf("audit.json: %w", err)
		}
		for _, x := range entries {
			e := x.AuditEntry
			e.Detail = json.RawMessage(x.Detail)
			if got := e.ComputeHash(); got != e.Hash {
				return &m, fmt.Errorf("audit.json: entry %d: hash %s does not match its content (%s)", e.Seq, e.Hash, got)
			}
		}
	}
	return &m, nil
}

func readJSON(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return json.NewDecoder(io.LimitReader(rc, 256<<20)).Decode(v)
}
