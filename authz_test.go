package kasuhara_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

// want is the expected role × action matrix, written out in full so that any
// change to permissions shows up here as a deliberate edit.
var want = map[kasuhara.Action]map[kasuhara.Role]bool{
	kasuhara.ActHomeView:         all(),
	kasuhara.ActSelfManage:       all(),
	kasuhara.ActOrgView:          all(),
	kasuhara.ActDepartmentList:   all(),
	kasuhara.ActDepartmentManage: only(kasuhara.RoleAdmin),
	kasuhara.ActUserList:         only(kasuhara.RoleAdmin, kasuhara.RoleAuditor, kasuhara.RoleExecutive, kasuhara.RoleSupervisor),
	kasuhara.ActUserView:         only(kasuhara.RoleAdmin, kasuhara.RoleAuditor, kasuhara.RoleExecutive, kasuhara.RoleSupervisor),
	kasuhara.ActUserManage:       only(kasuhara.RoleAdmin),
	kasuhara.ActAuditView:        only(kasuhara.RoleAdmin, kasuhara.RoleAuditor),
	kasuhara.ActPolicyView:       all(),
	kasuhara.ActPolicyHistory:    only(kasuhara.RoleAdmin, kasuhara.RoleAuditor, kasuhara.RoleExecutive),
	kasuhara.ActPolicyManage:     only(kasuhara.RoleAdmin),
	kasuhara.ActCaseCreate:       only(kasuhara.RoleStaff, kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleDesk, kasuhara.RoleAdmin),
	kasuhara.ActCaseReadOwn:      all(),
	kasuhara.ActCaseReadAll:      only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAuditor),
	kasuhara.ActCaseContribute:   only(kasuhara.RoleStaff, kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleDesk, kasuhara.RoleAdmin),
	kasuhara.ActCaseHandle:       only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive),
	kasuhara.ActCaseEscalate:     only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive),
	kasuhara.ActCaseExport:       only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAuditor, kasuhara.RoleAdmin),
	kasuhara.ActCustomerLookup:   all(),
	kasuhara.ActCustomerView:     only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAuditor),
	kasuhara.ActCustomerManage:   only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive),
	kasuhara.ActRestrictionSet:   only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAdmin),
	kasuhara.ActNotificationOwn:  all(),
	kasuhara.ActReportApprove:    only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive),
	kasuhara.ActCaseEvidence:     only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAuditor),
	kasuhara.ActNotifyManage:     only(kasuhara.RoleAdmin),
	kasuhara.ActDetectUse:        all(),
	kasuhara.ActCallAssist:       only(kasuhara.RoleStaff, kasuhara.RoleSupervisor),
	kasuhara.ActCallMonitor:      only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive),

	kasuhara.ActConsultationSubmit:   all(),
	kasuhara.ActConsultationRead:     only(kasuhara.RoleDesk),
	kasuhara.ActConsultationReply:    only(kasuhara.RoleDesk),
	kasuhara.ActConsultationFollowUp: only(kasuhara.RoleDesk),
	kasuhara.ActConsultationHandover: only(kasuhara.RoleDesk),
	kasuhara.ActTrainingTake:         all(),
	kasuhara.ActTrainingAssign:       only(kasuhara.RoleAdmin, kasuhara.RoleSupervisor, kasuhara.RoleExecutive),
	kasuhara.ActTrainingReport:       only(kasuhara.RoleAdmin, kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAuditor),

	kasuhara.ActCareOwn:          all(),
	kasuhara.ActCareManage:       only(kasuhara.RoleDesk),
	kasuhara.ActDashboardView:    only(kasuhara.RoleSupervisor, kasuhara.RoleExecutive, kasuhara.RoleAuditor),
	kasuhara.ActLegalHold:        only(kasuhara.RoleExecutive, kasuhara.RoleAdmin),
	kasuhara.ActRetentionManage:  only(kasuhara.RoleAdmin),
	kasuhara.ActPrivacyExport:    only(kasuhara.RoleAdmin, kasuhara.RoleAuditor),
	kasuhara.ActComplianceReport: only(kasuhara.RoleAdmin, kasuhara.RoleExecutive, kasuhara.RoleAuditor),
}

