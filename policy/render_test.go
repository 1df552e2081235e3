package policy

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestRender_GoldenFilesForEveryPreset(t *testing.T) {
	for _, info := range Presets() {
		p := mustPreset(t, info.Name)
		for _, tt := range []struct {
			suffix string
			render func(*bytes.Buffer) error
		}{
			{"public.ja.html", func(b *bytes.Buffer) error { return RenderHTML(b, p, RenderOptions{Lang: "ja", View: Public}) }},
			{"handbook.ja.html", func(b *bytes.Buffer) error { return RenderHTML(b, p, RenderOptions{Lang: "ja", View: Handbook}) }},
			{"public.ja.md", func(b *bytes.Buffer) error { return RenderMarkdown(b, p, RenderOptions{Lang: "ja", View: Public}) }},
			{"handbook.en.md", func(b *bytes.Buffer) error { return RenderMarkdown(b, p, RenderOptions{Lang: "en", View: Handbook}) }},
		} {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", info.Name+"."+tt.suffix)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./policy/ -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file (run go test ./policy/ -update and review the diff)", path)
			}
		}
	}
}

func TestRenderHTML_PublicPageCarriesSourceTextDatesAndContact(t *testing.T) {
	p := mustPreset(t, "lall-hokenshi-2022")
	var b bytes.Buffer
	if err := RenderHTML(&b, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		"@page{size:A4", "制定日", "2014年1月1日", "改訂日", "2022年2月1日", "toiawase@hokenshi.com",
		"行動指針作成の背景について", "&lt;お客様等の要求の内容が妥当ではないとき&gt;", "解雇等の社内処罰の要求", "是正処置計画書兼報告書",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://", "<link"} {
		if strings.Contains(html, banned) {
			t.Errorf("public page contains %q", banned)
		}
	}
}

func TestRenderHTML_HandbookHasStepsWhomToCallAndOpenPoints(t *testing.T) {
	p := mustPreset(t, "lall-hokenshi-2022")
	var b bytes.Buffer
	if err := RenderHTML(&b, p, RenderOptions{View: Handbook, Lang: "en", Fragment: true}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"Staff handbook", "Whom to call", "Open points", "上長の上長", "report at once", "Supervisor"} {
		if !strings.Contains(html, want) {
			t.Errorf("handbook lacks %q", want)
		}
	}
	if strings.Contains(html, "<html") {
		t.Error("fragment contains <html>")
	}
}

func TestRenderHTML_EscapesPolicyText(t *testing.T) {
	p := mustPreset(t, "mhlw-2022")
	p.Title = `<script>alert(1)</script>`
	var b bytes.Buffer
	_ = RenderHTML(&b, p, RenderOptions{})
	if strings.Contains(b.String(), "<script>") {
		t.Error("policy text not escaped")
	}
	b.Reset()
	_ = RenderMarkdown(&b, p, RenderOptions{})
	if strings.Contains(b.String(), "<script>") {
		t.Error("policy text not escaped in Markdown")
	}
}
