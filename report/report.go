// Package report lays out printable documents, chiefly the corrective-action
// plan and report of a case (是正処置計画書兼報告書), and writes them as PDF
// with an embedded Japanese font. It is pure: it takes a Document already
// worded in the reader's language and returns bytes; gathering the case and
// deciding who may read it are the app's business.
//
// The font is IPAex Gothic (fonts/ipaexg.ttf), distributed under the IPA
// Font License v1.0 (fonts/IPA_Font_License_Agreement_v1.0.txt), which
// allows redistribution and embedding. Only the glyphs a document uses are
// embedded, with a ToUnicode map, so the text can be searched and copied.
package report

// Document is a printable document: a title, a few facts about the
// document itself, and sections. The same Document is rendered as the
// HTML print page and as the PDF, so both say the same thing.
type Document struct {
	Title    string
	Subtitle string
	// Meta are facts about the document (number, organization, date),
	// printed under the title.
	Meta     []Field
	Sections []Section
	// Footer is printed at the foot of every page, before the page number.
	Footer string
	// Lang is the BCP 47 language of the text (ja, en).
	Lang string
}

// Section is one numbered part of a document. Any of its parts may be empty.
type Section struct {
	Heading string
	Fields  []Field
	Text    string
	// Quote is a passage of the policy, printed as a quotation with its Source.
	Quote       string
	QuoteSource string
	Table       *Table
	// Note is a short remark printed small after the rest.
	Note string
}

// Field is a label and its value.
type Field struct {
	Label, Value string
}

// Table is a grid with a header row. Widths are relative: the table takes
// the full width of the page and each column its share.
type Table struct {
	Columns []string
	Widths  []float64
	Rows    [][]string
	// Empty is printed as the only row when Rows is empty.
	Empty string
}
