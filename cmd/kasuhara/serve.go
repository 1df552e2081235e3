package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/web"
)

func init() {
	register(&command{name: "serve", summary: "run the web server and API", run: runServe})
}

// serveMemoryLimit is the server's default soft memory limit.
const serveMemoryLimit = 200 << 20

// runServe starts the server. It prints one line with the address once it
// is listening (tests and scripts wait for it) and shuts down gracefully on
// SIGINT/SIGTERM, letting in-flight requests finish.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "Run the web server and API. On an empty database the first organization and its administrator are created\n(KASUHARA_BOOTSTRAP_ADMIN_EMAIL / KASUHARA_BOOTSTRAP_ADMIN_PASSWORD, or a generated password printed once).", "")
	var c config
	c.bind(fs, e)
	demoFlag := fs.Bool("demo", e.getenv("KASUHARA_DEMO") == "true", "load the demo organization \"demo\" and print its accounts ($KASUHARA_DEMO)")
	orgSlug := fs.String("bootstrap-org", envOr(e, "KASUHARA_BOOTSTRAP_ORG", "main"), "slug of the first organization created on an empty database ($KASUHARA_BOOTSTRAP_ORG)")
	shutdown := fs.Duration("shutdown-timeout", 20*time.Second, "how long to let in-flight requests finish on SIGTERM")
	publicURL := fs.String("public-url", e.getenv("KASUHARA_PUBLIC_URL"), "address users reach the server at, for links in emails and webhooks ($KASUHARA_PUBLIC_URL; default: the listening address)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "serve takes no arguments, got %q\n", fs.Args())
		return errUsage
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return fmt.Errorf("-tls-cert and -tls-key go together")
	}
	log, err := c.logger(e.stderr)
	if err != nil {
		return err
	}
	// Without a limit the collector lets the heap grow to twice the live
	// data between cycles: under 2,000 open calls the server's resident size
	// reached 275–400 MB for 75 MB of live data. The soft limit keeps it near
	// 240 MB at no measurable CPU cost; GOMEMLIMIT (or GOMEMLIMIT=off) in the
	// environment replaces it.
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(serveMemoryLimit))
	}
	start := time.Now()
	a, db, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	a.Log = log
	// Start the live-call writer before listening, so no call races the
	// shutdown; the detector loads in the background meanwhile.
	if err := a.StartCalls(); err != nil {
		return err
	}
	defer a.Close()

	// The demo goes first: on an empty database it provides the accounts, and
	// the bootstrap administrator is only for a real, empty installation.
	if *demoFlag {
		// The detector loads meanwhile, so the live heap is already large;
		// at the default GOGC the collector would let the demo's garbage
		// double it (a 324 MB high-water mark for a 154 MB server).
		gc := debug.SetGCPercent(25)
		_, err := demo.Load(ctx, a)
		debug.SetGCPercent(gc)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		demo.PrintAccounts(e.stdout)
		// Loading the demo hashes passwords and builds thousands of rows;
		// hand that memory back now rather than carry it for the server's life.
		debug.FreeOSMemory()
	}

	email := envOr(e, "KASUHARA_BOOTSTRAP_ADMIN_EMAIL", "admin@example.jp")
	created, pw, err := a.Bootstrap(ctx, *orgSlug, "組織", email, e.getenv("KASUHARA_BOOTSTRAP_ADMIN_PASSWORD"))
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if created {
		if e.getenv("KASUHARA_BOOTSTRAP_ADMIN_PASSWORD") == "" {
			fmt.Fprintf(e.stdout, "Created organization %q and administrator %s with password %s (shown once; change it under Settings).\n", *orgSlug, email, pw)
		} else {
			fmt.Fprintf(e.stdout, "Created organization %q and administrator %s.\n", *orgSlug, email)
		}
	}
	srv := web.NewServer(a, log, db)
	srv.Version = version
	srv.SecureCookies = c.secure || c.tlsCert != ""
	srv.PoolStats = func() web.PoolStats {
		st := db.Stats()
		return web.PoolStats{Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle, WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	go expireLoop(ctx, a, db.Expire)
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	// Notifications are delivered from the database by every server;
	// each delivery is claimed by one of them.
	base := *publicURL
	if base == "" {
		base = scheme + "://" + ln.Addr().String()
	}
	go app.NewDeliverer(a, base).Run(ctx)
	// Retention runs once a day on whichever server takes the day's lease.
	go a.RetentionJob(ctx, fmt.Sprintf("%s/%d", ln.Addr(), os.Getpid()), db.TryLease)
	fmt.Fprintf(e.stdout, "kasuhara %s listening on %s://%s (%s) — started in %s\n", version, scheme, ln.Addr(), describeDB(&c), time.Since(start).Round(time.Millisecond))
	log.Info("listening", "addr", ln.Addr().String(), "tls", c.tlsCert != "", "startup_ms", time.Since(start).Milliseconds())

	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- hs.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// expireLoop deletes expired sessions and old login failures every few minutes.
func expireLoop(ctx context.Context, a *app.App, expire func(context.Context, time.Time, time.Duration) error) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := expire(ctx, a.Now(), a.FailureWindow); err != nil {
				a.Log.Warn("expire sessions", "err", err)
			}
		}
	}
}

func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}
