package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

//go:embed fonts/ipaexg.ttf
var ipaexGothic []byte

// FontLicense is the licence of the embedded font, to ship beside documents that need it.
//
//go:embed fonts/IPA_Font_License_Agreement_v1.0.txt
var FontLicense string

const (
	fontFamily = "ipaexg"
	margin     = 15.0 // mm
	lineH      = 5.2  // mm, body text at 9.5 pt
	bodySize   = 9.5
)

// PDF writes d as an A4 PDF to w. Created is recorded as the document's
// creation date, so the same Document and time give the same bytes. It
// returns the layout or write error.
func PDF(d *Document, created time.Time, w io.Writer) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetTitle(d.Title, true)
	pdf.SetCreator("kasuhara", false)
	pdf.SetProducer("kasuhara", false)
	if d.Lang != "" {
		pdf.SetLang(d.Lang)
	}
	pdf.AddUTF8FontFromBytes(fontFamily, "", ipaexGothic)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont(fontFamily, "", 7.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, d.Footer, "", 0, "L", false, 0, "")
		pdf.SetX(margin)
		pdf.CellFormat(0, 4, fmt.Sprintf("%d / {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	l := &layout{pdf: pdf, widths: map[float64]map[rune]float64{}}
	pdf.AddPage()
	l.title(d)
	for i, s := range d.Sections {
		l.section(i+1, s)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: lay out %q: %w", d.Title, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("report: write %q: %w", d.Title, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type layout struct {
	pdf    *fpdf.Fpdf
	widths map[float64]map[rune]float64 // by font size, then character
}

func (l *layout) width() float64 {
	w, _ := l.pdf.GetPageSize()
	return w - 2*margin
}

// need starts a new page unless h millimetres fit above the bottom margin.
func (l *layout) need(h float64) bool {
	_, ph := l.pdf.GetPageSize()
	if l.pdf.GetY()+h > ph-margin-4 {
		l.pdf.AddPage()
		return true
	}
	return false
}

// lines splits text at line breaks and wraps each paragraph to width w at the current font.
func (l *layout) lines(text string, w float64) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		out = append(out, l.wrap(para, w)...)
	}
	return out
}

// noLineStart are characters Japanese typesetting never puts at the start
// of a line (行頭禁則); they hang at the end of the previous one instead.
const noLineStart = "、。，．,.)）」』】〕〉》!！?？:：;；ー・…"

// wrap breaks one paragraph into lines no wider than w. Japanese breaks
// between any two characters, Latin text at spaces when a word fits. (The
// PDF library's own splitter drops the character at which it breaks a line
// of kanji, which a report must never do.)
func (l *layout) wrap(para string, w float64) []string {
	size, _ := l.pdf.GetFontSize()
	if l.widths[size] == nil {
		l.widths[size] = map[rune]float64{}
	}
	widths := l.widths[size]
	avail := w - 2*l.pdf.GetCellMargin()
	var lines []string
	rs := []rune(para)
	start, width, lastSpace := 0, 0.0, -1
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		cw, ok := widths[r]
		if !ok {
			cw = l.pdf.GetStringWidth(string(r))
			widths[r] = cw
		}
		if width+cw > avail && i > start && !strings.ContainsRune(noLineStart, r) {
			brk := i
			if lastSpace > start && r != ' ' && r < 0x2E80 && rs[i-1] < 0x2E80 {
				brk = lastSpace + 1 // keep a Latin word whole
			}
			lines = append(lines, strings.TrimRight(string(rs[start:brk]), " "))
			start, width, lastSpace = brk, 0, -1
			for j := start; j < i; j++ {
				width += widths[rs[j]]
			}
		}
		if r == ' ' {
			lastSpace = i
		}
		width += cw
	}
	if start < len(rs) || len(lines) == 0 {
		lines = append(lines, string(rs[start:]))
	}
	return lines
}

func (l *layout) title(d *Document) {
	p := l.pdf
	p.SetFont(fontFamily, "", 16)
	p.CellFormat(0, 9, d.Title, "", 1, "C", false, 0, "")
	if d.Subtitle != "" {
		p.SetFont(fontFamily, "", 10.5)
		p.CellFormat(0, 6, d.Subtitle, "", 1, "C", false, 0, "")
	}
	p.Ln(2)
	p.SetFont(fontFamily, "", 8.5)
	for _, m := range d.Meta {
		p.CellFormat(0, 4.5, m.Label+": "+m.Value, "", 1, "R", false, 0, "")
	}
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.4)
	y := p.GetY() + 1
	p.Line(margin, y, margin+l.width(), y)
	p.SetY(y + 3)
}

