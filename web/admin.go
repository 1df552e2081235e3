package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
)

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// orgParam reads the organization a page or call is about: ?org=ID (a form
// field for posts), defaulting to the caller's own. Authorization happens
// in the app layer; this only parses.
func orgParam(r *http.Request, p *kasuhara.Principal) (int64, error) {
	v := r.FormValue("org")
	if v == "" {
		return p.User.OrgID, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, kasuhara.FieldError("org", "error.field.id")
	}
	return id, nil
}

// reachableOrgs lists the organizations the principal can pick from.
func (s *Server) reachableOrgs(r *http.Request, p *kasuhara.Principal) []*kasuhara.Organization {
	var out []*kasuhara.Organization
	for _, id := range p.OrgIDs {
		if o, err := s.App.Store.FindOrgByID(r.Context(), id); err == nil {
			out = append(out, o)
		}
	}
	return out
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := kasuhara.UserFilter{OrgID: orgID, Query: r.FormValue("q"), Role: kasuhara.Role(r.FormValue("role")), Limit: 200}
	if f.Role != "" && !f.Role.Valid() {
		s.Error(w, r, kasuhara.FieldError("role", "error.field.role_unknown", string(f.Role)))
		return
	}
	users, total, err := s.App.ListUsers(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	depts, _ := s.App.ListDepartments(r.Context(), p, orgID)
	names := map[int64]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
	}
	s.render(w, r, http.StatusOK, "users", map[string]any{
		"Users": users, "Total": total, "Query": f.Query, "Role": string(f.Role), "Roles": kasuhara.Roles,
		"OrgID": orgID, "Orgs": s.reachableOrgs(r, p), "DeptNames": names,
	})
}

func (s *Server) userForm(w http.ResponseWriter, r *http.Request, status int, u *kasuhara.User, errMsg string) {
	p := principalFrom(r)
	depts, err := s.App.ListDepartments(r.Context(), p, u.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "user", map[string]any{"User": u, "OrgID": u.OrgID, "Departments": depts, "Roles": kasuhara.Roles, "Error": errMsg})
}

func (s *Server) userNewPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err == nil {
		err = kasuhara.Authorize(p, kasuhara.ActUserManage, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.userForm(w, r, http.StatusOK, &kasuhara.User{OrgID: orgID, Lang: "ja", Roles: []kasuhara.Role{kasuhara.RoleStaff}}, "")
}

// userFromForm reads the editable fields of the user form.
func userFromForm(r *http.Request, u *kasuhara.User) error {
	u.Name = strings.TrimSpace(r.PostFormValue("name"))
	u.Lang = r.PostFormValue("lang")
	u.GroupAccess = r.PostFormValue("group_access") == "1"
	u.Disabled = r.PostFormValue("disabled") == "1"
	u.Roles = nil
	for _, v := range r.PostForm["roles"] {
		u.Roles = append(u.Roles, kasuhara.Role(v))
	}
	u.DepartmentID = nil
	if v := r.PostFormValue("department_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return kasuhara.FieldError("department_id", "error.field.unknown_department")
		}
		u.DepartmentID = &id
	}
	return nil
}

