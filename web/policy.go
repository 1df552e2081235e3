package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/i18n"
	"github.com/kasuhara/kasuhara/policy"
)

// The public policy page is a document for customers, not a screen of the
// application: it has its own template without the menu, and the policy
// package's print stylesheet served as a file, because the
// Content-Security-Policy forbids inline styles.

//go:embed templates/public/*.html
var publicFS embed.FS

var publicPolicyTmpl = template.Must(template.New("policy.html").ParseFS(publicFS, "templates/public/policy.html"))

var policyCSS = []byte(policy.StyleSheet())

// policyCSSVersion fingerprints the stylesheet's URL so it may be cached for a year.
var policyCSSVersion = func() string {
	sum := sha256.Sum256(policyCSS)
	return hex.EncodeToString(sum[:4])
}()

func (s *Server) policyStyleSheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(policyCSS)
}

// formatDay writes a date in the reader's language, as the policy renders its own dates.
func formatDay(lang string, t time.Time) string {
	t = t.In(app.JST)
	return i18n.T(lang, "policy.value.date", t.Year(), int(t.Month()), t.Day())
}

// renderPolicy renders doc as an <article> for embedding in a page.
func renderPolicy(doc *policy.Policy, lang string, view policy.View) (template.HTML, error) {
	var buf bytes.Buffer
	if err := policy.RenderHTML(&buf, doc, policy.RenderOptions{Lang: lang, View: view, Fragment: true}); err != nil {
		return "", err
	}
	// RenderHTML escapes every text of the policy through html/template.
	return template.HTML(buf.String()), nil
}

