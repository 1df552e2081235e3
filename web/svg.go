package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/kasuhara/kasuhara/app"
)

// Charts are drawn on the server as SVG, so they read without JavaScript
// and pass the CSP: no style attributes and no scripts, only presentation
// attributes and classes from app.css. Every bar carries its value as text
// and one of four fills (solid and three hatchings), so nothing is told by
// colour alone; the dark fill on white exceeds a 7:1 contrast.

const (
	svgWidth = 360
	svgBarX  = 4
	svgBarW  = 270
	svgRowH  = 44 // a label line above each bar, so long labels are never cut
)

// svgFills are the bar fills in turn: solid, then hatchings defined per chart.
var svgFills = []string{"#1f4e79", "url(#%s-p1)", "url(#%s-p2)", "url(#%s-p3)"}

func esc(s string) string { return html.EscapeString(s) }

// chartSVG draws c as horizontal bars. title names the chart for screen
// readers; suppressed is the text shown instead of a withheld count.
func chartSVG(c *app.Chart, title, suppressed, empty string) template.HTML {
	id := "chart-" + c.ID
	n := len(c.Bars)
	height := max(n, 1)*svgRowH + 16
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet">`,
		id, id, svgWidth, height)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, id, esc(title))
	var desc []string
	for _, bar := range c.Bars {
		desc = append(desc, bar.Label+": "+barText(c, bar, suppressed))
	}
	if n == 0 {
		desc = append(desc, empty)
	}
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`, id, esc(strings.Join(desc, "; ")))
	b.WriteString("<defs>")
	for i, angle := range []int{45, -45, 0} {
		fmt.Fprintf(&b, `<pattern id="%s-p%d" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(%d)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="#1f4e79"/></pattern>`,
			id, i+1, angle)
	}
	b.WriteString("</defs>")
	if n == 0 {
		fmt.Fprintf(&b, `<text x="8" y="24" class="chart-empty" fill="#333333">%s</text></svg>`, esc(empty))
		return template.HTML(b.String())
	}
	top := 0
	for _, bar := range c.Bars {
		if bar.Value > top && c.Unit != "percent" {
			top = bar.Value
		}
	}
	for i, bar := range c.Bars {
		y := 8 + i*svgRowH
		fill := svgFills[i%len(svgFills)]
		if strings.Contains(fill, "%s") {
			fill = fmt.Sprintf(fill, id)
		}
		w := 0.0
		switch {
		case bar.Suppressed:
		case c.Unit == "percent":
			w = bar.Percent / 100 * svgBarW
		case top > 0:
			w = float64(bar.Value) / float64(top) * svgBarW
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="chart-label" fill="#1a1a1a">%s</text>`, svgBarX, y+14, esc(shorten(bar.Label, 26)))
		if w > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="18" fill="%s" stroke="#1f4e79" stroke-width="1"/>`, svgBarX, y+20, w, fill)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="chart-value" fill="#1a1a1a">%s</text>`, float64(svgBarX)+w+6, y+34, esc(barText(c, bar, suppressed)))
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// barText is a bar's figure as shown next to it and in the table.
func barText(c *app.Chart, bar app.Bar, suppressed string) string {
	switch {
	case bar.Suppressed:
		return suppressed
	case c.Unit == "percent":
		return fmt.Sprintf("%.1f%% (%d/%d)", bar.Percent, bar.Value, bar.Of)
	}
	return fmt.Sprint(bar.Value)
}

// shorten cuts a label to n characters so it fits the label column; the
// table under the chart has it in full.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