func all() map[kasuhara.Role]bool { return only(kasuhara.Roles...) }

func only(rs ...kasuhara.Role) map[kasuhara.Role]bool {
	m := map[kasuhara.Role]bool{}
	for _, r := range rs {
		m[r] = true
	}
	return m
}

func principal(role kasuhara.Role, org int64, reach ...int64) *kasuhara.Principal {
	u := &kasuhara.User{ID: 1, OrgID: org, Roles: []kasuhara.Role{role}}
	return &kasuhara.Principal{User: u, Org: &kasuhara.Organization{ID: org}, OrgIDs: append([]int64{org}, reach...)}
}

func TestAuthorize_RoleActionMatrix(t *testing.T) {
	if len(want) != len(kasuhara.Actions()) {
		t.Fatalf("matrix covers %d actions, the table has %d: add the new action here", len(want), len(kasuhara.Actions()))
	}
	const own, subsidiary, stranger = 10, 11, 20
	for _, action := range kasuhara.Actions() {
		for _, role := range kasuhara.Roles {
			allowed := want[action][role]
			t.Run(string(action)+"/"+string(role), func(t *testing.T) {
				p := principal(role, own)
				err := kasuhara.Authorize(p, action, own)
				if allowed && err != nil {
					t.Errorf("own org: %v, want allowed", err)
				}
				if !allowed && kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
					t.Errorf("own org: %v, want forbidden", err)
				}
				// Another organization is never reachable, whatever the role.
				err = kasuhara.Authorize(p, action, stranger)
				if allowed && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
					t.Errorf("other org: %v, want not found", err)
				}
				if !allowed && err == nil {
					t.Errorf("other org allowed")
				}
				// A subsidiary is reachable only through group access.
				if err := kasuhara.Authorize(p, action, subsidiary); err == nil {
					t.Errorf("subsidiary allowed without group access")
				}
				g := principal(role, own, subsidiary)
				if err := kasuhara.Authorize(g, action, subsidiary); allowed != (err == nil) {
					t.Errorf("subsidiary with group access: %v, want allowed=%v", err, allowed)
				}
			})
		}
	}
}

func TestAuthorize_DisabledOrAnonymousIsRefused(t *testing.T) {
	if err := kasuhara.Authorize(nil, kasuhara.ActHomeView, 1); kasuhara.ErrorCode(err) != kasuhara.EUNAUTHORIZED {
		t.Errorf("anonymous: %v", err)
	}
	p := principal(kasuhara.RoleAdmin, 1)
	p.User.Disabled = true
	if err := kasuhara.Authorize(p, kasuhara.ActHomeView, 1); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
		t.Errorf("disabled: %v", err)
	}
}

func TestAuditEntry_HashCoversEveryField(t *testing.T) {
	org := int64(3)
	base := kasuhara.AuditEntry{Seq: 1, OrgID: &org, Actor: "a", Action: "x", Target: "t", IP: "1.2.3.4", Outcome: "ok", Detail: []byte(`{}`), PrevHash: kasuhara.GenesisHash}
	h := base.ComputeHash()
	mutations := map[string]func(e *kasuhara.AuditEntry){
		"seq":     func(e *kasuhara.AuditEntry) { e.Seq = 2 },
		"org":     func(e *kasuhara.AuditEntry) { e.OrgID = nil },
		"actor":   func(e *kasuhara.AuditEntry) { e.Actor = "b" },
		"action":  func(e *kasuhara.AuditEntry) { e.Action = "y" },
		"target":  func(e *kasuhara.AuditEntry) { e.Target = "u" },
		"ip":      func(e *kasuhara.AuditEntry) { e.IP = "" },
		"outcome": func(e *kasuhara.AuditEntry) { e.Outcome = "denied" },
		"detail":  func(e *kasuhara.AuditEntry) { e.Detail = []byte(`{"a":1}`) },
		"prev":    func(e *kasuhara.AuditEntry) { e.PrevHash = "x" },
		// Moving a character between adjacent fields must change the hash too.
		"boundary": func(e *kasuhara.AuditEntry) { e.Actor, e.Action = "ax", "" },
	}
	for name, mutate := range mutations {
		e := base
		mutate(&e)
		if e.ComputeHash() == h {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
}
