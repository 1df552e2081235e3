package i18n

import "testing"

func TestCatalog_EveryKeyInEveryLanguage(t *testing.T) {
	for _, p := range Check() {
		t.Error(p)
	}
}

func TestMatch_HonoursQualityAndFallsBackToJapanese(t *testing.T) {
	for _, tt := range []struct{ header, want string }{
		{"", "ja"},
		{"en-US,en;q=0.9", "en"},
		{"fr-FR, en;q=0.5, ja;q=0.8", "ja"},
		{"fr", "ja"},
		{"EN", "en"},
		{"ja-JP", "ja"},
	} {
		if got := Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestT_FormatsAndFallsBack(t *testing.T) {
	if got := T("xx", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
}
