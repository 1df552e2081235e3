package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(&command{name: "bench calls", summary: "measure live-call utterance throughput and latency against a running server", run: runBenchCalls})
}

// callLines are what callers and staff say: mostly ordinary turns, some
// complaints and some harassment, so detection and alerts do real work.
var callLines = []struct{ speaker, text string }{
	{"customer", "先週注文した商品がまだ届かないんですが"},
	{"staff", "ご不便をおかけして申し訳ございません"},
	{"customer", "注文番号は12345です確認してください"},
	{"staff", "確認いたしますので少々お待ちください"},
	{"customer", "配達日を来週の火曜日に変更できますか"},
	{"staff", "承知いたしました変更の手続きをいたします"},
	{"customer", "届いた商品が壊れていたので交換してほしい"},
	{"customer", "対応が遅すぎる責任者を出してください"},
	{"customer", "ふざけるなお前じゃ話にならない"},
	{"customer", "今すぐ全額返金しろ"},
	{"customer", "殺菌スプレーの在庫はありますか"},
	{"staff", "本日中にご連絡いたします"},
	{"customer", "土下座して謝れ"},
	{"customer", "夜道には気をつけろよ"},
	{"customer", "ネットに晒してやるからな"},
	{"staff", "ほかにご不明な点はございますか"},
}