func (l *layout) section(n int, s Section) {
	p := l.pdf
	l.need(16)
	p.SetFont(fontFamily, "", 11.5)
	p.SetFillColor(232, 236, 242)
	p.CellFormat(0, 7, fmt.Sprintf("%d. %s", n, s.Heading), "", 1, "L", true, 0, "")
	p.Ln(1.5)
	p.SetFont(fontFamily, "", bodySize)
	if len(s.Fields) > 0 {
		l.fields(s.Fields)
	}
	if s.Text != "" {
		l.paragraph(s.Text, 0)
	}
	if s.Quote != "" {
		l.quote(s.Quote, s.QuoteSource)
	}
	if s.Table != nil {
		l.table(s.Table)
	}
	if s.Note != "" {
		p.SetFont(fontFamily, "", 7.5)
		p.SetTextColor(80, 80, 80)
		l.paragraph(s.Note, 0)
		p.SetTextColor(0, 0, 0)
		p.SetFont(fontFamily, "", bodySize)
	}
	p.Ln(3)
}

// fields prints label/value rows with the labels in a fixed column.
func (l *layout) fields(fs []Field) {
	p := l.pdf
	labelW := 38.0
	valueW := l.width() - labelW
	p.SetDrawColor(190, 190, 190)
	p.SetLineWidth(0.2)
	for _, f := range fs {
		ls := l.lines(f.Value, valueW)
		if len(ls) == 0 {
			ls = []string{""}
		}
		for i := 0; i < len(ls); {
			l.need(lineH)
			_, ph := p.GetPageSize()
			fit := int((ph - margin - 4 - p.GetY()) / lineH)
			end := min(len(ls), i+max(fit, 1))
			y := p.GetY()
			label := ""
			if i == 0 {
				label = f.Label
			}
			p.SetFillColor(246, 246, 246)
			p.Rect(margin, y, labelW, float64(end-i)*lineH, "F")
			p.SetXY(margin, y)
			p.CellFormat(labelW, lineH, label, "", 0, "L", false, 0, "")
			for j := i; j < end; j++ {
				p.SetXY(margin+labelW, y+float64(j-i)*lineH)
				p.CellFormat(valueW, lineH, ls[j], "", 0, "L", false, 0, "")
			}
			p.SetY(y + float64(end-i)*lineH)
			p.Line(margin, p.GetY(), margin+l.width(), p.GetY())
			i = end
		}
	}
	p.Ln(1.5)
}

func (l *layout) paragraph(text string, indent float64) {
	p := l.pdf
	for _, ln := range l.lines(text, l.width()-indent) {
		l.need(lineH)
		p.SetX(margin + indent)
		p.CellFormat(l.width()-indent, lineH, ln, "", 1, "L", false, 0, "")
	}
	p.Ln(1)
}

func (l *layout) quote(text, source string) {
	p := l.pdf
	ls := l.lines(text, l.width()-8)
	if source != "" {
		ls = append(ls, "— "+source)
	}
	for i, ln := range ls {
		l.need(lineH)
		y := p.GetY()
		p.SetFillColor(80, 98, 130)
		p.Rect(margin+1, y, 1.2, lineH, "F")
		p.SetX(margin + 5)
		if source != "" && i == len(ls)-1 {
			p.SetTextColor(80, 80, 80)
		}
		p.CellFormat(l.width()-8, lineH, ln, "", 1, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	p.Ln(1.5)
}

// table prints t with its header, wrapping cells; a row that does not fit
// moves to the next page with the header repeated.
func (l *layout) table(t *Table) {
	p := l.pdf
	total := 0.0
	for _, w := range t.Widths {
		total += w
	}
	ws := make([]float64, len(t.Columns))
	for i := range t.Columns {
		if i < len(t.Widths) && total > 0 {
			ws[i] = t.Widths[i] / total * l.width()
		} else {
			ws[i] = l.width() / float64(len(t.Columns))
		}
	}
	p.SetDrawColor(150, 150, 150)
	p.SetLineWidth(0.2)
	header := func() {
		p.SetFillColor(232, 236, 242)
		x := margin
		y := p.GetY()
		for i, c := range t.Columns {
			p.SetXY(x, y)
			p.CellFormat(ws[i], lineH+0.6, c, "1", 0, "L", true, 0, "")
			x += ws[i]
		}
		p.SetY(y + lineH + 0.6)
	}
	rows := t.Rows
	if len(rows) == 0 {
		rows = [][]string{{t.Empty}}
	}
	l.need(2 * lineH)
	header()
	for _, row := range rows {
		cells := make([][]string, len(t.Columns))
		h := 1
		for i := range t.Columns {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			cells[i] = l.lines(v, ws[i])
			h = max(h, len(cells[i]))
		}
		// A row taller than what is left of the page continues on the
		// next, so a long measure is never cut off.
		for start := 0; start < h; {
			_, ph := p.GetPageSize()
			fit := int((ph - margin - 4 - p.GetY() - 1) / lineH)
			if fit < min(h-start, 3) {
				p.AddPage()
				header()
				continue
			}
			end := min(h, start+fit)
			height := float64(end-start)*lineH + 1
			y := p.GetY()
			x := margin
			for i := range t.Columns {
				p.Rect(x, y, ws[i], height, "D")
				for j := start; j < end && j < len(cells[i]); j++ {
					p.SetXY(x, y+0.5+float64(j-start)*lineH)
					p.CellFormat(ws[i], lineH, cells[i][j], "", 0, "L", false, 0, "")
				}
				x += ws[i]
			}
			p.SetY(y + height)
			start = end
		}
	}
	p.Ln(2)
}
