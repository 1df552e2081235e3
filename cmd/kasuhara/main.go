// Command kasuhara is the customer-harassment case system: server and CLI in
// one binary. Run "kasuhara help" for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is what a command may touch of the outside world, so commands are
// testable without a process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand. Long commands such as "user create" are
// registered under their full name with a space.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists every subcommand; each lives in its own file.
var commands []*command

func register(c *command) { commands = append(commands, c) }

// errUsage marks an error already explained to the user by flag output.
var errUsage = errors.New("usage")

// exitError carries a specific exit code (e.g. 1 for "audit verify" finding a broken chain).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := run(ctx, os.Args[1:], e); err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if !errors.Is(err, errUsage) && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(e.stderr, "kasuhara:", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			code = 0
		} else if errors.Is(err, errUsage) {
			code = 2
		}
		os.Exit(code)
	}
}

// run dispatches args to the longest matching command name.
func run(ctx context.Context, args []string, e *env) error {
	cliLang = "ja"
	for _, v := range []string{e.getenv("KASUHARA_LANG"), e.getenv("LC_ALL"), e.getenv("LANG")} {
		if v != "" {
			if strings.HasPrefix(v, "en") {
				cliLang = "en"
			}
			break
		}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, rest := lookup(args[1:]); c != nil && len(rest) == 0 {
				return c.run(ctx, e, []string{"-h"})
			}
		}
		printHelp(e.stdout)
		return nil
	}
	c, rest := lookup(args)
	if c == nil {
		fmt.Fprintf(e.stderr, "kasuhara: unknown command %q\n\n", strings.Join(args, " "))
		printHelp(e.stderr)
		return errUsage
	}
	return c.run(ctx, e, rest)
}

func lookup(args []string) (*command, []string) {
	var best *command
	bestLen := 0
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(words) > len(args) || len(words) <= bestLen {
			continue
		}
		match := true
		for i, w := range words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match {
			best, bestLen = c, len(words)
		}
	}
	if best == nil {
		return nil, args
	}
	return best, args[bestLen:]
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "kasuhara — customer-harassment (カスハラ) case system")
	fmt.Fprintln(w, "\nUsage: kasuhara COMMAND [flags]\n\nCommands:")
	sorted := append([]*command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"kasuhara help COMMAND\" or \"kasuhara COMMAND -h\" for a command's flags.")
}

// newFlagSet returns a flag set whose usage names the command and its summary.
func newFlagSet(e *env, name, summary, argsHelp string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: kasuhara %s [flags] %s\n\n%s\n", name, argsHelp, summary)
		var has bool
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(e.stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args and maps flag errors to errUsage (already printed).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errUsage
	}
	return nil
}
