package kasuhara

import "slices"

// Action is something a user may try to do. Every handler names the action
// it performs and asks Authorize; nothing else decides who may do what.
type Action string

// The actions.
const (
	ActHomeView         Action = "home.view"
	ActSelfManage       Action = "self.manage" // own password, language, API tokens, sign out everywhere
	ActOrgView          Action = "org.view"
	ActDepartmentList   Action = "department.list"
	ActDepartmentManage Action = "department.manage"
	ActUserList         Action = "user.list"
	ActUserView         Action = "user.view"
	ActUserManage       Action = "user.manage" // create, change roles, disable, sign out
	ActAuditView        Action = "audit.view"
	ActPolicyView       Action = "policy.view"    // the policy in effect: the staff handbook
	ActPolicyHistory    Action = "policy.history" // every version with who published it
	ActPolicyManage     Action = "policy.manage"  // import, edit, publish a version
	ActDetectUse        Action = "detect.use"     // run the harassment detector on texts
	ActCallAssist       Action = "call.assist"    // open a live call, post its utterances, confirm a stage, end it
	ActCallMonitor      Action = "call.monitor"   // watch ongoing calls and their alerts, confirm a stage, end a call

	// Cases. Reading a case takes case.read_all, or case.read_own for cases
	// the user reported or is assigned to; both are checked in app.
	ActCaseCreate      Action = "case.create"      // file a (quick) report
	ActCaseReadOwn     Action = "case.read_own"    // cases one reported or is assigned
	ActCaseReadAll     Action = "case.read_all"    // every case of the organization
	ActCaseContribute  Action = "case.contribute"  // add contacts and attachments to a readable case
	ActCaseHandle      Action = "case.handle"      // edit facts, assign, move through states, assess
	ActCaseEscalate    Action = "case.escalate"    // escalate to an executive, the police, a lawyer
	ActCaseExport      Action = "case.export"      // CSV export (personal data only with customer.view)
	ActCustomerLookup  Action = "customer.lookup"  // front-line lookup: restricted or not, what to say
	ActCustomerView    Action = "customer.view"    // the registry, contact history, restriction details
	ActCustomerManage  Action = "customer.manage"  // create and edit customers, record contacts
	ActRestrictionSet  Action = "restriction.set"  // impose or lift; the policy may narrow the roles further
	ActNotificationOwn Action = "notification.own" // one's own notifications
	// The corrective-action report (是正処置計画書兼報告書) is read by whoever
	// may read the case; measures are added with case.handle.
	ActReportApprove Action = "case.report_approve" // approve a case's report in one's own role (supervisor, then executive)
	ActCaseEvidence  Action = "case.evidence"       // produce the evidence bundle for lawyers or the police
	ActNotifyManage  Action = "notify.manage"       // configure SMTP and webhooks, see deliveries

	// Consultation desk (相談窓口). Anonymous consultations through the
	// public link need no action: they have no principal.
	ActConsultationSubmit   Action = "consultation.submit"   // consult by name, read one's own and reply, consent to a case
	ActConsultationRead     Action = "consultation.read"     // read every consultation (each read is audited)
	ActConsultationReply    Action = "consultation.reply"    // answer, change status
	ActConsultationFollowUp Action = "consultation.followup" // record interviews, referrals, leave, reassignment
	ActConsultationHandover Action = "consultation.handover" // make a case of a consented consultation

	// Training.
	ActTrainingTake   Action = "training.take"   // one's own modules, quizzes and certificates
	ActTrainingAssign Action = "training.assign" // assign modules, send reminders
	ActTrainingReport Action = "training.report" // completion and scores per person

	// Care after a case, the dashboard, retention, privacy and compliance.
	ActCareOwn          Action = "care.own"          // one's own care plan: its tasks, owners and dates
	ActCareManage       Action = "care.manage"       // every care plan: read (audited), start, assign, complete
	ActDashboardView    Action = "dashboard.view"    // aggregate figures, never a person's content
	ActLegalHold        Action = "case.hold"         // put a case under legal hold or release it
	ActRetentionManage  Action = "retention.manage"  // see retention periods, run deletion
	ActPrivacyExport    Action = "privacy.export"    // export one person's data for a disclosure request
	ActComplianceReport Action = "compliance.report" // the yearly compliance report
)

