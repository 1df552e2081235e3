package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
)

// notifyPage lets an administrator see and set where the organization's
// notifications go (SMTP, signed webhooks) and how deliveries fared.
// Secrets are written, never shown back; webhook URLs show their host only,
// because the path often carries a token.
func (s *Server) notifyPage(w http.ResponseWriter, r *http.Request) {
	s.showNotify(w, r, http.StatusOK, "")
}

type channelRow struct {
	*kasuhara.NotifyChannel
	Where string
}

func (s *Server) showNotify(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var chs []*kasuhara.NotifyChannel
	if err == nil {
		chs, err = s.App.NotifyChannels(r.Context(), p, orgID)
	}
	var ds []*kasuhara.NotifyDelivery
	if err == nil {
		ds, err = s.App.Deliveries(r.Context(), p, orgID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rows := make([]channelRow, len(chs))
	names := map[int64]string{}
	for i, ch := range chs {
		where := ch.Host + ":" + strconv.Itoa(ch.Port)
		if ch.Kind == kasuhara.ChannelWebhook {
			where = ""
			if u, err := url.Parse(ch.URL); err == nil {
				where = u.Scheme + "://" + u.Host + "/…"
			}
		}
		rows[i] = channelRow{ch, where}
		names[ch.ID] = ch.Name
	}
	if len(ds) > 50 {
		ds = ds[:50]
	}
	s.render(w, r, status, "notify", map[string]any{
		"OrgID": orgID, "Orgs": s.reachableOrgs(r, p), "Channels": rows, "Deliveries": ds, "ChannelNames": names,
		"Kinds": kasuhara.NotificationKinds, "Error": errMsg,
	})
}

// notifySaveSubmit creates or changes (by name) one channel from the form.
func (s *Server) notifySaveSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ch := &kasuhara.NotifyChannel{OrgID: orgID, Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"),
		Host: r.PostFormValue("host"), From: r.PostFormValue("from"), User: r.PostFormValue("user"),
		URL: r.PostFormValue("url"), Format: r.PostFormValue("format"), Secret: r.PostFormValue("secret"),
		Kinds: r.PostForm["kinds"], Enabled: r.PostFormValue("enabled") == "1"}
	if ch.Kind != kasuhara.ChannelSMTP && ch.Kind != kasuhara.ChannelWebhook {
		err = kasuhara.FieldError("kind", "error.invalid")
	} else if ch.Kind == kasuhara.ChannelSMTP {
		if ch.Port, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("port"))); err != nil {
			err = kasuhara.FieldError("port", "error.field.range", 1, 65535)
		}
	}
	if err == nil {
		err = s.App.SaveNotifyChannel(r.Context(), p, ch)
	}
	if err != nil {
		if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
			_, _, msg := localize(langFrom(r), err)
			s.showNotify(w, r, statusOf[c], msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, "flash.saved")
	http.Redirect(w, r, "/admin/notifications?org="+strconv.FormatInt(orgID, 10), http.StatusSeeOther)
}
