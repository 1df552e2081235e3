package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestSuggestTypes_NamesThePolicysTypesWithTheWordsThatMatched(t *testing.T) {
	e := newCaseEnv(t, sqltest.Open(t, sqlstore.SQLite), "lall-hokenshi-2022")
	ctx := context.Background()
	got, err := e.a.SuggestTypes(ctx, e.staff, e.org.ID, time.Time{}, "返金しろ",
		"カウンターで「土下座しろ」と怒鳴り、「殺すぞ」と言った。")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string][]string{}
	var ids []string
	for _, s := range got {
		byID[s.TypeID] = s.Quotes
		ids = append(ids, s.TypeID)
		if s.Label == "" || len(s.Codes) == 0 {
			t.Errorf("%s: label %q codes %v", s.TypeID, s.Label, s.Codes)
		}
	}
	for id, word := range map[string]string{"dogeza": "土下座", "mental-attack": "殺す"} {
		if !slices.ContainsFunc(byID[id], func(q string) bool { return strings.Contains(q, word) }) {
			t.Errorf("type %s: quotes %v, want one with %q (all: %v)", id, byID[id], word, ids)
		}
	}
	if i, j := slices.Index(ids, "mental-attack"), slices.Index(ids, "dogeza"); i < 0 || j < 0 || i > j {
		t.Errorf("types %v are not in the policy's order", ids)
	}

	// Staff report the customer's words as a quotation they were told.
	told, err := e.a.SuggestTypes(ctx, e.staff, e.org.ID, time.Time{}, "",
		"電話で「お前の顔ネットに晒したるからな、土下座せえ」と言われた")
	if err != nil {
		t.Fatal(err)
	}
	toldIDs := map[string]bool{}
	for _, s := range told {
		toldIDs[s.TypeID] = true
	}
	if !toldIDs["dogeza"] {
		t.Errorf("a reported quotation suggests %v, want dogeza among them", told)
	}

	calm, err := e.a.SuggestTypes(ctx, e.staff, e.org.ID, time.Time{}, "", "商品の在庫について穏やかに質問された。")
	if err != nil || len(calm) != 0 {
		t.Errorf("a calm question suggests %v, %v", calm, err)
	}
	if _, err := e.a.SuggestTypes(ctx, e.staff, e.org.ID, time.Time{}, " ", " "); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		t.Errorf("empty text: %v, want EINVALID", err)
	}
	if _, err := e.a.SuggestTypes(ctx, e.other, e.org.ID, time.Time{}, "", "土下座しろ"); err == nil {
		t.Error("another organization's supervisor got suggestions under this policy")
	}
	long := strings.Repeat("あ", 50000) + "土下座しろ"
	if _, err := e.a.SuggestTypes(ctx, e.staff, e.org.ID, time.Time{}, "", long); err != nil {
		t.Errorf("a long narrative: %v", err)
	}
}
