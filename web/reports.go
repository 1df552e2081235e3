package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/report"
)

// The corrective-action plan and report (是正処置計画書兼報告書) of a case:
// the print page with its measures and approvals, the PDF, and the
// evidence bundle. The page and the PDF render one report.Document.

// reportView is the data of the report page.
type reportView struct {
	*app.CorrectiveReport
	CanHandle   bool
	CanApprove  []kasuhara.Role // roles p may approve in now
	CanEvidence bool
	Users       []*kasuhara.User
	Error       string
}

func (s *Server) caseReportPage(w http.ResponseWriter, r *http.Request) {
	s.showReport(w, r, http.StatusOK, "")
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.App.CorrectiveReportOf(r.Context(), p, id, langFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c := rep.Case
	v := reportView{CorrectiveReport: rep, Error: errMsg,
		CanHandle:   kasuhara.Authorize(p, kasuhara.ActCaseHandle, c.OrgID) == nil,
		CanEvidence: kasuhara.Authorize(p, kasuhara.ActCaseEvidence, c.OrgID) == nil}
	if rep.NextApproval != "" && p.User.HasRole(rep.NextApproval) && kasuhara.Authorize(p, kasuhara.ActReportApprove, c.OrgID) == nil {
		v.CanApprove = []kasuhara.Role{rep.NextApproval}
	}
	if v.CanHandle {
		v.Users, _, _ = s.App.Store.ListUsers(r.Context(), kasuhara.UserFilter{OrgID: c.OrgID, Limit: 500})
	}
	s.render(w, r, status, "case_report", v)
}

// reportAction runs a POST of the report page and shows the page again,
// with the error in place when the input or a rule refused it.
func (s *Server) reportAction(w http.ResponseWriter, r *http.Request, do func(p *kasuhara.Principal, id int64) error) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := do(p, id); err != nil {
		code, _, msg := localize(langFrom(r), err)
		if code == kasuhara.EINVALID || code == kasuhara.ECONFLICT {
			s.showReport(w, r, statusOf[code], msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, "report.flash.saved")
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"/report", http.StatusSeeOther)
}

func measureFromForm(r *http.Request) (app.MeasureInput, error) {
	owner, err := formID("owner_id", r.FormValue("owner_id"))
	if err != nil {
		return app.MeasureInput{}, err
	}
	due, err := formTime("due_at", r.FormValue("due_at"))
	in := app.MeasureInput{Kind: r.FormValue("kind"), Text: r.FormValue("text"), DueAt: due}
	if owner != nil {
		in.OwnerID = *owner
	}
	return in, err
}

func (s *Server) caseMeasureSubmit(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, func(p *kasuhara.Principal, id int64) error {
		in, err := measureFromForm(r)
		if err != nil {
			return err
		}
		_, err = s.App.AddMeasure(r.Context(), p, id, in)
		return err
	})
}

func (s *Server) caseMeasureDoneSubmit(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, func(p *kasuhara.Principal, id int64) error {
		mid, err := strconv.ParseInt(r.PathValue("mid"), 10, 64)
		if err != nil {
			return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
		}
		return s.App.CompleteMeasure(r.Context(), p, id, mid, r.FormValue("done") != "0")
	})
}

func (s *Server) caseApproveSubmit(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, func(p *kasuhara.Principal, id int64) error {
		_, err := s.App.ApproveReport(r.Context(), p, id, kasuhara.Role(r.FormValue("role")), r.FormValue("note"))
		return err
	})
}

// caseReportPDF serves the report as a PDF download.
func (s *Server) caseReportPDF(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.App.CorrectiveReportOf(r.Context(), principalFrom(r), id, langFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := report.PDF(rep.Document, rep.GeneratedAt, &buf); err != nil {
		s.Error(w, r, kasuhara.Errorf(kasuhara.EINTERNAL, "report pdf: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="case-`+strconv.FormatInt(id, 10)+`-report.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// caseEvidence serves the evidence bundle as a ZIP download.
func (s *Server) caseEvidence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if _, err := s.App.EvidenceBundle(r.Context(), principalFrom(r), id, langFrom(r), &buf); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="case-`+strconv.FormatInt(id, 10)+`-evidence-`+s.App.Now().In(jst).Format("20060102-1504")+`.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// apiCaseReport returns the report's data as JSON.
func (s *Server) apiCaseReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.App.CorrectiveReportOf(r.Context(), principalFrom(r), id, langFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"case_id": rep.Case.ID, "measures": rep.Measures, "approvals": rep.Approvals,
		"next_approval": rep.NextApproval, "document": rep.Document})
}

type measureRequest struct {
	Kind    string `json:"kind"`
	Text    string `json:"text"`
	OwnerID int64  `json:"owner_id"`
	DueAt   string `json:"due_at"`
}

func (s *Server) apiCaseMeasure(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req measureRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	due, err := formTime("due_at", req.DueAt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.App.AddMeasure(r.Context(), principalFrom(r), id, app.MeasureInput{Kind: req.Kind, Text: req.Text, OwnerID: req.OwnerID, DueAt: due})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

type approvalRequest struct {
	Role string `json:"role"`
	Note string `json:"note"`
}

func (s *Server) apiCaseApprove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req approvalRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	res, err := s.App.ApproveReport(r.Context(), principalFrom(r), id, kasuhara.Role(req.Role), req.Note)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}