func (s *Server) publicPolicyPage(w http.ResponseWriter, r *http.Request) {
	org, v, doc, err := s.App.PublicPolicy(r.Context(), r.PathValue("org"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lang := langFrom(r)
	article, err := renderPolicy(doc, lang, policy.Public)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	err = publicPolicyTmpl.Execute(&buf, map[string]any{
		"Lang": lang, "Title": doc.Title, "Org": org, "Version": v, "Article": article,
		"CSS":         "/p/policy.css?v=" + policyCSSVersion,
		"Effective":   i18n.T(lang, "policyweb.public.effective", formatDay(lang, v.EffectiveFrom), v.Version),
		"ConsultHref": "/p/" + org.Slug + "/consult", "ConsultText": i18n.T(lang, "policyweb.public.consult"),
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Short, because a version published for tomorrow must appear at midnight.
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Vary", "Accept-Language, Cookie")
	w.Write(buf.Bytes())
}

// handbookPage shows staff the policy in effect for their organization:
// definition, types with examples, steps, scripts and whom to call.
func (s *Server) handbookPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data := map[string]any{"OrgID": orgID, "Orgs": s.reachableOrgs(r, p)}
	v, doc, err := s.App.CurrentPolicy(r.Context(), p, orgID)
	switch {
	case kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND && p.Reaches(orgID):
		// Nothing published yet: say so, and show admins where to start.
		s.render(w, r, http.StatusOK, "policy_handbook", data)
		return
	case err != nil:
		s.Error(w, r, err)
		return
	}
	lang := langFrom(r)
	article, err := renderPolicy(doc, lang, policy.Handbook)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data["Version"], data["Article"] = v, article
	data["Effective"] = i18n.T(lang, "policyweb.public.effective", formatDay(lang, v.EffectiveFrom), v.Version)
	if org, err := s.App.Store.FindOrgByID(r.Context(), orgID); err == nil {
		data["Slug"] = org.Slug
	}
	s.render(w, r, http.StatusOK, "policy_handbook", data)
}

// versionRow is a version as the list shows it.
type versionRow struct {
	*kasuhara.PolicyVersion
	Effective, Status string
}

// versionRows labels each version: in effect, scheduled, or superseded.
func versionRows(lang string, vs []*kasuhara.PolicyVersion, current *kasuhara.PolicyVersion, now time.Time) []versionRow {
	rows := make([]versionRow, len(vs))
	for i, v := range vs {
		status := "policyweb.status.superseded"
		switch {
		case current != nil && v.ID == current.ID:
			status = "policyweb.status.in_effect"
		case v.EffectiveFrom.After(now):
			status = "policyweb.status.scheduled"
		}
		rows[i] = versionRow{v, formatDay(lang, v.EffectiveFrom), i18n.T(lang, status)}
	}
	return rows
}

func (s *Server) policyAdminPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	vs, err := s.App.PolicyVersions(r.Context(), p, orgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := s.App.Now()
	current, err := s.App.PolicyInEffect(r.Context(), orgID, now)
	if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	org, err := s.App.Store.FindOrgByID(r.Context(), orgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "policy_admin", map[string]any{
		"OrgID": orgID, "Org": org, "Orgs": s.reachableOrgs(r, p), "Versions": versionRows(langFrom(r), vs, current, now),
		"Current": current, "Presets": policy.Presets(),
	})
}

func (s *Server) policyVersionPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var v *kasuhara.PolicyVersion
	if err == nil {
		v, err = s.App.PolicyVersion(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	doc, err := app.ParsedPolicy(v)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lang := langFrom(r)
	view := policy.Public
	if r.FormValue("view") == "handbook" {
		view = policy.Handbook
	}
	article, err := renderPolicy(doc, lang, view)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "policy_version", map[string]any{
		"Version": v, "Article": article, "Effective": formatDay(lang, v.EffectiveFrom), "View": string(view),
	})
}

// editorData is what the editor shows: the source, its problems with the
// offending lines, and, once it is clean, a preview and the changes from the
// version in effect.
type editorData struct {
	OrgID         int64
	Org           *kasuhara.Organization
	Source        string
	Problems      []problem
	Error         string
	Checked       bool // linted and clean: the preview is shown
	Preview       template.HTML
	Changes       []string
	MoreChanges   int
	Current       *kasuhara.PolicyVersion
	EffectiveFrom string
	ApprovedBy    string
	Note          string
}

// problem is a diagnostic with the source line it points at, so the error
// is read next to the text it concerns.
type problem struct {
	policy.Diagnostic
	Excerpt string
	Caret   string // spaces up to the column, then ^
}

func problems(source string, diags []policy.Diagnostic) []problem {
	lines := strings.Split(source, "\n")
	out := make([]problem, len(diags))
	for i, d := range diags {
		out[i].Diagnostic = d
		if d.Line >= 1 && d.Line <= len(lines) {
			line := strings.TrimRight(lines[d.Line-1], "\r")
			if len(line) > 300 {
				line = line[:300] + "…"
			}
			out[i].Excerpt = line
			if d.Column >= 1 && d.Column <= len([]rune(line))+1 {
				out[i].Caret = strings.Repeat(" ", d.Column-1) + "^"
			}
		}
	}
	return out
}

const maxShownChanges = 200

// editor renders the editor for source in orgID after checking it, and
// returns whether it is clean. The caller's own error, if any, is shown too.
func (s *Server) editor(w http.ResponseWriter, r *http.Request, orgID int64, source string, callErr error) {
	p := principalFrom(r)
	lang := langFrom(r)
	org, err := s.App.Store.FindOrgByID(r.Context(), orgID)
	if err != nil || !p.Reaches(orgID) {
		s.Error(w, r, kasuhara.Errorf(kasuhara.ENOTFOUND, "not found"))
		return
	}
	d := editorData{OrgID: orgID, Org: org, Source: source,
		EffectiveFrom: r.PostFormValue("effective_from"), ApprovedBy: r.PostFormValue("approved_by"), Note: r.PostFormValue("note")}
	status := http.StatusOK
	doc, diags := app.LintPolicy([]byte(source), lang)
	if strings.TrimSpace(source) == "" {
		diags = nil // an empty editor is a start, not a mistake
	}
	d.Problems = problems(source, diags)
	if len(diags) > 0 {
		status = http.StatusBadRequest
	}
	if callErr != nil {
		_, _, d.Error = localize(lang, callErr)
		status = statusOf[kasuhara.ErrorCode(callErr)]
	}
	if doc != nil && len(diags) == 0 {
		d.Checked = true
		if d.Preview, err = renderPolicy(doc, lang, policy.Public); err != nil {
			s.Error(w, r, err)
			return
		}
		if cur, err := s.App.PolicyInEffect(r.Context(), orgID, s.App.Now()); err == nil {
			d.Current = cur
			if old, err := app.ParsedPolicy(cur); err == nil {
				for i, c := range policy.Diff(old, doc) {
					if i == maxShownChanges {
						d.MoreChanges = len(policy.Diff(old, doc)) - maxShownChanges
						break
					}
					d.Changes = append(d.Changes, c.String())
				}
			}
		}
	}
	s.render(w, r, status, "policy_edit", d)
}

// policyEditPage opens the editor on a preset, a stored version, or the
// version in effect (the default), so an edit always starts from a text.
func (s *Server) policyEditPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err == nil {
		err = s.App.AuthorizePolicyManage(r.Context(), p, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var source string
	switch from := r.FormValue("from"); {
	case strings.HasPrefix(from, "preset:"):
		b, err := policy.Preset(strings.TrimPrefix(from, "preset:"))
		if err != nil {
			s.Error(w, r, err)
			return
		}
		source = string(b)
	case from != "":
		id, err := strconv.ParseInt(from, 10, 64)
		if err != nil {
			s.Error(w, r, kasuhara.FieldError("from", "error.field.id"))
			return
		}
		v, err := s.App.PolicyVersion(r.Context(), p, id)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if v.OrgID != orgID {
			s.Error(w, r, kasuhara.Errorf(kasuhara.ENOTFOUND, "not found"))
			return
		}
		source = v.Source
	default:
		if v, err := s.App.PolicyInEffect(r.Context(), orgID, s.App.Now()); err == nil {
			source = v.Source
		}
	}
	s.editor(w, r, orgID, source, nil)
}

// policyImportSubmit loads an uploaded file, pasted text or a preset into
// the editor and checks it. Nothing is stored: only publishing stores.
func (s *Server) policyImportSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err == nil {
		err = s.App.AuthorizePolicyManage(r.Context(), p, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var source []byte
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		// One byte over the limit is enough for the linter to say "too large".
		source, err = io.ReadAll(io.LimitReader(f, policy.MaxSize+1))
		if err != nil {
			s.Error(w, r, &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.body.read", Message: "could not read the upload"})
			return
		}
	} else if name := r.PostFormValue("preset"); name != "" {
		if source, err = policy.Preset(name); err != nil {
			s.Error(w, r, err)
			return
		}
	} else {
		source = []byte(r.PostFormValue("source"))
	}
	if len(source) == 0 {
		s.editor(w, r, orgID, "", kasuhara.FieldError("file", "policyweb.error.nothing_imported"))
		return
	}
	s.editor(w, r, orgID, string(source), nil)
}

// policyPreviewSubmit checks the edited text and, when it is clean, shows
// the preview and the changes; nothing is stored.
func (s *Server) policyPreviewSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err == nil {
		err = s.App.AuthorizePolicyManage(r.Context(), p, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.editor(w, r, orgID, r.PostFormValue("source"), nil)
}

func (s *Server) policyPublishSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	source := r.PostFormValue("source")
	eff, err := app.ParseEffectiveDate("effective_from", r.PostFormValue("effective_from"))
	var v *kasuhara.PolicyVersion
	if err == nil {
		v, err = s.App.PublishPolicy(r.Context(), p, app.PolicyPublish{OrgID: orgID, Source: []byte(source), EffectiveFrom: eff,
			ApprovedBy: r.PostFormValue("approved_by"), Note: r.PostFormValue("note"), Lang: langFrom(r)})
	}
	switch code := kasuhara.ErrorCode(err); {
	case code == kasuhara.EINVALID || code == kasuhara.ECONFLICT:
		s.editor(w, r, orgID, source, err)
		return
	case err != nil:
		s.Error(w, r, err)
		return
	}
	s.flash(w, "policyweb.flash.published")
	http.Redirect(w, r, "/admin/policy/versions/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
}

// API.

// policyVersionRequest publishes a version. The source is the YAML document as a string.
type policyVersionRequest struct {
	OrgID         *int64 `json:"org_id"`
	Source        string `json:"source"`
	EffectiveFrom string `json:"effective_from"` // YYYY-MM-DD, JST
	ApprovedBy    string `json:"approved_by"`
	Note          string `json:"note"`
}

// lintErrorBody is the API error for an invalid policy: the usual error
// plus every problem with its line and column.
type lintErrorBody struct {
	errorBody
	Diagnostics []policy.Diagnostic `json:"diagnostics"`
}

// apiError writes err, adding the lint diagnostics when it carries them.
func (s *Server) apiPolicyError(w http.ResponseWriter, r *http.Request, err error) {
	diags := app.LintDiagnostics(err)
	if diags == nil {
		s.Error(w, r, err)
		return
	}
	var body lintErrorBody
	body.Error.Code, body.Error.Field, body.Error.Message = localize(langFrom(r), err)
	body.RequestID = w.Header().Get("X-Request-ID")
	body.Diagnostics = diags
	writeJSON(w, http.StatusUnprocessableEntity, body)
}

func (s *Server) apiPolicyVersions(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var vs []*kasuhara.PolicyVersion
	if err == nil {
		vs, err = s.App.PolicyVersions(r.Context(), p, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*kasuhara.PolicyVersion]{vs, len(vs)})
}

func (s *Server) apiPolicyPublish(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var req policyVersionRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	orgID := orgOrOwn(p, req.OrgID)
	eff, err := app.ParseEffectiveDate("effective_from", req.EffectiveFrom)
	var v *kasuhara.PolicyVersion
	if err == nil {
		v, err = s.App.PublishPolicy(r.Context(), p, app.PolicyPublish{OrgID: orgID, Source: []byte(req.Source), EffectiveFrom: eff,
			ApprovedBy: req.ApprovedBy, Note: req.Note, Lang: langFrom(r)})
	}
	if err != nil {
		s.apiPolicyError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/policy/versions/"+strconv.FormatInt(v.ID, 10))
	writeJSON(w, http.StatusCreated, v)
}

// apiPolicyInEffect returns the version in effect at ?at= (RFC 3339; now by
// default): the version a case occurring then is judged under.
func (s *Server) apiPolicyInEffect(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	at := s.App.Now()
	if q := r.URL.Query().Get("at"); q != "" {
		if at, err = time.Parse(time.RFC3339, q); err != nil {
			s.Error(w, r, kasuhara.FieldError("at", "policyweb.error.time"))
			return
		}
	}
	v, _, err := s.App.PolicyAt(r.Context(), p, orgID, at)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type policyLintRequest struct {
	Source string `json:"source"`
}

// apiPolicyLint checks a document without storing anything.
func (s *Server) apiPolicyLint(w http.ResponseWriter, r *http.Request) {
	var req policyLintRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	_, diags := app.LintPolicy([]byte(req.Source), langFrom(r))
	if diags == nil {
		diags = []policy.Diagnostic{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": len(diags) == 0, "diagnostics": diags})
}

func (s *Server) apiPolicyPresets(w http.ResponseWriter, r *http.Request) {
	ps := policy.Presets()
	writeJSON(w, http.StatusOK, list[policy.PresetInfo]{ps, len(ps)})
}

func (s *Server) apiPolicyPreset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, err := policy.Preset(name)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"name": name, "source": string(b)})
}
