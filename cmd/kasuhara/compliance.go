package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"
)

func init() {
	register(&command{name: "report compliance", summary: "write an organization's yearly compliance report as a Japanese PDF", run: runComplianceReport})
}

// runComplianceReport writes the PDF to -o, or to standard output.
func runComplianceReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report compliance", "Write the compliance report of an organization for a calendar year: each measure the law and the MHLW manual name, the evidence kasuhara holds for it and what is missing, as a PDF (Japanese unless -lang en).", "")
	var c config
	c.bind(fs, e, "data-dir", "database-url")
	org := fs.String("org", "", "organization slug (required)")
	year := fs.Int("year", time.Now().Year(), "calendar year")
	out := fs.String("o", "", "output file (default: standard output)")
	lang := fs.String("lang", "ja", "language of the report: ja or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *org == "" {
		fs.Usage()
		return errUsage
	}
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	var buf bytes.Buffer
	if err := a.WriteComplianceReport(ctx, nil, *org, *year, *lang, &buf); err != nil {
		return err
	}
	if *out == "" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d bytes)\n", *out, buf.Len())
	return nil
}