// runBenchCalls is a bounded, open-loop load generator for live call
// assist: it opens C calls, then each call posts utterances at a fixed
// pace (rate/C per second) until N utterances are sent or the time limit
// passes, and ends the calls. Latency is counted from when each utterance
// was due, not when it was sent, so a server that falls behind cannot hide
// it. It then checks that the server stored every acknowledged utterance.
// Loopback addresses only.
func runBenchCalls(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench calls", "Open C live calls and post N utterances in total at RATE per second spread over them;\nprint utterances/s and latency percentiles, then end the calls and check every acknowledged utterance was stored.\nCreate the token with: kasuhara token create --email call-staff@demo.example.jp (demo). Only loopback addresses are accepted.", "")
	base := fs.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	token := fs.String("token", e.getenv("KASUHARA_TOKEN"), "API token of a staff or supervisor account ($KASUHARA_TOKEN)")
	n := fs.Int("n", 100000, "utterances in total (at most 2000000)")
	c := fs.Int("calls", 2000, "concurrent calls (at most 10000)")
	rate := fs.Float64("rate", 10000, "utterances per second over all calls (at most 100000)")
	channel := fs.String("channel", "phone", "channel of the calls: phone or chat")
	limit := fs.Duration("max-time", 120*time.Second, "stop after this long whatever is left")
	client := fs.String("client", "raw", "HTTP client of the utterance posts: raw (one kept-alive HTTP/1.1 connection per call, written and parsed directly, so the generator costs little CPU) or net/http (https needs it)")
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
	if *token == "" {
		return fmt.Errorf("-token (or KASUHARA_TOKEN) is required")
	}
	if *client != "raw" && *client != "net/http" {
		return fmt.Errorf("-client %q: want raw or net/http", *client)
	}
	if *client == "raw" && u.Scheme != "http" {
		return fmt.Errorf("-client raw speaks plain http; use -client net/http for %s", u.Scheme)
	}
	if *n < 1 || *n > 2000000 || *c < 1 || *c > 10000 || *rate <= 0 || *rate > 100000 {
		return fmt.Errorf("-n must be 1–2000000, -calls 1–10000 and -rate up to 100000")
	}
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	// One kept-alive connection per call: MaxConnsPerHost stays unlimited
	// and enough idle connections are kept that no call ever redials.
	transport := &http.Transport{MaxIdleConns: *c + 16, MaxIdleConnsPerHost: *c + 16, IdleConnTimeout: time.Minute, DisableCompression: true}
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	// The headers are shared, read-only, by every request: building them
	// once keeps the generator's own cost out of the measurement.
	header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + *token}}
	send := func(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, *base+path, rd)
		if err != nil {
			return nil, err
		}
		req.Header = header
		return hc.Do(req)
	}
	post := func(ctx context.Context, path string, body []byte) (int, []byte, error) {
		res, err := send(ctx, "POST", path, body)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res.StatusCode, b, err
	}
	// postDiscard posts and drops the answer, reading it to the end so the
	// connection is reused.
	postDiscard := func(ctx context.Context, path string, body []byte) (int, error) {
		res, err := send(ctx, "POST", path, body)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, err
	}

	// Open the calls, a few at a time.
	ids := make([]int64, *c)
	var openErr atomic.Value
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			status, b, err := post(ctx, "/api/v1/calls", []byte(fmt.Sprintf(`{"channel":%q,"caller_number":"090-%04d-%04d"}`, *channel, i/10000, i%10000)))
			if err != nil || status != http.StatusCreated {
				openErr.Store(fmt.Errorf("open call: %d %s %v", status, strings.TrimSpace(string(b)), err))
				return
			}
			var oc struct {
				Call struct{ ID int64 } `json:"call"`
			}
			json.Unmarshal(b, &oc)
			ids[i] = oc.Call.ID
		}(i)
	}
	wg.Wait()
	if err, _ := openErr.Load().(error); err != nil {
		return err
	}

	bodies := make([][]byte, len(callLines))
	for i, line := range callLines {
		bodies[i], _ = json.Marshal(map[string]string{"speaker": line.speaker, "text": line.text})
	}
	// CPU time of both sides over the utterance phase only: contention on
	// a shared machine stretches wall-clock figures, not these.
	serverCPU0, serverCPUErr := scrapeCPUSeconds(ctx, hc, *base)
	genCPU0 := processCPU()

	// Each call posts at its own pace, staggered so the load is even. Each
	// call keeps its own latencies and statuses; they are merged at the end
	// so recording costs no lock per utterance.
	interval := time.Duration(float64(*c) / *rate * float64(time.Second))
	var next atomic.Int64
	type callResult struct {
		lat       []time.Duration
		statuses  map[int]int
		transport int64
	}
	results := make([]callResult, len(ids))
	start := time.Now()
	for i, id := range ids {
		wg.Add(1)
		go func(i int, id int64) {
			defer wg.Done()
			r := &results[i]
			r.statuses = map[int]int{}
			due := start.Add(time.Duration(i) * interval / time.Duration(*c))
			path := "/api/v1/calls/" + strconv.FormatInt(id, 10) + "/utterances"
			timer := time.NewTimer(time.Hour)
			defer timer.Stop()
			postOne := func(body []byte) (int, error) { return postDiscard(ctx, path, body) }
			if *client == "raw" {
				rc := &rawClient{addr: u.Host, host: u.Host, target: strings.TrimSuffix(u.Path, "/") + path, auth: "Bearer " + *token}
				stop := context.AfterFunc(ctx, rc.close)
				defer stop()
				defer rc.close()
				postOne = rc.post
			}
			for k := i; ; k++ {
				if next.Add(1) > int64(*n) {
					return
				}
				if d := time.Until(due); d > 0 {
					timer.Reset(d)
					select {
					case <-timer.C:
					case <-ctx.Done():
						return
					}
				}
				status, err := postOne(bodies[k%len(bodies)])
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					r.transport++
				}
				r.statuses[status]++
				if status == http.StatusCreated {
					r.lat = append(r.lat, time.Since(due))
				}
				due = due.Add(interval)
			}
		}(i, id)
	}
	wg.Wait()
	elapsed := time.Since(start)
	genCPU := processCPU() - genCPU0
	serverCPU1, err := scrapeCPUSeconds(context.Background(), hc, *base)
	if serverCPUErr == nil {
		serverCPUErr = err
	}
	stopped := ctx.Err() != nil
	lat := make([]time.Duration, 0, *n)
	statuses := map[int]int{}
	var transportErrors, acked, sent int64
	for _, r := range results {
		lat = append(lat, r.lat...)
		for s, k := range r.statuses {
			statuses[s] += k
			sent += int64(k)
		}
		transportErrors += r.transport
	}
	acked = int64(len(lat))

	// End the calls and count what the server stored.
	var stored atomic.Int64
	ectx, ecancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer ecancel()
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func(id int64) {
			defer func() { <-sem; wg.Done() }()
			status, b, err := post(ectx, fmt.Sprintf("/api/v1/calls/%d/end", id), []byte(`{}`))
			if err != nil || status != http.StatusOK {
				return
			}
			var call struct{ Utterances int64 }
			json.Unmarshal(b, &call)
			stored.Add(call.Utterances)
		}(id)
	}
	wg.Wait()

	if len(lat) == 0 {
		return fmt.Errorf("no utterance was acknowledged (statuses %v, %d transport errors)", statuses, transportErrors)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(e.stdout, "calls: %d utterances acknowledged over %d calls in %s: %.0f utterances/s (target pace %.0f/s)\n",
		len(lat), *c, elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(), *rate)
	fmt.Fprintf(e.stdout, "latency from due time: p50 %s p90 %s p99 %s p99.9 %s max %s\n", pct(0.50), pct(0.90), pct(0.99), pct(0.999), lat[len(lat)-1].Round(10*time.Microsecond))
	fmt.Fprintf(e.stdout, "statuses %v, transport errors %d; stored on the server %d of %d acknowledged\n", statuses, transportErrors, stored.Load(), acked)
	// CPU per utterance posted (answered or not): the budget is the
	// machine's cores × the run's length, shared by both processes.
	if sent > 0 {
		fmt.Fprintf(e.stdout, "cpu per utterance: generator %.1f µs", float64(genCPU.Microseconds())/float64(sent))
		if serverCPUErr == nil {
			fmt.Fprintf(e.stdout, ", server %.1f µs", (serverCPU1-serverCPU0)*1e6/float64(sent))
		} else {
			fmt.Fprintf(e.stdout, ", server unknown (%v)", serverCPUErr)
		}
		fmt.Fprintf(e.stdout, " (over %d utterances, %s wall)\n", sent, elapsed.Round(time.Millisecond))
	}
	if stopped {
		fmt.Fprintf(e.stdout, "stopped by -max-time before all %d utterances were sent\n", *n)
	}
	if stored.Load() < acked {
		return fmt.Errorf("the server stored %d utterances but acknowledged %d", stored.Load(), acked)
	}
	return nil
}

