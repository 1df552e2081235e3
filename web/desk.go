package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// The consultation desk's pages. The public ones (/p/{org}/consult…) are
// anonymous routes: the route table marks them, authenticate does not read
// the session cookie for them, and the request context carries no address,
// so neither the audit trail nor the logs can tie a consultation to a client.

const consultCSRF = "ksh_consult_csrf"

type anonKey struct{}

// anonymousContext replaces the client with one that has only the request
// ID, and marks the request so that no layer adds identifying data.
func anonymousContext(ctx context.Context) context.Context {
	c := kasuhara.ClientFrom(ctx)
	ctx = kasuhara.WithClient(ctx, kasuhara.Client{RequestID: c.RequestID})
	return context.WithValue(ctx, anonKey{}, true)
}

// isAnonymous reports whether r is on an anonymous route.
func isAnonymous(r *http.Request) bool {
	v, _ := r.Context().Value(anonKey{}).(bool)
	return v
}

func consultInput(r *http.Request) app.ConsultationInput {
	return app.ConsultationInput{
		Anonymous: r.PostFormValue("anonymous") == "1", Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact"),
		Relation: r.PostFormValue("relation"), Topic: r.PostFormValue("topic"), OccurredOn: r.PostFormValue("occurred_on"),
		Channel: r.PostFormValue("channel"), Body: r.PostFormValue("body"), Wish: r.PostFormValue("wish"),
	}
}

// formChoices are the option lists every consultation form shows.
func formChoices(data map[string]any) map[string]any {
	data["Relations"], data["Topics"], data["Wishes"] = kasuhara.ConsultantRelations, kasuhara.ConsultationTopics, kasuhara.ConsultationWishes
	data["Channels"], data["HandoverFields"], data["FollowUpKinds"] = kasuhara.Channels, kasuhara.HandoverFields, kasuhara.FollowUpKinds
	data["Statuses"] = kasuhara.ConsultationStatuses
	return data
}

// formError renders page again with the localized message of an invalid
// input, or reports any other error.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, page string, data map[string]any) {
	if code := kasuhara.ErrorCode(err); code == kasuhara.EINVALID || code == kasuhara.ETOOMANY || code == kasuhara.ECONFLICT {
		_, _, msg := localize(langFrom(r), err)
		data["Error"] = msg
		s.render(w, r, statusOf[code], page, formChoices(data))
		return
	}
	s.Error(w, r, err)
}

// Signed-in consultants.

func (s *Server) consultPage(w http.ResponseWriter, r *http.Request) {
	s.showConsult(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) showConsult(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	p := principalFrom(r)
	list, err := s.App.MyConsultations(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data["Mine"], data["Slug"] = list, p.Org.Slug
	s.render(w, r, status, "consult", formChoices(data))
}

func (s *Server) consultSubmit(w http.ResponseWriter, r *http.Request) {
	in := consultInput(r)
	c, err := s.App.SubmitConsultation(r.Context(), principalFrom(r), in)
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			_, _, msg := localize(langFrom(r), err)
			s.showConsult(w, r, http.StatusBadRequest, map[string]any{"Error": msg, "Form": in})
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, "desk.flash.submitted")
	http.Redirect(w, r, "/consult/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

func (s *Server) consultThreadPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var t *app.ConsultationThread
	if err == nil {
		t, err = s.App.MyConsultation(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	base := "/consult/" + strconv.FormatInt(id, 10)
	s.render(w, r, http.StatusOK, "consult_thread", formChoices(map[string]any{"Thread": t, "MessageAction": base + "/messages", "ConsentAction": base + "/consent"}))
}

func (s *Server) consultMessageSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.App.AddMyConsultationMessage(r.Context(), principalFrom(r), id, r.PostFormValue("body"))
	}
	s.afterOwn(w, r, id, err, "desk.flash.message_sent")
}

func (s *Server) consultConsentSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		r.ParseForm()
		err = s.App.ConsentToCase(r.Context(), principalFrom(r), id, app.ConsentInput{Fields: r.PostForm["fields"], Narrative: r.PostFormValue("narrative")})
	}
	s.afterOwn(w, r, id, err, "desk.flash.consented")
}

