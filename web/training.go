package web

import (
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

func (s *Server) trainingPage(w http.ResponseWriter, r *http.Request) {
	tasks, err := s.App.MyTraining(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "training", map[string]any{"Tasks": tasks})
}

func (s *Server) trainingTaskPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var v *app.TrainingView
	if err == nil {
		v, err = s.App.Training(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "training_task", map[string]any{"View": v})
}

func (s *Server) trainingQuizSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := principalFrom(r)
	attempt, _ := strconv.Atoi(r.PostFormValue("attempt"))
	n, _ := strconv.Atoi(r.PostFormValue("questions"))
	if n < 0 || n > 50 {
		n = 0
	}
	answers := make([]int, n)
	var missing error
	for i := range answers {
		v, err := strconv.Atoi(r.PostFormValue("q" + strconv.Itoa(i)))
		if err != nil && missing == nil {
			missing = kasuhara.FieldError("q"+strconv.Itoa(i), "training.error.answer")
		}
		answers[i] = v
	}
	var res *app.QuizResult
	if err = missing; err == nil {
		res, err = s.App.SubmitQuiz(r.Context(), p, id, attempt, answers)
	}
	if err != nil {
		if code := kasuhara.ErrorCode(err); code == kasuhara.EINVALID || code == kasuhara.ECONFLICT {
			v, verr := s.App.Training(r.Context(), p, id)
			if verr != nil {
				s.Error(w, r, verr)
				return
			}
			_, _, msg := localize(langFrom(r), err)
			s.render(w, r, statusOf[code], "training_task", map[string]any{"View": v, "Error": msg})
			return
		}
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "training_result", map[string]any{"Result": res, "TaskID": id})
}

func (s *Server) trainingCertificatePage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *app.Certificate
	if err == nil {
		c, err = s.App.TrainingCertificate(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "training_certificate", map[string]any{"Cert": c})
}

func (s *Server) trainingAdminPage(w http.ResponseWriter, r *http.Request) {
	s.showTrainingAdmin(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) showTrainingAdmin(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	p := principalFrom(r)
	rep, err := s.App.TrainingProgress(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data["Report"] = rep
	if p.Can(kasuhara.ActTrainingAssign) {
		mods, v, err := s.App.AvailableModules(r.Context(), p, p.User.OrgID)
		if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			s.Error(w, r, err)
			return
		}
		depts, err := s.App.Store.ListDepartments(r.Context(), p.User.OrgID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		data["Modules"], data["Version"], data["Departments"], data["Roles"] = mods, v, depts, kasuhara.Roles
	}
	s.render(w, r, status, "training_admin", data)
}

func (s *Server) trainingAssignSubmit(w http.ResponseWriter, r *http.Request) {
	in := app.AssignInput{Module: r.PostFormValue("module"), Target: r.PostFormValue("target"), Role: r.PostFormValue("role"), DueOn: r.PostFormValue("due_on")}
	if d := r.PostFormValue("department_id"); d != "" && in.Target == kasuhara.TargetDepartment {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			s.showTrainingAdminError(w, r, kasuhara.FieldError("department_id", "error.field.unknown_department"))
			return
		}
		in.DepartmentID = &id
	}
	if _, err := s.App.AssignTraining(r.Context(), principalFrom(r), in); err != nil {
		s.showTrainingAdminError(w, r, err)
		return
	}
	s.flash(w, "training.flash.assigned")
	http.Redirect(w, r, "/training/admin", http.StatusSeeOther)
}

func (s *Server) showTrainingAdminError(w http.ResponseWriter, r *http.Request, err error) {
	if kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		s.Error(w, r, err)
		return
	}
	_, _, msg := localize(langFrom(r), err)
	s.showTrainingAdmin(w, r, http.StatusBadRequest, map[string]any{"Error": msg})
}

func (s *Server) trainingRemindSubmit(w http.ResponseWriter, r *http.Request) {
	if _, err := s.App.RemindOverdueTraining(r.Context(), principalFrom(r), nil); err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(w, "training.flash.reminded")
	http.Redirect(w, r, "/training/admin", http.StatusSeeOther)
}

// API.

func (s *Server) apiTrainingTasks(w http.ResponseWriter, r *http.Request) {
	ts, err := s.App.MyTraining(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts})
}

func (s *Server) apiTrainingProgress(w http.ResponseWriter, r *http.Request) {
	rep, err := s.App.TrainingProgress(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) apiTrainingAssign(w http.ResponseWriter, r *http.Request) {
	var in app.AssignInput
	if err := decodeJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	as, err := s.App.AssignTraining(r.Context(), principalFrom(r), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, as)
}

func (s *Server) apiTrainingRemind(w http.ResponseWriter, r *http.Request) {
	n, err := s.App.RemindOverdueTraining(r.Context(), principalFrom(r), nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"reminded": n})
}
