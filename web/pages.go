package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/i18n"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if principalFrom(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, "", "")
}

// showLogin renders the login form with a fresh login-CSRF token (the
// double-submit pattern: the form field must equal the cookie).
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, email, errMsg string) {
	token := randomHex(16)
	s.setCookie(w, loginCSRF, token, time.Hour)
	s.render(w, r, status, "login", map[string]any{"CSRF": token, "Next": safeNext(r.FormValue("next")), "Email": email, "Error": errMsg})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.form", Message: "bad form"})
		return
	}
	c, err := r.Cookie(loginCSRF)
	if err != nil || c.Value == "" || c.Value != r.PostFormValue("login_csrf") {
		s.showLogin(w, r, http.StatusForbidden, "", i18n.T(langFrom(r), "error.login.expired"))
		return
	}
	email := r.PostFormValue("email")
	secret, _, u, err := s.App.Login(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		_, _, msg := localize(langFrom(r), err)
		status := statusOf[kasuhara.ErrorCode(err)]
		s.showLogin(w, r, status, email, msg)
		return
	}
	s.clearCookie(w, loginCSRF)
	s.setCookie(w, sessionCookie, secret, s.App.SessionMax)
	s.setCookie(w, langCookie, u.Lang, 365*24*time.Hour)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	if sess := sessionFrom(r); sess != nil {
		if err := s.App.Logout(r.Context(), principalFrom(r), sess); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// langSubmit switches the display language: for everyone by cookie, and for
// a signed-in user also in their profile (which needs the CSRF token).
func (s *Server) langSubmit(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		s.Error(w, r, kasuhara.FieldError("lang", "error.field.lang"))
		return
	}
	if p, sess := principalFrom(r), sessionFrom(r); p != nil && sess != nil {
		if !app.CheckCSRF(sess, r.PostFormValue("csrf")) {
			s.Error(w, r, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Key: "error.csrf", Message: "CSRF"})
			return
		}
		if err := s.App.SetLanguage(r.Context(), p, lang); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.setCookie(w, langCookie, lang, 365*24*time.Hour)
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		back = safeNext(ref.RequestURI())
		if strings.HasPrefix(ref.Path, "/login") {
			back = "/login"
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

type tile struct {
	Title, Body, Href, Link string
	Primary                 bool // the one thing this person most likely came to do
}

// homePage shows each role what it comes to do.
func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	if err := kasuhara.Authorize(p, kasuhara.ActHomeView, p.User.OrgID); err != nil {
		s.Error(w, r, err)
		return
	}
	var tiles []tile
	add := func(role kasuhara.Role, t tile) {
		if p.User.HasRole(role) {
			tiles = append(tiles, t)
		}
	}
	add(kasuhara.RoleStaff, tile{"home.staff.title", "home.staff.body", "/cases/new", "home.staff.link", true})
	add(kasuhara.RoleSupervisor, tile{"home.supervisor.title", "home.supervisor.body", "/cases", "home.supervisor.link", false})
	add(kasuhara.RoleExecutive, tile{"home.executive.title", "home.executive.body", "/dashboard", "home.executive.link", false})
	add(kasuhara.RoleDesk, tile{"home.desk.title", "home.desk.body", "/desk", "home.desk.link", false})
	add(kasuhara.RoleAdmin, tile{"home.admin.title", "home.admin.body", "/admin/users", "home.admin.link", false})
	add(kasuhara.RoleAuditor, tile{"home.auditor.title", "home.auditor.body", "/admin/audit", "home.auditor.link", false})
	if p.Can(kasuhara.ActPolicyView) {
		tiles = append(tiles, tile{"home.policy.title", "home.policy.body", "/policy", "home.policy.link", false})
	}
	tiles = append(tiles, tile{"home.settings.title", "home.settings.body", "/settings", "home.settings.link", false})
	s.render(w, r, http.StatusOK, "home", map[string]any{"Tiles": tiles})
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.showSettings(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	tokens, err := s.App.ListAPITokens(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data["Tokens"] = tokens
	s.render(w, r, status, "settings", data)
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	err := s.App.ChangePassword(r.Context(), p, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			_, _, msg := localize(langFrom(r), err)
			s.showSettings(w, r, http.StatusBadRequest, map[string]any{"PasswordError": msg})
			return
		}
		s.Error(w, r, err)
		return
	}
	// Every session ended with the old password; sign this browser in again.
	s.clearCookie(w, sessionCookie)
	s.flash(w, "flash.password_changed")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) logoutEverywhereSubmit(w http.ResponseWriter, r *http.Request) {
	if _, err := s.App.LogoutEverywhere(r.Context(), principalFrom(r)); err != nil {
		s.Error(w, r, err)
		return
	}
	s.clearCookie(w, sessionCookie)
	s.flash(w, "flash.logged_out_everywhere")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) tokenCreateSubmit(w http.ResponseWriter, r *http.Request) {
	secret, _, err := s.App.CreateAPIToken(r.Context(), principalFrom(r), nil, r.PostFormValue("name"), nil)
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			_, _, msg := localize(langFrom(r), err)
			s.showSettings(w, r, http.StatusBadRequest, map[string]any{"TokenError": msg})
			return
		}
		s.Error(w, r, err)
		return
	}
	// The secret is shown on this response only; it is never stored in clear.
	s.showSettings(w, r, http.StatusOK, map[string]any{"NewToken": secret})
}

func (s *Server) tokenRevokeSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.App.RevokeAPIToken(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(w, "flash.token_revoked")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return id, nil
}
