package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// smtpServer is a minimal SMTP server for tests: EHLO, AUTH PLAIN, MAIL,
// RCPT, DATA, QUIT. It records each message and refuses wrong credentials.
type smtpServer struct {
	ln         net.Listener
	user, pass string
	mu         sync.Mutex
	mails      []mail
}

type mail struct {
	From, To string
	Data     string
}

func startSMTP(t *testing.T, user, pass string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, user: user, pass: pass}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 test ESMTP")
	var m mail
	authed := s.user == ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tp.PrintfLine("250-test")
			tp.PrintfLine("250 AUTH PLAIN")
		case "AUTH":
			_, b64, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(b64)
			if string(raw) == "\x00"+s.user+"\x00"+s.pass {
				authed = true
				tp.PrintfLine("235 ok")
			} else {
				tp.PrintfLine("535 bad credentials")
			}
		case "MAIL":
			if !authed {
				tp.PrintfLine("530 authentication required")
				continue
			}
			m = mail{From: strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")}
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.To = strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.Data = string(data)
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func (s *smtpServer) received() []mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail(nil), s.mails...)
}

// hookReceiver is a webhook endpoint that checks the signature and can be
// told to fail the next requests.
type hookReceiver struct {
	*httptest.Server
	secret   string
	mu       sync.Mutex
	failNext int
	bodies   [][]byte
	badSig   int
}

func startHook(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{secret: secret}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(app.WebhookTimestampHeader), 10, 64)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.secret != "" && r.Header.Get(app.WebhookSignatureHeader) != app.SignWebhook(h.secret, ts, body) {
			h.badSig++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if h.failNext > 0 {
			h.failNext--
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		h.bodies = append(h.bodies, body)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) received() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.bodies...)
}

func TestDeliverer_EmailsEachRecipientAndSignsWebhooksRetryingWithBackoff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		var logs bytes.Buffer
		e.a.Log = slog.New(slog.NewTextHandler(&logs, nil))
		mailSrv := startSMTP(t, "kasuhara", "smtp-pa55word")
		hook := startHook(t, "hook-s3cret")
		slack := startHook(t, "")
		for _, ch := range []*kasuhara.NotifyChannel{
			{OrgID: e.org.ID, Kind: kasuhara.ChannelSMTP, Name: "mail", Host: "127.0.0.1", Port: mailSrv.port(), From: "カスハラ窓口 <noreply@example.jp>",
				User: "kasuhara", Secret: "smtp-pa55word", Enabled: true},
			{OrgID: e.org.ID, Kind: kasuhara.ChannelWebhook, Name: "hook", URL: hook.URL, Secret: "hook-s3cret", Enabled: true},
			{OrgID: e.org.ID, Kind: kasuhara.ChannelWebhook, Name: "slack", URL: slack.URL, Format: kasuhara.WebhookSlack, Enabled: true},
		} {
			if err := e.a.SaveNotifyChannel(ctx, e.admin, ch); err != nil {
				t.Fatal(err)
			}
		}
		// A second supervisor of the department: two mails, one webhook post per event.
		sv2 := &kasuhara.User{OrgID: e.org.ID, Email: "sv2@example.jp", Name: "sv2", Roles: []kasuhara.Role{kasuhara.RoleSupervisor}, DepartmentID: e.sv.User.DepartmentID}
		if err := e.a.CreateUser(ctx, nil, sv2, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		hook.failNext = 1
		cs := e.report("face_to_face", "physical-attack") // urgent
		ns, _ := db.ListNotifications(ctx, cs.ID, 0)
		if len(ns) < 2 {
			t.Fatalf("want several recipients, got %d notifications", len(ns))
		}
		d := app.NewDeliverer(e.a, "https://kasuhara.example.jp")
		d.BaseBackoff = time.Minute
		if _, err := d.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		mails := mailSrv.received()
		if len(mails) != len(ns) {
			t.Fatalf("%d mails for %d notifications", len(mails), len(ns))
		}
		var toSV bool
		for _, m := range mails {
			toSV = toSV || m.To == "sv@example.jp"
			if !strings.Contains(m.Data, "/cases/"+strconv.FormatInt(cs.ID, 10)) || !strings.Contains(m.Data, "=?UTF-8?b?") {
				t.Errorf("mail lacks the case link or an encoded Japanese subject:\n%s", m.Data)
			}
			if strings.Contains(m.Data, "カウンターを叩いた") {
				t.Error("the narrative left the system by mail")
			}
		}
		if !toSV {
			t.Error("the supervisor got no mail")
		}
		// The signed webhook failed once and waits for its back-off.
		if got := len(hook.received()); got != 0 {
			t.Fatalf("webhook delivered %d despite failing", got)
		}
		if len(slack.received()) != 1 {
			t.Fatalf("slack got %d posts for one urgent case, want 1", len(slack.received()))
		}
		var sl map[string]any
		json.Unmarshal(slack.received()[0], &sl)
		if txt, _ := sl["text"].(string); !strings.Contains(txt, "緊急") || !strings.Contains(txt, "<https://kasuhara.example.jp/cases/") {
			t.Errorf("slack text: %v", sl)
		}
		pending := func() *kasuhara.NotifyDelivery {
			ds, err := e.a.Deliveries(ctx, e.admin, e.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ds {
				if x.DeliveredAt == nil {
					return x
				}
			}
			return nil
		}
		p := pending()
		if p == nil || p.Attempts != 1 || !strings.Contains(p.LastError, "HTTP 503") || p.NextAt == nil || !p.NextAt.Equal(e.now.Add(time.Minute)) {
			t.Fatalf("failed delivery recorded as %+v", p)
		}
		d.Tick(ctx) // not yet due
		if len(hook.received()) != 0 {
			t.Fatal("retried before the back-off")
		}
		e.now = e.now.Add(61 * time.Second)
		if _, err := d.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := hook.received(); len(got) != 1 || hook.badSig != 0 {
			t.Fatalf("webhook after back-off: %d posts, %d bad signatures", len(got), hook.badSig)
		}
		var payload map[string]any
		json.Unmarshal(hook.received()[0], &payload)
		if payload["event"] != "case_urgent" || payload["urgent"] != true || payload["case_id"] != float64(cs.ID) {
			t.Errorf("payload: %v", payload)
		}
		if p := pending(); p != nil {
			t.Errorf("still pending: %+v", p)
		}
		if ns, _ := db.ListNotifications(ctx, cs.ID, 0); ns[0].DeliveredAt == nil {
			t.Error("notification not marked delivered")
		}
		for _, secret := range []string{"smtp-pa55word", "hook-s3cret"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("secret %q in the logs", secret)
			}
		}
		// Channels are listed without secrets.
		chs, _ := e.a.NotifyChannels(ctx, e.admin, e.org.ID)
		if b, _ := json.Marshal(chs); bytes.Contains(b, []byte("s3cret")) || bytes.Contains(b, []byte("pa55word")) {
			t.Errorf("channel list shows a secret: %s", b)
		}
		if _, err := e.a.NotifyChannels(ctx, e.sv, e.org.ID); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("supervisor lists channels: %v", err)
		}
	})
}

