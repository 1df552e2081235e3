package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/kasuhara/kasuhara"
)

// list is the envelope of every list response.
type list[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var allowed []kasuhara.Action
	for _, a := range kasuhara.Actions() {
		if p.Can(a) {
			allowed = append(allowed, a)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user": p.User, "organization": p.Org, "roles": p.User.Roles,
		"organization_ids": p.OrgIDs, "permissions": allowed, "via_token": p.TokenID != nil,
	})
}

// queryInt parses an optional integer query parameter within [min, max].
func queryInt(r *http.Request, name string, def, min, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, kasuhara.FieldError(name, "error.field.range", min, max)
	}
	return n, nil
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := kasuhara.UserFilter{OrgID: orgID, Query: r.URL.Query().Get("q"), Role: kasuhara.Role(r.URL.Query().Get("role"))}
	if f.Role != "" && !f.Role.Valid() {
		s.Error(w, r, kasuhara.FieldError("role", "error.field.role_unknown", string(f.Role)))
		return
	}
	if f.Limit, err = queryInt(r, "limit", 100, 1, 500); err == nil {
		f.Offset, err = queryInt(r, "offset", 0, 0, 1<<30)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	users, total, err := s.App.ListUsers(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if users == nil {
		users = []*kasuhara.User{}
	}
	writeJSON(w, http.StatusOK, list[*kasuhara.User]{users, total})
}

type userCreateRequest struct {
	OrgID        *int64          `json:"org_id"`
	Email        string          `json:"email"`
	Name         string          `json:"name"`
	Password     string          `json:"password"`
	Roles        []kasuhara.Role `json:"roles"`
	DepartmentID *int64          `json:"department_id"`
	GroupAccess  bool            `json:"group_access"`
	Lang         string          `json:"lang"`
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var req userCreateRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	u := &kasuhara.User{OrgID: orgOrOwn(p, req.OrgID), Email: req.Email, Name: req.Name, Roles: req.Roles, DepartmentID: req.DepartmentID, GroupAccess: req.GroupAccess, Lang: req.Lang}
	if err := s.App.CreateUser(r.Context(), p, u, req.Password); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
}

// apiGetByID serves GET …/{id}: it parses the ID, fetches the entity as the
// caller (the app layer authorizes and audits the read) and answers JSON.
func apiGetByID[T any](s *Server, fetch func(context.Context, *kasuhara.Principal, int64) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		v, err := fetch(r.Context(), principalFrom(r), id)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// orgOrOwn is the organization a JSON request names in "org_id", or the
// caller's own when it names none. The app layer decides whether the
// caller may act there.
func orgOrOwn(p *kasuhara.Principal, requested *int64) int64 {
	if requested != nil {
		return *requested
	}
	return p.User.OrgID
}

// apiIDWithBody serves POST/PATCH …/{id} with a strict JSON body: it parses
// the ID and the body, runs do as the caller and answers its result as JSON.
func apiIDWithBody[Req, Res any](s *Server, do func(r *http.Request, p *kasuhara.Principal, id int64, req *Req) (Res, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		var req Req
		if err := decodeJSON(r.Body, &req); err != nil {
			s.Error(w, r, err)
			return
		}
		res, err := do(r, principalFrom(r), id, &req)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// userUpdateRequest: absent fields stay as they are; "department_id": null
// removes the department, hence the raw value.
type userUpdateRequest struct {
	Name         *string         `json:"name"`
	DepartmentID json.RawMessage `json:"department_id"`
	Roles        []kasuhara.Role `json:"roles"`
	GroupAccess  *bool           `json:"group_access"`
	Lang         *string         `json:"lang"`
	Disabled     *bool           `json:"disabled"`
}

func (s *Server) apiUserUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req userUpdateRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	upd := kasuhara.UserUpdate{Name: req.Name, Roles: req.Roles, GroupAccess: req.GroupAccess, Lang: req.Lang, Disabled: req.Disabled}
	if req.DepartmentID != nil {
		var dept *int64
		if err := json.Unmarshal(req.DepartmentID, &dept); err != nil {
			s.Error(w, r, kasuhara.FieldError("department_id", "error.json.type", "integer or null"))
			return
		}
		upd.DepartmentID = &dept
	}
	u, err := s.App.UpdateUser(r.Context(), principalFrom(r), id, upd)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiDepartments(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var depts []*kasuhara.Department
	if err == nil {
		depts, err = s.App.ListDepartments(r.Context(), p, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if depts == nil {
		depts = []*kasuhara.Department{}
	}
	writeJSON(w, http.StatusOK, list[*kasuhara.Department]{depts, len(depts)})
}

type departmentRequest struct {
	OrgID *int64 `json:"org_id"`
	Name  string `json:"name"`
}

func (s *Server) apiDepartmentCreate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var req departmentRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	d := &kasuhara.Department{OrgID: orgOrOwn(p, req.OrgID), Name: req.Name}
	if err := s.App.CreateDepartment(r.Context(), p, d); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) apiDepartmentUpdate(r *http.Request, p *kasuhara.Principal, id int64, req *departmentRequest) (*kasuhara.Department, error) {
	return s.App.RenameDepartment(r.Context(), p, orgOrOwn(p, req.OrgID), id, req.Name)
}

func (s *Server) apiDepartmentDelete(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var id int64
	if err == nil {
		id, err = pathID(r)
	}
	if err == nil {
		err = s.App.DeleteDepartment(r.Context(), p, orgID, id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.App.ListAPITokens(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if tokens == nil {
		tokens = []*kasuhara.APIToken{}
	}
	writeJSON(w, http.StatusOK, list[*kasuhara.APIToken]{tokens, len(tokens)})
}

type tokenRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(time.Now()) {
		s.Error(w, r, kasuhara.FieldError("expires_at", "error.field.past"))
		return
	}
	secret, t, err := s.App.CreateAPIToken(r.Context(), principalFrom(r), nil, req.Name, req.ExpiresAt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "api_token": t})
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.App.RevokeAPIToken(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f := kasuhara.AuditFilter{Action: r.URL.Query().Get("action")}
	var err error
	if f.Limit, err = queryInt(r, "limit", 100, 1, 1000); err == nil {
		var before int
		before, err = queryInt(r, "before", 0, 0, 1<<62)
		f.BeforeSeq = int64(before)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	entries, err := s.App.ListAudit(r.Context(), principalFrom(r), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if entries == nil {
		entries = []*kasuhara.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, list[*kasuhara.AuditEntry]{entries, len(entries)})
}
