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

type routeStats struct {
	buckets []uint64 // cumulative at exposition time; per-bucket here
	count   uint64
	sum     float64
}

// metrics is a small Prometheus text-format registry: the few series kasuhara
// exposes do not justify a client library.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status → count
	latency  map[string]*routeStats
	start    time.Time
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, latency: map[string]*routeStats{}, start: time.Now()}
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, strconv.Itoa(status)}]++
	rs := m.latency[route]
	if rs == nil {
		rs = &routeStats{buckets: make([]uint64, len(latencyBuckets))}
		m.latency[route] = rs
	}
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
	b.WriteString("# HELP kasuhara_http_requests_total HTTP requests by route and status.\n# TYPE kasuhara_http_requests_total counter\n")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(&b, "kasuhara_http_requests_total{route=\"%s\",status=\"%s\"} %d\n", escapeLabel(k[0]), k[1], m.requests[k])
	}
	b.WriteString("# HELP kasuhara_http_request_duration_seconds HTTP request latency by route.\n# TYPE kasuhara_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.latency))
	for k := range m.latency {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	for _, route := range routes {
		rs := m.latency[route]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += rs.buckets[i]
			fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %d\n", escapeLabel(route), le, cum)
		}
		fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", escapeLabel(route), rs.count)
		fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_sum{route=\"%s\"} %g\n", escapeLabel(route), rs.sum)
		fmt.Fprintf(&b, "kasuhara_http_request_duration_seconds_count{route=\"%s\"} %d\n", escapeLabel(route), rs.count)
	}
	m.mu.Unlock()
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
	b.WriteString("# HELP kasuhara_uptime_seconds Seconds since the server started.\n# TYPE kasuhara_uptime_seconds gauge\n")
	fmt.Fprintf(&b, "kasuhara_uptime_seconds %g\n", time.Since(m.start).Seconds())
	w.Write([]byte(b.String()))
}
