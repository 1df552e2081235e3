package web

import (
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"
)

// route is one entry of the route table. auth says who may reach the
// handler at all: public routes run without a principal; the others require
// one (session cookie or bearer token) and the handler authorizes its action.
type route struct {
	method, path string
	auth         authMode
	h            http.HandlerFunc
}

type authMode int

const (
	public   authMode = iota // no sign-in needed
	signedIn                 // a session or, under /api/, a bearer token
	// anonymous routes are public routes that must not learn who calls:
	// the session cookie is not read and the client's address is dropped
	// from the request context, so no audit entry or log line can carry it.
	anonymous
)

// buildRoutes is the one place every route is listed.
func (s *Server) buildRoutes() http.Handler {
	s.routes = []route{
		// Operations.
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/readyz", public, s.readyz},
		{"GET", "/metrics", public, s.metricsHandler},
		{"GET", "/static/{file}", public, s.static},
		{"GET", "/api/openapi.json", public, s.openAPI},

		// Pages.
		{"GET", "/{$}", signedIn, s.homePage},
		{"GET", "/login", public, s.loginPage},
		{"POST", "/login", public, s.loginSubmit},
		{"POST", "/logout", signedIn, s.logoutSubmit},
		{"POST", "/lang", public, s.langSubmit},
		{"GET", "/settings", signedIn, s.settingsPage},
		{"POST", "/settings/password", signedIn, s.passwordSubmit},
		{"POST", "/settings/logout-everywhere", signedIn, s.logoutEverywhereSubmit},
		{"POST", "/settings/tokens", signedIn, s.tokenCreateSubmit},
		{"POST", "/settings/tokens/{id}/revoke", signedIn, s.tokenRevokeSubmit},
		{"GET", "/admin/users", signedIn, s.usersPage},
		{"GET", "/admin/users/new", signedIn, s.userNewPage},
		{"POST", "/admin/users", signedIn, s.userCreateSubmit},
		{"GET", "/admin/users/{id}", signedIn, s.userPage},
		{"POST", "/admin/users/{id}", signedIn, s.userUpdateSubmit},
		{"POST", "/admin/users/{id}/sign-out", signedIn, s.userSignOutSubmit},
		{"POST", "/admin/users/{id}/password-reset", signedIn, s.userPasswordResetSubmit},
		{"GET", "/admin/departments", signedIn, s.departmentsPage},
		{"POST", "/admin/departments", signedIn, s.departmentCreateSubmit},
		{"POST", "/admin/departments/{id}", signedIn, s.departmentRenameSubmit},
		{"POST", "/admin/departments/{id}/delete", signedIn, s.departmentDeleteSubmit},
		{"GET", "/admin/audit", signedIn, s.auditPage},
		{"GET", "/admin/notifications", signedIn, s.notifyPage},
		{"POST", "/admin/notifications", signedIn, s.notifySaveSubmit},

		// Policy: the public page, the staff handbook, versions and the editor.
		{"GET", "/p/{org}/policy", public, s.publicPolicyPage},
		{"GET", "/p/policy.css", public, s.policyStyleSheet},
		{"GET", "/policy", signedIn, s.handbookPage},
		{"GET", "/admin/policy", signedIn, s.policyAdminPage},
		{"GET", "/admin/policy/versions/{id}", signedIn, s.policyVersionPage},
		{"GET", "/admin/policy/edit", signedIn, s.policyEditPage},
		{"POST", "/admin/policy/import", signedIn, s.policyImportSubmit},
		{"POST", "/admin/policy/preview", signedIn, s.policyPreviewSubmit},
		{"POST", "/admin/policy/publish", signedIn, s.policyPublishSubmit},

		// Cases: the quick report, the list with CSV export, the case and its actions.
		{"GET", "/cases", signedIn, s.casesPage},
		{"GET", "/cases/new", signedIn, s.quickReportPage},
		{"POST", "/cases", signedIn, s.quickReportSubmit},
		{"GET", "/cases/export.csv", signedIn, s.casesExport},
		{"GET", "/cases/{id}", signedIn, s.casePage},
		{"POST", "/cases/{id}/transition", signedIn, s.caseTransitionSubmit},
		{"POST", "/cases/{id}/assess", signedIn, s.caseAssessSubmit},
		{"POST", "/cases/{id}/escalate", signedIn, s.caseEscalateSubmit},
		{"POST", "/cases/{id}/assign", signedIn, s.caseAssignSubmit},
		{"POST", "/cases/{id}/contacts", signedIn, s.caseContactSubmit},
		{"POST", "/cases/{id}/attachments", signedIn, s.caseAttachSubmit},
		{"GET", "/cases/{id}/attachments/{aid}", signedIn, s.caseAttachment},
		{"GET", "/cases/{id}/report", signedIn, s.caseReportPage},
		{"GET", "/cases/{id}/report.pdf", signedIn, s.caseReportPDF},
		{"GET", "/cases/{id}/evidence.zip", signedIn, s.caseEvidence},
		{"POST", "/cases/{id}/measures", signedIn, s.caseMeasureSubmit},
		{"POST", "/cases/{id}/measures/{mid}/done", signedIn, s.caseMeasureDoneSubmit},
		{"POST", "/cases/{id}/approvals", signedIn, s.caseApproveSubmit},
		{"POST", "/cases/{id}/legal-hold", signedIn, s.caseLegalHoldSubmit},
		{"GET", "/customers", signedIn, s.customersPage},
		{"GET", "/customers/{id}", signedIn, s.customerPage},
		{"POST", "/customers/{id}/restrictions", signedIn, s.restrictionSubmit},
		{"POST", "/customers/{id}/restrictions/{rid}/lift", signedIn, s.restrictionLiftSubmit},

		// Live calls: the supervisors' board.
		{"GET", "/calls/live", signedIn, s.liveCallsPage},

		// Consultation desk (相談窓口): staff, the public link, the desk.
		{"GET", "/consult", signedIn, s.consultPage},
		{"POST", "/consult", signedIn, s.consultSubmit},
		{"GET", "/consult/{id}", signedIn, s.consultThreadPage},
		{"POST", "/consult/{id}/messages", signedIn, s.consultMessageSubmit},
		{"POST", "/consult/{id}/consent", signedIn, s.consultConsentSubmit},
		{"GET", "/p/{org}/consult", anonymous, s.publicConsultPage},
		{"POST", "/p/{org}/consult", anonymous, s.publicConsultSubmit},
		{"GET", "/p/{org}/consult/status", anonymous, s.publicStatusPage},
		{"POST", "/p/{org}/consult/status", anonymous, s.publicStatusSubmit},
		{"POST", "/p/{org}/consult/message", anonymous, s.publicMessageSubmit},
		{"POST", "/p/{org}/consult/consent", anonymous, s.publicConsentSubmit},
		{"GET", "/desk", signedIn, s.deskPage},
		{"GET", "/desk/consultations/{id}", signedIn, s.deskConsultationPage},
		{"POST", "/desk/consultations/{id}/reply", signedIn, s.deskReplySubmit},
		{"POST", "/desk/consultations/{id}/follow-ups", signedIn, s.deskFollowUpSubmit},
		{"POST", "/desk/consultations/{id}/follow-ups/{fid}/done", signedIn, s.deskFollowUpDoneSubmit},
		{"POST", "/desk/consultations/{id}/handover", signedIn, s.deskHandoverSubmit},

		// Training.
		{"GET", "/training", signedIn, s.trainingPage},
		{"GET", "/training/tasks/{id}", signedIn, s.trainingTaskPage},
		{"POST", "/training/tasks/{id}/quiz", signedIn, s.trainingQuizSubmit},
		{"GET", "/training/tasks/{id}/certificate", signedIn, s.trainingCertificatePage},
		{"GET", "/training/admin", signedIn, s.trainingAdminPage},
		{"POST", "/training/admin/assignments", signedIn, s.trainingAssignSubmit},
		{"POST", "/training/admin/reminders", signedIn, s.trainingRemindSubmit},

		// Care after a case, the dashboard, the compliance report.
		{"GET", "/care", signedIn, s.carePage},
		{"POST", "/care/start", signedIn, s.careStartSubmit},
		{"GET", "/care/{id}", signedIn, s.carePlanPage},
		{"POST", "/care/{id}/tasks", signedIn, s.careTaskAddSubmit},
		{"POST", "/care/{id}/tasks/{tid}", signedIn, s.careTaskUpdateSubmit},
		{"GET", "/dashboard", signedIn, s.dashboardPage},
		{"GET", "/dashboard/csv/{chart}", signedIn, s.dashboardCSV},
		{"GET", "/compliance/report.pdf", signedIn, s.complianceReport},

		// API v1.
		{"GET", "/api/v1/me", signedIn, s.apiMe},
		{"GET", "/api/v1/users", signedIn, s.apiUsers},
		{"POST", "/api/v1/users", signedIn, s.apiUserCreate},
		{"GET", "/api/v1/users/{id}", signedIn, apiGetByID(s, s.App.User)},
		{"PATCH", "/api/v1/users/{id}", signedIn, s.apiUserUpdate},
		{"GET", "/api/v1/departments", signedIn, s.apiDepartments},
		{"POST", "/api/v1/departments", signedIn, s.apiDepartmentCreate},
		{"PATCH", "/api/v1/departments/{id}", signedIn, apiIDWithBody(s, s.apiDepartmentUpdate)},
		{"DELETE", "/api/v1/departments/{id}", signedIn, s.apiDepartmentDelete},
		{"GET", "/api/v1/tokens", signedIn, s.apiTokens},
		{"POST", "/api/v1/tokens", signedIn, s.apiTokenCreate},
		{"DELETE", "/api/v1/tokens/{id}", signedIn, s.apiTokenRevoke},
		{"GET", "/api/v1/audit", signedIn, s.apiAudit},
		{"GET", "/api/v1/policy/versions", signedIn, s.apiPolicyVersions},
		{"POST", "/api/v1/policy/versions", signedIn, s.apiPolicyPublish},
		{"GET", "/api/v1/policy/versions/{id}", signedIn, apiGetByID(s, s.App.PolicyVersion)},
		{"GET", "/api/v1/policy/in-effect", signedIn, s.apiPolicyInEffect},
		{"POST", "/api/v1/policy/lint", signedIn, s.apiPolicyLint},
		{"GET", "/api/v1/policy/presets", signedIn, s.apiPolicyPresets},
		{"GET", "/api/v1/policy/presets/{name}", signedIn, s.apiPolicyPreset},

		// Cases, customers, restrictions, notifications.
		{"GET", "/api/v1/cases", signedIn, s.apiCases},
		{"POST", "/api/v1/cases", signedIn, s.apiCaseCreate},
		{"GET", "/api/v1/cases/export.csv", signedIn, s.casesExport},
		{"GET", "/api/v1/cases/{id}", signedIn, s.apiCase},
		{"PATCH", "/api/v1/cases/{id}", signedIn, s.apiCaseUpdate},
		{"POST", "/api/v1/cases/{id}/transition", signedIn, s.apiCaseTransition},
		{"POST", "/api/v1/cases/{id}/assessment", signedIn, s.apiCaseAssess},
		{"POST", "/api/v1/cases/{id}/escalation", signedIn, s.apiCaseEscalate},
		{"POST", "/api/v1/cases/{id}/assignment", signedIn, s.apiCaseAssign},
		{"POST", "/api/v1/cases/{id}/contacts", signedIn, s.apiCaseContact},
		{"POST", "/api/v1/cases/type-suggestions", signedIn, s.apiTypeSuggestions},
		{"POST", "/api/v1/cases/{id}/attachments", signedIn, s.apiCaseAttach},
		{"GET", "/api/v1/cases/{id}/attachments/{aid}", signedIn, s.caseAttachment},
		{"GET", "/api/v1/cases/{id}/report", signedIn, s.apiCaseReport},
		{"GET", "/api/v1/cases/{id}/report.pdf", signedIn, s.caseReportPDF},
		{"GET", "/api/v1/cases/{id}/evidence.zip", signedIn, s.caseEvidence},
		{"POST", "/api/v1/cases/{id}/measures", signedIn, s.apiCaseMeasure},
		{"POST", "/api/v1/cases/{id}/approvals", signedIn, s.apiCaseApprove},
		{"GET", "/api/v1/customers", signedIn, s.apiCustomers},
		{"POST", "/api/v1/customers", signedIn, s.apiCustomerCreate},
		{"GET", "/api/v1/customers/lookup", signedIn, s.apiCustomerLookup},
		{"GET", "/api/v1/customers/{id}", signedIn, s.apiCustomer},
		{"PATCH", "/api/v1/customers/{id}", signedIn, s.apiCustomerUpdate},
		{"POST", "/api/v1/customers/{id}/restrictions", signedIn, s.apiRestrictionCreate},
		{"POST", "/api/v1/restrictions/{id}/lift", signedIn, apiIDWithBody(s, s.apiRestrictionLift)},
		{"GET", "/api/v1/notifications", signedIn, s.apiNotifications},

		// Consultations and training.
		{"GET", "/api/v1/consultations", signedIn, s.apiConsultations},
		{"POST", "/api/v1/consultations", signedIn, s.apiConsultationCreate},
		{"GET", "/api/v1/consultations/{id}", signedIn, apiGetByID(s, s.App.DeskConsultation)},
		{"POST", "/api/v1/consultations/{id}/replies", signedIn, s.apiConsultationReply},
		{"POST", "/api/v1/consultations/{id}/follow-ups", signedIn, s.apiFollowUpCreate},
		{"POST", "/api/v1/consultations/{id}/handover", signedIn, s.apiHandover},
		{"GET", "/api/v1/training/tasks", signedIn, s.apiTrainingTasks},
		{"GET", "/api/v1/training/progress", signedIn, s.apiTrainingProgress},
		{"POST", "/api/v1/training/assignments", signedIn, s.apiTrainingAssign},
		{"POST", "/api/v1/training/reminders", signedIn, s.apiTrainingRemind},

		// Care plans, the dashboard, retention, legal hold, disclosure requests, compliance.
		{"GET", "/api/v1/care/plans", signedIn, s.apiCarePlans},
		{"POST", "/api/v1/care/plans", signedIn, s.apiCarePlanCreate},
		{"GET", "/api/v1/care/plans/{id}", signedIn, apiGetByID(s, s.App.CarePlan)},
		{"POST", "/api/v1/care/plans/{id}/tasks", signedIn, s.apiCareTaskCreate},
		{"PATCH", "/api/v1/care/plans/{id}/tasks/{tid}", signedIn, s.apiCareTaskUpdate},
		{"GET", "/api/v1/dashboard", signedIn, s.apiDashboard},
		{"GET", "/api/v1/retention", signedIn, s.apiRetentionPreview},
		{"POST", "/api/v1/retention/run", signedIn, s.apiRetentionRun},
		{"POST", "/api/v1/cases/{id}/legal-hold", signedIn, s.apiLegalHold},
		{"GET", "/api/v1/privacy/export", signedIn, s.apiPrivacyExport},
		{"GET", "/api/v1/compliance/report.pdf", signedIn, s.complianceReport},

		// Detection and live call assist.
		{"POST", "/api/v1/detect", signedIn, s.apiDetect},
		{"GET", "/api/v1/calls", signedIn, s.apiLiveCalls},
		{"POST", "/api/v1/calls", signedIn, s.apiCallOpen},
		{"GET", "/api/v1/calls/events", signedIn, s.apiCallEvents},
		{"GET", "/api/v1/calls/{id}", signedIn, s.apiCall},
		{"GET", "/api/v1/calls/{id}/draft", signedIn, s.apiCallDraft},
		{"POST", "/api/v1/calls/{id}/utterances", signedIn, s.apiUtterance},
		{"POST", "/api/v1/calls/{id}/stage", signedIn, s.apiCallStage},
		{"POST", "/api/v1/calls/{id}/end", signedIn, s.apiCallEnd},
	}
	// Request bodies are capped at s.MaxBodyBytes except on the routes
	// below, which take files up to kasuhara.MaxAttachmentSize (plus room for
	// a form's other fields).
	uploadLimit := int64(kasuhara.MaxAttachmentSize + 1<<20)
	uploadTooLarge := &kasuhara.Error{Code: kasuhara.ETOOLARGE, Key: "cases.error.attachment_too_large", Field: "file",
		Args: []any{kasuhara.MaxAttachmentSize >> 20}, Message: "file too large"}
	bodyLimits := map[string]int64{
		"POST /cases/{id}/attachments":        uploadLimit,
		"POST /api/v1/cases/{id}/attachments": uploadLimit,
	}
	mux := http.NewServeMux()
	s.anonymousRoutes = http.NewServeMux()
	for _, rt := range s.routes {
		h := http.Handler(rt.h)
		if rt.auth == signedIn {
			h = s.requireSignIn(h, strings.HasPrefix(rt.path, "/api/"))
		}
		if limit, ok := bodyLimits[rt.method+" "+rt.path]; ok {
			h = s.limitBody(h, limit, uploadTooLarge)
			delete(bodyLimits, rt.method+" "+rt.path)
		} else {
			h = s.limitBody(h, s.MaxBodyBytes, s.bodyTooLarge())
		}
		if rt.auth == anonymous {
			s.anonymousRoutes.Handle(rt.method+" "+rt.path, http.NotFoundHandler())
		}
		mux.Handle(rt.method+" "+rt.path, s.instrument(rt.method+" "+rt.path, h))
	}
	for pattern := range bodyLimits {
		panic("web: body limit for " + pattern + ", which is not a route")
	}
	mux.Handle("/api/", s.instrument("api-not-found", s.limitBody(http.HandlerFunc(s.apiNotFound), s.MaxBodyBytes, s.bodyTooLarge())))
	mux.Handle("/", s.instrument("not-found", s.limitBody(http.HandlerFunc(s.notFound), s.MaxBodyBytes, s.bodyTooLarge())))
	return s.recoverPanics(s.requestContext(s.securityHeaders(s.authenticate(mux))))
}
