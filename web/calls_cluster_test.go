package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestTwoServers_BoardSeesCallsOfEitherServerAndUtterancesStayNumbered
// runs two servers with their own pools on one PostgreSQL database: a
// board on B sees what the phone system posts to A (LISTEN/NOTIFY), and
// one call's utterances posted alternately to A and B are numbered without
// gap or duplicate, though each server caches the call.
func TestTwoServers_BoardSeesCallsOfEitherServerAndUtterancesStayNumbered(t *testing.T) {
	a, b := twoServers(t)
	lead := b.loggedIn("call-lead@demo.example.jp")
	board := openEvents(t, lead, b.ts.URL)
	if name, _ := board.next(t, 5*time.Second); name != "snapshot" {
		t.Fatalf("first event %s", name)
	}
	staffA := a.phoneSystem("call-staff@demo.example.jp")
	staffB := b.phoneSystem("call-staff@demo.example.jp")
	id := openCall(t, staffA, `{"channel":"phone","caller_number":"06-0000-1111"}`).Call.ID
	say(t, staffA, id, "customer", "お前の家に火をつけてやるからな")
	var sawOpen, sawThreat bool
	for !sawThreat {
		name, data := board.next(t, 10*time.Second)
		var ev struct {
			Kind      string
			CallID    int64 `json:"call_id"`
			Utterance *kasuhara.Utterance
		}
		json.Unmarshal([]byte(data), &ev)
		if name != "call" || ev.CallID != id {
			t.Fatalf("unexpected event %s %s", name, data)
		}
		sawOpen = sawOpen || ev.Kind == "open"
		sawThreat = ev.Kind == "utterance" && ev.Utterance != nil && strings.Contains(ev.Utterance.Text, "火をつけ") && len(ev.Utterance.Alerts) > 0
	}
	if !sawOpen {
		t.Error("board on B never saw the call open on A")
	}
	// Alternate servers; each has the call cached and must notice the other's writes.
	for i := 2; i <= 12; i++ {
		c := staffA
		if i%2 == 0 {
			c = staffB
		}
		if got := say(t, c, id, "customer", fmt.Sprintf("発言その%d", i)); got.Utterance.Seq != i {
			t.Fatalf("utterance %d got seq %d", i, got.Utterance.Seq)
		}
	}
	us, err := a.db.ListUtterances(context.Background(), id, 0)
	if err != nil || len(us) != 12 {
		t.Fatalf("stored %d utterances, %v", len(us), err)
	}
	for i, u := range us[1:] {
		if want := fmt.Sprintf("発言その%d", i+2); u.Seq != i+2 || u.Text != want {
			t.Errorf("seq %d: %q, want %q", u.Seq, u.Text, want)
		}
	}
	// Ended on B, refused on A.
	if res := lead.sendJSON("POST", fmt.Sprintf("/api/v1/calls/%d/end", id), `{}`); res.status != 200 {
		t.Fatalf("end on B: %d %s", res.status, res.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := staffA.sendJSON("POST", fmt.Sprintf("/api/v1/calls/%d/utterances", id), `{"speaker":"customer","text":"まだ終わってない"}`)
		if res.status == http.StatusConflict {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A still accepts utterances for the call ended on B: %d", res.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoServers_RevokedTokenRefusedByTheOtherServerAtOnce: each server
// caches a verified API token for two seconds; revoking it on A must reach
// B's cache through a notification, not wait for the cache to expire.
func TestTwoServers_RevokedTokenRefusedByTheOtherServerAtOnce(t *testing.T) {
	a, b := twoServers(t)
	if err := b.app.StartCalls(); err != nil { // as serve does: B listens from here on
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := a.db.FindUserByEmail(ctx, "call-staff@demo.example.jp")
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := a.app.CreateAPIToken(ctx, nil, u, "phone system", nil)
	if err != nil {
		t.Fatal(err)
	}
	onB := b.client()
	onB.bearer = secret
	if res := onB.get("/api/v1/tokens"); res.status != http.StatusOK {
		t.Fatalf("token on B before revoking: %d %s", res.status, res.body)
	}
	p, err := a.app.TokenPrincipal(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.app.RevokeAPIToken(ctx, p, tok.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		res := onB.get("/api/v1/tokens")
		if res.status == http.StatusUnauthorized {
			break
		}
		// B cached the token just before the revocation, for two seconds;
		// only the notification can refuse it within one.
		if time.Since(revoked) > time.Second {
			t.Fatalf("B still accepts the revoked token %v after revoking on A: %d", time.Since(revoked), res.status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
