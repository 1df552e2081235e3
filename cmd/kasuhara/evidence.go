package main

import (
	"archive/zip"
	"context"
	"fmt"

	"github.com/kasuhara/kasuhara/app"
)

func init() {
	register(&command{name: "evidence verify", summary: "check an evidence bundle's files against its manifest and its audit hashes", run: runEvidenceVerify})
}

// runEvidenceVerify checks a bundle from GET /api/v1/cases/{id}/evidence.zip
// without a database, so a lawyer or the police can run it on their copy.
// Exit status 0: every file matches; 1: the first mismatch is named.
func runEvidenceVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "evidence verify",
		"Check an evidence bundle: every file listed in manifest.json is present with its size and SHA-256, no unlisted file was added, and every audit entry's hash recomputes from its content. Exit status 0 when all match, 1 naming the first mismatch.",
		"FILE.zip")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	zr, err := zip.OpenReader(fs.Arg(0))
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("%s: %w", fs.Arg(0), err)}
	}
	defer zr.Close()
	m, err := app.VerifyEvidence(&zr.Reader)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("%s: MISMATCH: %w", fs.Arg(0), err)}
	}
	fmt.Fprintf(e.stdout, "%s: OK: case #%d of %s, %d files match their SHA-256, generated %s by %s\n",
		fs.Arg(0), m.CaseID, m.Org, len(m.Files), m.GeneratedAt.Format("2006-01-02 15:04:05 MST"), m.GeneratedBy)
	return nil
}
