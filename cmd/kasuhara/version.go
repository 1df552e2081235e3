package main

import (
	"context"
	"fmt"
	"runtime"
)

func init() {
	register(&command{name: "version", summary: "print the version", run: func(ctx context.Context, e *env, args []string) error {
		fs := newFlagSet(e, "version", "Print the version of kasuhara and of Go it was built with.", "")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "kasuhara %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}})
}