// permissions is the role × action table. Auditors read; only admins change
// accounts. Each later feature adds its actions here and to the matrix test.
var permissions = map[Action][]Role{
	ActHomeView:         Roles,
	ActSelfManage:       Roles,
	ActOrgView:          Roles,
	ActDepartmentList:   Roles,
	ActDepartmentManage: {RoleAdmin},
	ActUserList:         {RoleAdmin, RoleAuditor, RoleExecutive, RoleSupervisor},
	ActUserView:         {RoleAdmin, RoleAuditor, RoleExecutive, RoleSupervisor},
	ActUserManage:       {RoleAdmin},
	ActAuditView:        {RoleAdmin, RoleAuditor},
	ActPolicyView:       Roles,
	ActPolicyHistory:    {RoleAdmin, RoleAuditor, RoleExecutive},
	ActPolicyManage:     {RoleAdmin},
	ActCaseCreate:       {RoleStaff, RoleSupervisor, RoleExecutive, RoleDesk, RoleAdmin},
	ActCaseReadOwn:      Roles,
	ActCaseReadAll:      {RoleSupervisor, RoleExecutive, RoleAuditor},
	ActCaseContribute:   {RoleStaff, RoleSupervisor, RoleExecutive, RoleDesk, RoleAdmin},
	ActCaseHandle:       {RoleSupervisor, RoleExecutive},
	ActCaseEscalate:     {RoleSupervisor, RoleExecutive},
	ActCaseExport:       {RoleSupervisor, RoleExecutive, RoleAuditor, RoleAdmin},
	ActCustomerLookup:   Roles,
	ActCustomerView:     {RoleSupervisor, RoleExecutive, RoleAuditor},
	ActCustomerManage:   {RoleSupervisor, RoleExecutive},
	ActRestrictionSet:   {RoleSupervisor, RoleExecutive, RoleAdmin},
	ActNotificationOwn:  Roles,
	ActReportApprove:    {RoleSupervisor, RoleExecutive},
	ActCaseEvidence:     {RoleSupervisor, RoleExecutive, RoleAuditor},
	ActNotifyManage:     {RoleAdmin},
	ActDetectUse:        Roles,
	// The phone system's token belongs to a staff or supervisor account.
	ActCallAssist:  {RoleStaff, RoleSupervisor},
	ActCallMonitor: {RoleSupervisor, RoleExecutive},
	// Only the desk reads consultations: not supervisors, executives or
	// auditors, so that nobody up the line learns who consulted.
	ActConsultationSubmit:   Roles,
	ActConsultationRead:     {RoleDesk},
	ActConsultationReply:    {RoleDesk},
	ActConsultationFollowUp: {RoleDesk},
	ActConsultationHandover: {RoleDesk},
	ActTrainingTake:         Roles,
	ActTrainingAssign:       {RoleAdmin, RoleSupervisor, RoleExecutive},
	ActTrainingReport:       {RoleAdmin, RoleSupervisor, RoleExecutive, RoleAuditor},
	// Care plans are read by the desk and the person concerned only: not by
	// supervisors, who see the case but not how the person is doing.
	ActCareOwn:          Roles,
	ActCareManage:       {RoleDesk},
	ActDashboardView:    {RoleSupervisor, RoleExecutive, RoleAuditor},
	ActLegalHold:        {RoleExecutive, RoleAdmin},
	ActRetentionManage:  {RoleAdmin},
	ActPrivacyExport:    {RoleAdmin, RoleAuditor},
	ActComplianceReport: {RoleAdmin, RoleExecutive, RoleAuditor},
}

// Actions lists every action, for the matrix test and the documentation.
func Actions() []Action {
	out := make([]Action, 0, len(permissions))
	for a := range permissions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// RolesFor returns the roles allowed to perform a.
func RolesFor(a Action) []Role { return permissions[a] }

// Principal is an authenticated caller: a user, the organization they act in
// and every organization their roles reach (their own, plus the group's
// subsidiaries when the user has group access).
type Principal struct {
	User    *User
	Org     *Organization
	OrgIDs  []int64
	TokenID *int64 // set when the caller used an API token
}

// Can reports whether p may perform a at all (in some organization).
func (p *Principal) Can(a Action) bool {
	if p == nil || p.User == nil || p.User.Disabled {
		return false
	}
	for _, r := range permissions[a] {
		if p.User.HasRole(r) {
			return true
		}
	}
	return false
}

// Reaches reports whether orgID is within p's organizations.
func (p *Principal) Reaches(orgID int64) bool {
	return p != nil && slices.Contains(p.OrgIDs, orgID)
}

// Authorize returns nil when p may perform a on data of orgID. It returns
// EUNAUTHORIZED without a principal, EFORBIDDEN when no role of p allows a,
// and ENOTFOUND when orgID is outside p's reach, so that other organizations'
// records are not even confirmed to exist.
func Authorize(p *Principal, a Action, orgID int64) error {
	if p == nil || p.User == nil {
		return &Error{Code: EUNAUTHORIZED, Key: "error.unauthorized", Message: "sign in first"}
	}
	if !p.Can(a) {
		return &Error{Code: EFORBIDDEN, Key: "error.forbidden", Message: "not allowed: " + string(a)}
	}
	if !p.Reaches(orgID) {
		return &Error{Code: ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	return nil
}