func TestDeliverer_OverdueCaseNotifiedOnceAndWrongSMTPPasswordRecorded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		mailSrv := startSMTP(t, "kasuhara", "right")
		if err := e.a.SaveNotifyChannel(ctx, e.admin, &kasuhara.NotifyChannel{OrgID: e.org.ID, Kind: kasuhara.ChannelSMTP, Name: "mail", Host: "127.0.0.1",
			Port: mailSrv.port(), From: "noreply@example.jp", User: "kasuhara", Secret: "wrong", Enabled: true, Kinds: []string{"overdue"}}); err != nil {
			t.Fatal(err)
		}
		cs := e.report("phone", "monetary-compensation")
		d := app.NewDeliverer(e.a, "http://localhost")
		d.Tick(ctx)
		e.now = e.now.Add(app.DefaultCaseDue + time.Hour)
		d.Tick(ctx)
		d.Tick(ctx)
		var overdue int
		ns, _ := db.ListNotifications(ctx, cs.ID, 0)
		for _, n := range ns {
			if n.Kind == "overdue" {
				overdue++
			}
		}
		if overdue == 0 {
			t.Fatal("no overdue notification")
		}
		e.now = e.now.Add(time.Hour)
		d.Tick(ctx)
		ns2, _ := db.ListNotifications(ctx, cs.ID, 0)
		if len(ns2) != len(ns) {
			t.Errorf("overdue notified again: %d then %d notifications", len(ns), len(ns2))
		}
		ds, _ := e.a.Deliveries(ctx, e.admin, e.org.ID)
		if len(ds) != overdue || ds[0].DeliveredAt != nil || !strings.Contains(ds[0].LastError, "535") || strings.Contains(ds[0].LastError, "wrong") {
			t.Errorf("deliveries: %+v", ds)
		}
		if len(mailSrv.received()) != 0 {
			t.Error("mail sent with a wrong password")
		}
	})
}

// Two servers on one PostgreSQL database never send one notification twice.
func TestDeliverer_TwoServersOnOnePostgresSendEachOnce(t *testing.T) {
	sqltest.RequirePostgres(t)
	ctx := context.Background()
	url := sqltest.URL(t, sqlstore.Postgres)
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	db1, db2 := open(), open()
	e := newCaseEnv(t, db1, "lall-hokenshi-2022")
	mailSrv := startSMTP(t, "", "")
	hook := startHook(t, "k")
	for _, ch := range []*kasuhara.NotifyChannel{
		{OrgID: e.org.ID, Kind: kasuhara.ChannelSMTP, Name: "mail", Host: "127.0.0.1", Port: mailSrv.port(), From: "noreply@example.jp", Enabled: true},
		{OrgID: e.org.ID, Kind: kasuhara.ChannelWebhook, Name: "hook", URL: hook.URL, Secret: "k", Enabled: true, Kinds: []string{"case_reported", "case_urgent"}},
	} {
		if err := e.a.SaveNotifyChannel(ctx, e.admin, ch); err != nil {
			t.Fatal(err)
		}
	}
	const cases = 20
	for i := 0; i < cases; i++ {
		e.report("phone", "monetary-compensation")
	}
	var total int
	ns, _ := db1.ListNotifications(ctx, 0, e.sv.User.ID)
	total = len(ns)
	a2 := app.New(db2, e.a.Log)
	a2.Now = e.a.Now
	var wg sync.WaitGroup
	for _, a := range []*app.App{e.a, a2, e.a, a2} {
		wg.Add(1)
		go func(a *app.App) {
			defer wg.Done()
			d := app.NewDeliverer(a, "http://localhost")
			for i := 0; i < 10; i++ {
				if _, err := d.Tick(ctx); err != nil {
					t.Error(err)
				}
			}
		}(a)
	}
	wg.Wait()
	got := map[string]int{}
	for _, m := range mailSrv.received() {
		got[m.To+" "+strings.Fields(strings.SplitN(m.Data, "/cases/", 2)[1])[0]]++
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("%s mailed %d times", k, n)
		}
	}
	if len(mailSrv.received()) < total || total < cases {
		t.Errorf("%d mails, %d notifications to the supervisor alone", len(mailSrv.received()), total)
	}
	if len(hook.received()) != cases {
		t.Errorf("webhook got %d posts for %d cases", len(hook.received()), cases)
	}
}
