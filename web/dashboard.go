package web

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/i18n"
)

// The dashboard (dashboard.view): figures, charts as SVG with a table each,
// CSV per chart, and the same figures as JSON.

func dashboardQuery(r *http.Request) (app.DashboardQuery, error) {
	q := app.DashboardQuery{From: r.FormValue("from"), To: r.FormValue("to"), Lang: langFrom(r)}
	if d := r.FormValue("department"); d != "" {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil || id <= 0 {
			return q, kasuhara.FieldError("department", "error.field.unknown_department")
		}
		q.DepartmentID = &id
	}
	return q, nil
}

func (s *Server) dashboard(r *http.Request) (*app.Dashboard, app.DashboardQuery, error) {
	q, err := dashboardQuery(r)
	if err != nil {
		return nil, q, err
	}
	d, err := s.App.Dashboard(r.Context(), principalFrom(r), q)
	return d, q, err
}

// chartView is one chart as the page shows it.
type chartView struct {
	*app.Chart
	SVG  template.HTML
	Rows [][2]string
	CSV  string
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	d, q, err := s.dashboard(r)
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			_, _, msg := localize(langFrom(r), err)
			r.Form.Del("from")
			r.Form.Del("to")
			r.Form.Del("department")
			if d, q, err = s.dashboard(r); err == nil {
				s.renderDashboard(w, r, http.StatusBadRequest, d, q, msg)
				return
			}
		}
		s.Error(w, r, err)
		return
	}
	s.renderDashboard(w, r, http.StatusOK, d, q, "")
}

func (s *Server) renderDashboard(w http.ResponseWriter, r *http.Request, status int, d *app.Dashboard, q app.DashboardQuery, msg string) {
	lang := langFrom(r)
	params := url.Values{"from": {d.FromDay}, "to": {d.ToDay}}
	if q.DepartmentID != nil {
		params.Set("department", strconv.FormatInt(*q.DepartmentID, 10))
	}
	suppressed := i18n.T(lang, "dashboard.suppressed", app.MinReportableCount)
	var charts []chartView
	for _, c := range d.Charts {
		cv := chartView{Chart: c, SVG: chartSVG(c, i18n.T(lang, c.Title), suppressed, i18n.T(lang, "dashboard.empty")),
			CSV: "/dashboard/csv/" + c.ID + "?" + params.Encode()}
		for _, b := range c.Bars {
			cv.Rows = append(cv.Rows, [2]string{b.Label, barText(c, b, suppressed)})
		}
		charts = append(charts, cv)
	}
	s.render(w, r, status, "dashboard", map[string]any{"D": d, "Charts": charts, "Error": msg, "Dept": q.DepartmentID})
}

func (s *Server) dashboardCSV(w http.ResponseWriter, r *http.Request) {
	d, _, err := s.dashboard(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c := d.Chart(r.PathValue("chart"))
	if c == nil {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "no such chart"})
		return
	}
	var buf strings.Builder
	buf.WriteString("\ufeff") // Excel reads UTF-8 only with the byte-order mark
	cw := csv.NewWriter(&buf)
	cw.Write(app.DashboardCSVHeader)
	cw.WriteAll(c.CSVRows())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="dashboard-`+c.ID+"-"+d.FromDay+"-"+d.ToDay+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(buf.String()))
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	d, _, err := s.dashboard(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": d.FromDay, "to": d.ToDay, "dashboard": d,
		"min_reportable_count": app.MinReportableCount})
}

// complianceReport serves the compliance report of the caller's
// organization (or ?org= within reach) for ?year= as a PDF.
func (s *Server) complianceReport(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	slug := r.FormValue("org")
	if slug == "" {
		slug = p.Org.Slug
	}
	year := s.App.Now().In(jst).Year()
	if y := r.FormValue("year"); y != "" {
		var err error
		if year, err = strconv.Atoi(y); err != nil {
			s.Error(w, r, kasuhara.FieldError("year", "compliance.error.year"))
			return
		}
	}
	var buf strings.Builder
	if err := s.App.WriteComplianceReport(r.Context(), p, slug, year, langFrom(r), &buf); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="compliance-`+slug+"-"+strconv.Itoa(year)+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(buf.String()))
}
