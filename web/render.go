package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assets maps a static file's name to its fingerprinted name (app.css →
// app.3f2a9c1b.css), so browsers may cache it for a year and still see changes.
var assets, assetFiles = fingerprint()

func fingerprint() (map[string]string, map[string]string) {
	names, files := map[string]string{}, map[string]string{}
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := staticFS.ReadFile(p)
		sum := sha256.Sum256(b)
		base := path.Base(p)
		ext := path.Ext(base)
		fp := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		names[base], files[fp] = fp, p
		return nil
	})
	return names, files
}

var funcs = template.FuncMap{
	"asset": func(name string) string { return "/static/" + assets[name] },
	"time": func(t time.Time) string {
		return t.In(jst).Format("2006-01-02 15:04:05")
	},
	"roleKey": func(r kasuhara.Role) string { return "role." + string(r) },
	"hasRole": func(u *kasuhara.User, r string) bool { return u.HasRole(kasuhara.Role(r)) },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"eqid": func(p *int64, id int64) bool { return p != nil && *p == id },
	"day":  func(t time.Time) string { return t.In(jst).Format("2006-01-02") },
	"optday": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(jst).Format("2006-01-02")
	},
	"has": func(xs []string, x string) bool {
		for _, v := range xs {
			if v == x {
				return true
			}
		}
		return false
	},
	"plus1": func(i int) int { return i + 1 },
	// isTrue reads an optional yes/no; {{if}} on the pointer itself would
	// be true for a recorded "no".
	"isTrue": func(b *bool) bool { return b != nil && *b },
}

// jst is Japan Standard Time; times are shown in it. Fixed, because the
// binary may run without a time-zone database.
var jst = time.FixedZone("JST", 9*3600)

var pages = parsePages()

func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	entries, _ := templateFS.ReadDir("templates")
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+e.Name()))
	}
	return out
}

// view is the data every page template receives.
type view struct {
	Lang      string
	Title     string
	Principal *kasuhara.Principal
	CSRF      string
	Nav       []navItem
	Flash     string
	Data      any
}

type navItem struct {
	Href, Key string
	Current   bool
}

// T translates key into the page's language.
func (v *view) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// Can reports whether the viewer may perform action, to show only usable links.
func (v *view) Can(action string) bool { return v.Principal.Can(kasuhara.Action(action)) }

// navFor lists the menu the principal may use.
func navFor(p *kasuhara.Principal, current string) []navItem {
	items := []struct {
		href, key string
		action    kasuhara.Action
	}{
		{"/", "nav.home", kasuhara.ActHomeView},
		{"/cases/new", "cases.nav.report", kasuhara.ActCaseCreate},
		{"/cases", "cases.nav.list", kasuhara.ActCaseReadOwn},
		{"/customers", "customers.nav", kasuhara.ActCustomerView},
		{"/policy", "policyweb.nav.handbook", kasuhara.ActPolicyView},
		{"/consult", "desk.nav.consult", kasuhara.ActConsultationSubmit},
		{"/desk", "desk.nav.desk", kasuhara.ActConsultationRead},
		{"/care", "care.nav", kasuhara.ActCareOwn},
		{"/dashboard", "dashboard.nav", kasuhara.ActDashboardView},
		{"/training", "training.nav.mine", kasuhara.ActTrainingTake},
		{"/training/admin", "training.nav.admin", kasuhara.ActTrainingReport},
		{"/calls/live", "calls.nav.live", kasuhara.ActCallMonitor},
		{"/admin/users", "nav.users", kasuhara.ActUserList},
		{"/admin/departments", "nav.departments", kasuhara.ActDepartmentManage},
		{"/admin/audit", "nav.audit", kasuhara.ActAuditView},
		{"/admin/notifications", "nav.notifications", kasuhara.ActNotifyManage},
		{"/admin/policy", "policyweb.nav.admin", kasuhara.ActPolicyHistory},
		{"/settings", "nav.settings", kasuhara.ActSelfManage},
	}
	var out []navItem
	for _, it := range items {
		if p.Can(it.action) {
			out = append(out, navItem{it.href, it.key, it.href == current})
		}
	}
	return out
}

// render executes the named page into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := pages[name]
	if !ok {
		s.Log.Error("unknown template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := &view{Lang: langFrom(r), Principal: principalFrom(r), Data: data}
	if sess := sessionFrom(r); sess != nil {
		v.CSRF = sess.CSRFToken
	}
	if v.Principal != nil {
		v.Nav = navFor(v.Principal, r.URL.Path)
	}
	if c, err := r.Cookie("ksh_flash"); err == nil && i18n.Has(c.Value) {
		v.Flash = c.Value
		s.clearCookie(w, "ksh_flash")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, i18n.T(v.Lang, "error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// flash sets a one-time message (a catalog key) shown on the next page.
func (s *Server) flash(w http.ResponseWriter, key string) {
	s.setCookie(w, "ksh_flash", key, time.Minute)
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	p, ok := assetFiles[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, _ := staticFS.ReadFile(p)
	switch path.Ext(p) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