func (s *Server) userCreateSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u := &kasuhara.User{OrgID: orgID, Email: r.PostFormValue("email")}
	err = userFromForm(r, u)
	if err == nil {
		err = s.App.CreateUser(r.Context(), p, u, r.PostFormValue("password"))
	}
	if err != nil {
		if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
			_, _, msg := localize(langFrom(r), err)
			s.userForm(w, r, statusOf[c], u, msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, "flash.user_created")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var u *kasuhara.User
	if err == nil {
		u, err = s.App.User(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.userForm(w, r, http.StatusOK, u, "")
}

func (s *Server) userUpdateSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	id, err := pathID(r)
	var u *kasuhara.User
	if err == nil {
		u, err = s.App.User(r.Context(), p, id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	form := *u
	if err := userFromForm(r, &form); err != nil {
		_, _, msg := localize(langFrom(r), err)
		s.userForm(w, r, http.StatusBadRequest, &form, msg)
		return
	}
	dept := form.DepartmentID
	upd := kasuhara.UserUpdate{Name: &form.Name, DepartmentID: &dept, Roles: form.Roles, GroupAccess: &form.GroupAccess, Lang: &form.Lang, Disabled: &form.Disabled}
	if upd.Roles == nil {
		upd.Roles = []kasuhara.Role{}
	}
	if _, err := s.App.UpdateUser(r.Context(), p, id, upd); err != nil {
		if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
			_, _, msg := localize(langFrom(r), err)
			s.userForm(w, r, statusOf[c], &form, msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, "flash.saved")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) userSignOutSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.App.SignOutUser(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(w, "flash.user_signed_out")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// userPasswordResetSubmit gives a user a new generated password, shown once
// to the administrator to hand over.
func (s *Server) userPasswordResetSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var pw string
	if err == nil {
		pw, err = s.App.ResetPassword(r.Context(), principalFrom(r), id, "")
	}
	var u *kasuhara.User
	if err == nil {
		u, err = s.App.Store.FindUserByID(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := principalFrom(r)
	depts, err := s.App.ListDepartments(r.Context(), p, u.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user", map[string]any{"User": u, "OrgID": u.OrgID, "Departments": depts, "Roles": kasuhara.Roles, "NewPassword": pw})
}

func (s *Server) departmentsPage(w http.ResponseWriter, r *http.Request) {
	s.showDepartments(w, r, http.StatusOK, "")
}

func (s *Server) showDepartments(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err == nil {
		err = kasuhara.Authorize(p, kasuhara.ActDepartmentManage, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	depts, err := s.App.ListDepartments(r.Context(), p, orgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "departments", map[string]any{"Departments": depts, "OrgID": orgID, "Orgs": s.reachableOrgs(r, p), "Error": errMsg})
}

// departmentResult redirects after a successful change or shows the list
// again with the error when the input was refused.
func (s *Server) departmentResult(w http.ResponseWriter, r *http.Request, err error, flash string) {
	if err != nil {
		if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
			_, _, msg := localize(langFrom(r), err)
			s.showDepartments(w, r, statusOf[c], msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	orgID, _ := orgParam(r, principalFrom(r))
	s.flash(w, flash)
	http.Redirect(w, r, "/admin/departments?org="+strconv.FormatInt(orgID, 10), http.StatusSeeOther)
}

func (s *Server) departmentCreateSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err == nil {
		err = s.App.CreateDepartment(r.Context(), p, &kasuhara.Department{OrgID: orgID, Name: strings.TrimSpace(r.PostFormValue("name"))})
	}
	s.departmentResult(w, r, err, "flash.saved")
}

func (s *Server) departmentRenameSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var id int64
	if err == nil {
		id, err = pathID(r)
	}
	if err == nil {
		_, err = s.App.RenameDepartment(r.Context(), p, orgID, id, strings.TrimSpace(r.PostFormValue("name")))
	}
	s.departmentResult(w, r, err, "flash.saved")
}

func (s *Server) departmentDeleteSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var id int64
	if err == nil {
		id, err = pathID(r)
	}
	if err == nil {
		err = s.App.DeleteDepartment(r.Context(), p, orgID, id)
	}
	s.departmentResult(w, r, err, "flash.deleted")
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	f := kasuhara.AuditFilter{Action: r.FormValue("action"), Limit: 100}
	if v := r.FormValue("before"); v != "" {
		f.BeforeSeq, _ = strconv.ParseInt(v, 10, 64)
	}
	entries, err := s.App.ListAudit(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var next int64
	if len(entries) == f.Limit {
		next = entries[len(entries)-1].Seq
	}
	s.render(w, r, http.StatusOK, "audit", map[string]any{"Entries": entries, "Action": f.Action, "Next": next})
}