func (s *Server) afterOwn(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	if err != nil {
		if code := kasuhara.ErrorCode(err); code == kasuhara.EINVALID || code == kasuhara.ECONFLICT {
			t, terr := s.App.MyConsultation(r.Context(), principalFrom(r), id)
			if terr != nil {
				s.Error(w, r, terr)
				return
			}
			base := "/consult/" + strconv.FormatInt(id, 10)
			s.formError(w, r, err, "consult_thread", map[string]any{"Thread": t, "MessageAction": base + "/messages", "ConsentAction": base + "/consent"})
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, flash)
	http.Redirect(w, r, "/consult/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// The public link.

// publicOrg finds the organization of the public page, as not found when unknown.
func (s *Server) publicOrg(r *http.Request) (*kasuhara.Organization, error) {
	return s.App.Store.FindOrgBySlug(r.Context(), r.PathValue("org"))
}

// publicForm renders a public page with a fresh double-submit CSRF token:
// there is no session to bind a token to, so the form field must equal the cookie.
func (s *Server) publicForm(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	token := randomHex(16)
	s.setCookie(w, consultCSRF, token, 2*time.Hour)
	data["PublicCSRF"] = token
	s.render(w, r, status, page, formChoices(data))
}

func checkPublicCSRF(r *http.Request) error {
	c, err := r.Cookie(consultCSRF)
	if err != nil || c.Value == "" || c.Value != r.PostFormValue("public_csrf") {
		return &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Key: "error.csrf", Message: "CSRF token missing or wrong"}
	}
	return nil
}

func (s *Server) publicConsultPage(w http.ResponseWriter, r *http.Request) {
	org, err := s.publicOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.publicForm(w, r, http.StatusOK, "public_consult", map[string]any{"Org": org})
}

func (s *Server) publicConsultSubmit(w http.ResponseWriter, r *http.Request) {
	org, err := s.publicOrg(r)
	if err == nil {
		err = checkPublicCSRF(r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	in := consultInput(r)
	c, code, err := s.App.SubmitPublicConsultation(r.Context(), org.Slug, in)
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			_, _, msg := localize(langFrom(r), err)
			s.publicForm(w, r, http.StatusBadRequest, "public_consult", map[string]any{"Org": org, "Error": msg, "Form": in})
			return
		}
		s.Error(w, r, err)
		return
	}
	// The code is on this response only (rendered pages are no-store).
	s.publicForm(w, r, http.StatusOK, "public_consult_done", map[string]any{"Org": org, "Code": code, "Anonymous": c.Anonymous})
}

func (s *Server) publicStatusPage(w http.ResponseWriter, r *http.Request) {
	org, err := s.publicOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.publicForm(w, r, http.StatusOK, "public_consult_status", map[string]any{"Org": org})
}

// publicThread answers a POST on the status page: it checks the form token,
// runs act with the receipt code when given, and shows the thread again.
func (s *Server) publicThread(w http.ResponseWriter, r *http.Request, act func(slug, code string) error, flash string) {
	org, err := s.publicOrg(r)
	if err == nil {
		err = checkPublicCSRF(r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	code := r.PostFormValue("code")
	data := map[string]any{"Org": org}
	if act != nil {
		if err := act(org.Slug, code); err != nil && kasuhara.ErrorCode(err) != kasuhara.EINVALID && kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			s.showPublicError(w, r, data, err)
			return
		} else if err != nil {
			_, _, data["Error"] = localize(langFrom(r), err)
		} else {
			data["Notice"] = flash
		}
	}
	t, err := s.App.ReceiptConsultation(r.Context(), org.Slug, code)
	if err != nil {
		s.showPublicError(w, r, data, err)
		return
	}
	base := "/p/" + org.Slug + "/consult"
	data["Thread"], data["Code"], data["MessageAction"], data["ConsentAction"] = t, code, base+"/message", base+"/consent"
	s.publicForm(w, r, http.StatusOK, "consult_thread", data)
}

func (s *Server) showPublicError(w http.ResponseWriter, r *http.Request, data map[string]any, err error) {
	code := kasuhara.ErrorCode(err)
	if code != kasuhara.EINVALID && code != kasuhara.ETOOMANY {
		s.Error(w, r, err)
		return
	}
	_, _, data["Error"] = localize(langFrom(r), err)
	s.publicForm(w, r, statusOf[code], "public_consult_status", data)
}

func (s *Server) publicStatusSubmit(w http.ResponseWriter, r *http.Request) {
	s.publicThread(w, r, nil, "")
}

func (s *Server) publicMessageSubmit(w http.ResponseWriter, r *http.Request) {
	s.publicThread(w, r, func(slug, code string) error {
		return s.App.AddReceiptMessage(r.Context(), slug, code, r.PostFormValue("body"))
	}, "desk.flash.message_sent")
}

func (s *Server) publicConsentSubmit(w http.ResponseWriter, r *http.Request) {
	s.publicThread(w, r, func(slug, code string) error {
		r.ParseForm()
		return s.App.ReceiptConsent(r.Context(), slug, code, app.ConsentInput{Fields: r.PostForm["fields"], Narrative: r.PostFormValue("narrative")})
	}, "desk.flash.consented")
}

// The desk.

func (s *Server) deskPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	status := r.FormValue("status")
	list, err := s.App.DeskConsultations(r.Context(), p, status)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	overdue, err := s.App.OverdueFollowUps(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// The desk also owns the care plans started by cases.
	careOverdue, err := s.App.OverdueCareTasks(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	carePlans, err := s.App.CarePlans(r.Context(), p, "open")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "desk", formChoices(map[string]any{"List": list, "Overdue": overdue, "Status": status,
		"CareOverdue": careOverdue, "CareOpen": len(carePlans)}))
}

func (s *Server) deskConsultationPage(w http.ResponseWriter, r *http.Request) {
	s.showDeskConsultation(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) showDeskConsultation(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	id, err := pathID(r)
	var t *app.ConsultationThread
	if err == nil {
		t, err = s.App.DeskConsultation(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data["Thread"], data["Today"] = t, s.App.Now().In(app.JST).Format("2006-01-02")
	s.render(w, r, status, "desk_consultation", formChoices(data))
}

// afterDesk redirects to the consultation after a desk action, or shows
// the page again with the problem.
func (s *Server) afterDesk(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	if err != nil {
		if code := kasuhara.ErrorCode(err); code == kasuhara.EINVALID || code == kasuhara.ECONFLICT {
			_, _, msg := localize(langFrom(r), err)
			s.showDeskConsultation(w, r, statusOf[code], map[string]any{"Error": msg})
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, flash)
	http.Redirect(w, r, "/desk/consultations/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) deskReplySubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.App.ReplyToConsultation(r.Context(), principalFrom(r), id, r.PostFormValue("body"), r.PostFormValue("status"))
	}
	s.afterDesk(w, r, id, err, "desk.flash.replied")
}

func (s *Server) deskFollowUpSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.App.AddFollowUp(r.Context(), principalFrom(r), id, app.FollowUpInput{Kind: r.PostFormValue("kind"), Note: r.PostFormValue("note"), DueOn: r.PostFormValue("due_on")})
	}
	s.afterDesk(w, r, id, err, "desk.flash.followup_added")
}

func (s *Server) deskFollowUpDoneSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var fid int64
	if err == nil {
		fid, err = strconv.ParseInt(r.PathValue("fid"), 10, 64)
		if err != nil {
			err = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
		}
	}
	if err == nil {
		err = s.App.CompleteFollowUp(r.Context(), principalFrom(r), id, fid)
	}
	s.afterDesk(w, r, id, err, "desk.flash.followup_done")
}

func (s *Server) deskHandoverSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.App.HandOver(r.Context(), principalFrom(r), id, app.HandoverInput{Channel: r.PostFormValue("channel")})
	}
	s.afterDesk(w, r, id, err, "desk.flash.handed_over")
}

// API.

func (s *Server) apiConsultationCreate(w http.ResponseWriter, r *http.Request) {
	var in app.ConsultationInput
	if err := decodeJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.App.SubmitConsultation(r.Context(), principalFrom(r), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiConsultations(w http.ResponseWriter, r *http.Request) {
	list, err := s.App.DeskConsultations(r.Context(), principalFrom(r), r.FormValue("status"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiConsultationReply(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body   string `json:"body"`
		Status string `json:"status"`
	}
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(r.Body, &in)
	}
	if err == nil {
		err = s.App.ReplyToConsultation(r.Context(), principalFrom(r), id, in.Body, in.Status)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiFollowUpCreate(w http.ResponseWriter, r *http.Request) {
	var in app.FollowUpInput
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(r.Body, &in)
	}
	var f *kasuhara.FollowUp
	if err == nil {
		f, err = s.App.AddFollowUp(r.Context(), principalFrom(r), id, in)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

func (s *Server) apiHandover(w http.ResponseWriter, r *http.Request) {
	var in app.HandoverInput
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(r.Body, &in)
	}
	var res *app.CaseResult
	if err == nil {
		res, err = s.App.HandOver(r.Context(), principalFrom(r), id, in)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}