// scrapeCPUSeconds reads process_cpu_seconds_total from the server's
// /metrics, the server's own CPU time, so its cost per utterance is
// measured where it is spent.
func scrapeCPUSeconds(ctx context.Context, hc *http.Client, base string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "process_cpu_seconds_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no process_cpu_seconds_total in /metrics")
}

// rawClient posts over one kept-alive HTTP/1.1 connection, writing each
// request in one write and reading the answer with a few byte scans. The
// generator shares the machine with the server it measures: net/http's
// client (two goroutines, channels and header maps per connection and
// request) cost it about as much CPU as the server's own HTTP handling.
type rawClient struct {
	addr, host, target, auth string

	mu   sync.Mutex // guards conn against close from another goroutine
	conn net.Conn
	br   *bufio.Reader
	buf  []byte
}

func (c *rawClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// post sends body and returns the status; the connection is redialled
// after an error or a "Connection: close".
func (c *rawClient) post(body []byte) (int, error) {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		var err error
		if conn, err = net.DialTimeout("tcp", c.addr, 10*time.Second); err != nil {
			return 0, err
		}
		c.mu.Lock()
		c.conn = conn
		c.mu.Unlock()
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 8<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	b := c.buf[:0]
	b = append(b, "POST "...)
	b = append(b, c.target...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\nAuthorization: "...)
	b = append(b, c.auth...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.buf = b
	status, keep, err := c.roundTrip(conn, b)
	if err != nil || !keep {
		c.close()
	}
	return status, err
}

func (c *rawClient) roundTrip(conn net.Conn, req []byte) (status int, keepAlive bool, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, false, err
	}
	line, err := c.line()
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 201 Created"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked, keepAlive := -1, false, true
	for {
		h, err := c.line()
		if err != nil {
			return status, false, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return status, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keepAlive = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		for {
			l, err := c.line()
			if err != nil {
				return status, false, err
			}
			l, _, _ = bytes.Cut(l, []byte(";"))
			size, err := strconv.ParseInt(string(bytes.TrimSpace(l)), 16, 64)
			if err != nil {
				return status, false, fmt.Errorf("malformed chunk size %q", l)
			}
			if size == 0 {
				break
			}
			if _, err := c.br.Discard(int(size) + 2); err != nil {
				return status, false, err
			}
		}
		for { // trailers up to the blank line
			l, err := c.line()
			if err != nil {
				return status, false, err
			}
			if len(l) == 0 {
				break
			}
		}
	case length >= 0:
		if _, err := c.br.Discard(length); err != nil {
			return status, false, err
		}
	default:
		// No length: the body runs to the end of the connection.
		_, err := io.Copy(io.Discard, c.br)
		return status, false, err
	}
	return status, keepAlive, nil
}

// line returns the next header line without its CRLF; it is valid until
// the next read.
func (c *rawClient) line() ([]byte, error) {
	l, err := c.br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(l, "\r\n"), nil
}
