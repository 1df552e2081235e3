package kasuhara_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

func TestNormalize_MatchingKeys(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(string) string
		in   []string
		want string
	}{
		{"phone", kasuhara.NormalizePhone, []string{"03-1234-5678", "０３－１２３４－５６７８", "+81 3 1234 5678", "+81 (0)3 1234 5678", "81312345678", "(03) 1234 5678"}, "0312345678"},
		{"mobile", kasuhara.NormalizePhone, []string{"090-1234-5678", "+8190-1234-5678", "819012345678"}, "09012345678"},
		{"email", kasuhara.NormalizeCustomerEmail, []string{"Taro@Example.JP", " ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ "}, "taro@example.jp"},
		{"kana", kasuhara.NormalizeKana, []string{"ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう"}, "やまだたろう"},
		{"name", kasuhara.NormalizeName, []string{"山田　太郎", "山田 太郎", "山田太郎"}, "山田太郎"},
		{"member", kasuhara.NormalizeMember, []string{"ab-0012", "ＡＢ－００１２", "AB 0012"}, "AB0012"},
	} {
		for _, in := range c.in {
			if got := c.f(in); got != c.want {
				t.Errorf("%s(%q) = %q, want %q", c.name, in, got, c.want)
			}
		}
	}
}

func TestCase_TransitionsFollowTheStates(t *testing.T) {
	for _, c := range []struct {
		from, to kasuhara.CaseState
		ok       bool
	}{
		{kasuhara.StateReported, kasuhara.StateFactFinding, true},
		{kasuhara.StateReported, kasuhara.StateClosed, false},
		{kasuhara.StateFactFinding, kasuhara.StateAssessment, true},
		{kasuhara.StateAssessment, kasuhara.StateResponse, true},
		{kasuhara.StateResponse, kasuhara.StateClosed, true},
		{kasuhara.StateClosed, kasuhara.StateFactFinding, true},
		{kasuhara.StateClosed, kasuhara.StateResponse, false},
	} {
		if got := kasuhara.CanTransition(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
