package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(&command{name: "bench login", summary: "measure sign-in → home page throughput against a running server", run: runBenchLogin})
}

var benchCSRF = regexp.MustCompile(`name="login_csrf" value="([^"]+)"`)

// runBenchLogin is a bounded load generator: a fixed number of iterations
// (each GET /login, POST /login, GET /) by a fixed number of workers, with a
// time limit, against a loopback address only.
func runBenchLogin(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench login", "Sign in and load the home page N times with C concurrent clients; print iterations/s and latency percentiles.\nOnly loopback addresses are accepted.", "")
	base := fs.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	email := fs.String("email", "staff@demo.example.jp", "account to sign in with")
	password := fs.String("password", "kasuhara-demo-2026", "its password")
	n := fs.Int("n", 2000, "iterations in total (at most 100000)")
	c := fs.Int("c", 8, "concurrent clients (at most 256)")
	limit := fs.Duration("max-time", 60*time.Second, "stop after this long whatever is left")
	reuse := fs.Bool("reuse", false, "sign in once per client and then only load the home page (page serving without argon2id)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q: not a URL", *base)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %q: only loopback addresses may be load-tested", *base)
	}
	if *n < 1 || *n > 100000 || *c < 1 || *c > 256 {
		return fmt.Errorf("-n must be 1–100000 and -c 1–256")
	}
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	transport := &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c}
	var next, failures atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var signedIn *http.Client
			if *reuse {
				var err error
				if signedIn, err = login(ctx, transport, *base, *email, *password); err != nil {
					failures.Add(1)
					return
				}
			}
			for ctx.Err() == nil && next.Add(1) <= int64(*n) {
				t0 := time.Now()
				var err error
				if signedIn != nil {
					err = getHome(ctx, signedIn, *base)
				} else {
					_, err = login(ctx, transport, *base, *email, *password)
				}
				if err != nil {
					failures.Add(1)
					continue
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return fmt.Errorf("no iteration succeeded (%d failures)", failures.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	what, perIter := "login→home", 3.0
	if *reuse {
		what, perIter = "home (signed in)", 1
	}
	fmt.Fprintf(e.stdout, "%s: %d iterations (%d failed) in %s with %d clients: %.1f iterations/s (%.1f requests/s); latency p50 %s p90 %s p99 %s max %s\n",
		what, len(lat), failures.Load(), elapsed.Round(time.Millisecond), *c, float64(len(lat))/elapsed.Seconds(), perIter*float64(len(lat))/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

// getHome loads the home page with a signed-in client.
func getHome(ctx context.Context, hc *http.Client, base string) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/", nil)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/" {
		return fmt.Errorf("home ended at %s with %d", res.Request.URL.Path, res.StatusCode)
	}
	return nil
}

// login signs in through the form as a browser does (GET /login, POST
// /login, follow the redirect to /) and returns the signed-in client.
func login(ctx context.Context, transport http.RoundTripper, base, email, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Transport: transport, Jar: jar}
	get := func(path string) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		res, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			return "", fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return string(b), nil
	}
	page, err := get("/login")
	if err != nil {
		return nil, err
	}
	m := benchCSRF.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no login form")
	}
	form := url.Values{"login_csrf": {m[1]}, "email": {email}, "password": {password}}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req) // follows the redirect to the home page
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/" {
		return nil, fmt.Errorf("login ended at %s with %d", res.Request.URL.Path, res.StatusCode)
	}
	return hc, nil
}
