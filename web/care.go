package web

import (
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// Care plans: the desk's list and plan pages, and the person concerned's
// own. Supervisors reach neither: the app answers not found.

func (s *Server) carePage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	status := r.FormValue("status")
	list, err := s.App.CarePlans(r.Context(), p, status)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data := map[string]any{"List": list, "Status": status, "Statuses": kasuhara.CarePlanStatuses, "Desk": p.Can(kasuhara.ActCareManage)}
	if p.Can(kasuhara.ActCareManage) {
		if data["Overdue"], err = s.App.OverdueCareTasks(r.Context(), p); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "care", data)
}

func (s *Server) carePlanPage(w http.ResponseWriter, r *http.Request) {
	s.showCarePlan(w, r, http.StatusOK, "")
}

func (s *Server) showCarePlan(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := principalFrom(r)
	id, err := pathID(r)
	var pl *kasuhara.CarePlan
	if err == nil {
		pl, err = s.App.CarePlan(r.Context(), p, id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data := map[string]any{"Plan": pl, "Kinds": kasuhara.CareTaskKinds, "Desk": p.Can(kasuhara.ActCareManage), "Error": msg}
	if p.Can(kasuhara.ActCareManage) {
		owners, _, err := s.App.Store.ListUsers(r.Context(), kasuhara.UserFilter{OrgID: p.User.OrgID, Role: kasuhara.RoleDesk, Limit: 100})
		if err != nil {
			s.Error(w, r, err)
			return
		}
		data["Owners"] = owners
	}
	s.render(w, r, status, "care_plan", data)
}

func careTaskForm(r *http.Request) app.CareTaskInput {
	in := app.CareTaskInput{Kind: r.PostFormValue("kind"), DueOn: r.PostFormValue("due_on"), Note: r.PostFormValue("note")}
	if o := r.PostFormValue("owner_id"); o != "" {
		id, _ := strconv.ParseInt(o, 10, 64)
		in.OwnerID = &id
	}
	if d := r.PostFormValue("done"); d != "" {
		done := d == "1"
		in.Done = &done
	}
	return in
}

// afterCare goes back to the plan, or shows it again with the message of an invalid input.
func (s *Server) afterCare(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			_, _, msg := localize(langFrom(r), err)
			s.showCarePlan(w, r, http.StatusBadRequest, msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, flash)
	http.Redirect(w, r, "/care/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) careTaskAddSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.App.AddCareTask(r.Context(), principalFrom(r), id, careTaskForm(r))
	}
	s.afterCare(w, r, id, err, "care.flash.added")
}

func (s *Server) careTaskUpdateSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var tid int64
	if err == nil {
		tid, err = strconv.ParseInt(r.PathValue("tid"), 10, 64)
		if err != nil {
			err = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
		}
	}
	if err == nil {
		_, err = s.App.UpdateCareTask(r.Context(), principalFrom(r), id, tid, careTaskForm(r))
	}
	s.afterCare(w, r, id, err, "care.flash.updated")
}

func (s *Server) careStartSubmit(w http.ResponseWriter, r *http.Request) {
	caseID, err := strconv.ParseInt(r.PostFormValue("case_id"), 10, 64)
	if err != nil || caseID <= 0 {
		s.Error(w, r, kasuhara.FieldError("case_id", "error.field.required"))
		return
	}
	pl, err := s.App.StartCarePlan(r.Context(), principalFrom(r), caseID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(w, "care.flash.started")
	http.Redirect(w, r, "/care/"+strconv.FormatInt(pl.ID, 10), http.StatusSeeOther)
}

// API.

func (s *Server) apiCarePlans(w http.ResponseWriter, r *http.Request) {
	list, err := s.App.CarePlans(r.Context(), principalFrom(r), r.FormValue("status"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiCarePlanCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CaseID int64 `json:"case_id"`
	}
	if err := decodeJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	pl, err := s.App.StartCarePlan(r.Context(), principalFrom(r), in.CaseID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, pl)
}

func (s *Server) apiCareTaskCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in app.CareTaskInput
	if err == nil {
		err = decodeJSON(r.Body, &in)
	}
	var t *kasuhara.CareTask
	if err == nil {
		t, err = s.App.AddCareTask(r.Context(), principalFrom(r), id, in)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) apiCareTaskUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var tid int64
	if err == nil {
		if tid, err = strconv.ParseInt(r.PathValue("tid"), 10, 64); err != nil {
			err = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
		}
	}
	var in app.CareTaskInput
	if err == nil {
		err = decodeJSON(r.Body, &in)
	}
	var t *kasuhara.CareTask
	if err == nil {
		t, err = s.App.UpdateCareTask(r.Context(), principalFrom(r), id, tid, in)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
