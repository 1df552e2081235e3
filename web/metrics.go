package web

import (
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the latency histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// routeStats are one route's counters. Each route has its own lock, taken
// for a few additions per request, so concurrent requests to different
// routes never wait for each other and nothing is allocated per request.
type routeStats struct {
	mu       sync.Mutex
	statuses map[int]uint64 // status → count
	buckets  []uint64       // cumulative at exposition time; per-bucket here
	count    uint64
	sum      float64
}

// metrics is a small Prometheus text-format registry: the few series kasuhara
// exposes do not justify a client library.
type metrics struct {
	mu     sync.Mutex // guards routes (the map, not the stats)
	routes map[string]*routeStats
	start  time.Time
}

func newMetrics() *metrics {
	return &metrics{routes: map[string]*routeStats{}, start: time.Now()}
}

// route returns the stats of route, created on first use; instrument
// resolves it once per route, not per request.
func (m *metrics) route(route string) *routeStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := m.routes[route]
	if rs == nil {
		rs = &routeStats{statuses: map[int]uint64{}, buckets: make([]uint64, len(latencyBuckets))}
		m.routes[route] = rs
	}
	return rs
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.route(route).observe(status, d)
}

func (rs *routeStats) observe(status int, d time.Duration) {
	sec := d.Seconds()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.statuses[status]++
	for i, b := range latencyBuckets {
		if sec <= b {
			rs.buckets[i]++
			break
		}
	}
	rs.count++
	rs.sum += sec
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m := s.metrics
	var b strings.Builder
	m.mu.Lock()
	routes := make([]string, 0, len(m.routes))
	stats := make(map[string]*routeStats, len(m.routes))
	for k, rs := range m.routes {
		routes = append(routes, k)
		stats[k] = rs
	}
	m.mu.Unlock()
	sort.Strings(routes)
	type requestCount struct {
		route, status string
		n             uint64
	}
	var counts []requestCount
	for _, route := range routes {
		rs := stats[route]
		rs.mu.Lock()
		for st, n := range rs.statuses {
			counts = append(counts, requestCount{route, strconv.Itoa(st), n})
		}
		rs.mu.Unlock()
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].route+counts[i].status < counts[j].route+counts[j].status })
	b.WriteString("# HELP kasuhara_http_requests_total HTTP requests by route and status.\n# TYPE kasuhara_http_requests_total counter\n")
	for _, c := range counts {
		fmt.Fprintf(&b, "kasuhara_http_requests_total{route=\"%s\",status=\"%s\"} %d\n", escapeLabel(c.route), c.status, c.n)
	}
	b.WriteString("# HELP kasuhara_http_request_duration_seconds HTTP request latency by route.\n# TYPE kasuhara_http_request_duration_seconds histogram\n")
	for _, route := range routes {
		rs := stats[route]
		rs.mu.Lock()
		var cum uint64
		for i, le := range latencyBuckets {
			cum += rs.buckets[i]
			fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %d\n", escapeLabel(route), le, cum)
		}
		fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", escapeLabel(route), rs.count)
		fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_sum{route=\"%s\"} %g\n", escapeLabel(route), rs.sum)
		fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_count{route=\"%s\"} %d\n", escapeLabel(route), rs.count)
		rs.mu.Unlock()
	}
	if s.PoolStats != nil {
		ps := s.PoolStats()
		b.WriteString("# HELP kasuhara_db_connections Database pool connections by state.\n# TYPE kasuhara_db_connections gauge\n")
		fmt.Fprintf(&b, "kasuhara_db_connections{state=\"open\"} %d\nkasuhara_db_connections{state=\"in_use\"} %d\nkasuhara_db_connections{state=\"idle\"} %d\n", ps.Open, ps.InUse, ps.Idle)
		b.WriteString("# HELP kasuhara_db_wait_total Waits for a database connection.\n# TYPE kasuhara_db_wait_total counter\n")
		fmt.Fprintf(&b, "kasuhara_db_wait_total %d\n", ps.WaitCount)
		b.WriteString("# HELP kasuhara_db_wait_seconds_total Time spent waiting for a database connection.\n# TYPE kasuhara_db_wait_seconds_total counter\n")
		fmt.Fprintf(&b, "kasuhara_db_wait_seconds_total %g\n", ps.WaitDuration.Seconds())
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.WriteString("# HELP kasuhara_goroutines Goroutines.\n# TYPE kasuhara_goroutines gauge\n")
	fmt.Fprintf(&b, "kasuhara_goroutines %d\n", runtime.NumGoroutine())
	b.WriteString("# HELP kasuhara_heap_bytes Heap in use.\n# TYPE kasuhara_heap_bytes gauge\n")
	fmt.Fprintf(&b, "kasuhara_heap_bytes %d\n", ms.HeapInuse)
	// The standard process metric: the server's CPU time, which load tests
	// divide by the work done to get a cost that other processes on the
	// machine do not distort.
	if cpu, ok := processCPUSeconds(); ok {
		b.WriteString("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n")
		fmt.Fprintf(&b, "process_cpu_seconds_total %g\n", cpu)
	}
	b.WriteString("# HELP kasuhara_uptime_seconds Seconds since the server started.\n# TYPE kasuhara_uptime_seconds gauge\n")
	fmt.Fprintf(&b, "kasuhara_uptime_seconds %g\n", time.Since(m.start).Seconds())
	w.Write([]byte(b.String()))
}
