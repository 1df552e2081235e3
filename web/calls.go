package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/detect"
	"github.com/kasuhara/kasuhara/i18n"
)

// detectItem is one text to examine; ID is echoed back as given.
type detectItem struct {
	ID      json.RawMessage `json:"id,omitempty"`
	Text    *string         `json:"text"`
	Channel string          `json:"channel,omitempty"`
}

// detectRequest is one text (text, channel) or a batch (items).
type detectRequest struct {
	Text    *string      `json:"text"`
	Channel string       `json:"channel"`
	Items   []detectItem `json:"items"`
}

type detectItemResult struct {
	ID json.RawMessage `json:"id,omitempty"`
	*app.Detection
	Error *itemError `json:"error,omitempty"`
}

type itemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiDetect runs the detector on one text or a batch of up to 100. Each
// text is capped at detect.MaxTextRunes (20,000) code points: a longer one
// is refused (413 alone, an item error in a batch), never cut silently.
func (s *Server) apiDetect(w http.ResponseWriter, r *http.Request) {
	var req detectRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	p := principalFrom(r)
	if req.Items == nil {
		if req.Text == nil {
			s.Error(w, r, kasuhara.FieldError("text", "error.field.required"))
			return
		}
		if err := kasuhara.ValidateUtteranceText("text", *req.Text, detect.MaxTextRunes); err != nil {
			s.Error(w, r, err)
			return
		}
		ds, err := s.App.DetectTexts(r.Context(), p, []string{*req.Text})
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ds[0])
		return
	}
	if req.Text != nil {
		s.Error(w, r, kasuhara.FieldError("items", "calls.error.text_or_items"))
		return
	}
	if len(req.Items) == 0 || len(req.Items) > app.MaxDetectBatch {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.ETOOLARGE, Field: "items", Key: "calls.error.batch", Args: []any{app.MaxDetectBatch}, Message: "1 to 100 items"})
		return
	}
	lang := langFrom(r)
	out := make([]detectItemResult, len(req.Items))
	var texts []string
	var at []int
	for i, it := range req.Items {
		out[i].ID = it.ID
		var err error = kasuhara.FieldError("text", "error.field.required")
		if it.Text != nil {
			err = kasuhara.ValidateUtteranceText("text", *it.Text, detect.MaxTextRunes)
		}
		if err != nil {
			code, _, msg := localize(lang, err)
			out[i].Error = &itemError{code, msg}
			continue
		}
		texts = append(texts, *it.Text)
		at = append(at, i)
	}
	ds, err := s.App.DetectTexts(r.Context(), p, texts)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for k, i := range at {
		out[i].Detection = &ds[k]
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

type callOpenRequest struct {
	Channel      string `json:"channel"`
	CallerNumber string `json:"caller_number"`
	StaffID      int64  `json:"staff_id"`
}

func (s *Server) apiCallOpen(w http.ResponseWriter, r *http.Request) {
	var req callOpenRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	res, err := s.App.OpenCall(r.Context(), principalFrom(r), app.CallOpen{Channel: req.Channel, CallerNumber: req.CallerNumber, StaffID: req.StaffID})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/calls/"+strconv.FormatInt(res.Call.ID, 10))
	writeJSON(w, http.StatusCreated, res)
}

type utteranceRequest struct {
	Speaker string     `json:"speaker"`
	Text    *string    `json:"text"`
	At      *time.Time `json:"at"`
}

// apiUtterance is the hot path of live assist: decode, detect, store
// (group commit) and answer; see app.PostUtterance.
func (s *Server) apiUtterance(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req utteranceRequest
	if err := decodeUtterance(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.Text == nil {
		s.Error(w, r, kasuhara.FieldError("text", "error.field.required"))
		return
	}
	in := app.UtteranceInput{Speaker: req.Speaker, Text: *req.Text}
	if req.At != nil {
		in.At = req.At.UTC()
	}
	res, err := s.App.PostUtterance(r.Context(), principalFrom(r), id, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeUtteranceResult(w, res)
}

var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// decodeUtterance reads an utterance request. The common body, an object
// of plain strings "speaker" and "text" without escapes, is read directly;
// anything else (escapes, "at", null, unknown or repeated fields, bad
// JSON or UTF-8, a body over the limit) goes to decodeJSON, so errors and
// unusual input are handled exactly as for every other request.
func decodeUtterance(body io.Reader, req *utteranceRequest) error {
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	data, err := readAllInto((*bp)[:0], body)
	if cap(data) <= 64<<10 {
		*bp = data[:0]
	}
	if err == nil && utf8.Valid(data) && parseSimpleUtterance(data, req) {
		return nil
	}
	*req = utteranceRequest{}
	return decodeJSON(io.MultiReader(bytes.NewReader(data), errReader{err}), req)
}

// errReader replays a read error after the bytes read before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}

func readAllInto(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// parseSimpleUtterance fills req from {"speaker":"…","text":"…"} (either
// order, whitespace allowed) and reports whether the body was that simple.
func parseSimpleUtterance(data []byte, req *utteranceRequest) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	var speaker, text []byte
	haveSpeaker, haveText := false, false
	for first := true; ; first = false {
		i = skipSpace(data, i+1)
		if first && i < len(data) && data[i] == '}' {
			break
		}
		key, next, ok := plainString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		value, next, ok := plainString(data, skipSpace(data, i+1))
		if !ok {
			return false
		}
		switch string(key) {
		case "speaker":
			if haveSpeaker {
				return false
			}
			speaker, haveSpeaker = value, true
		case "text":
			if haveText {
				return false
			}
			text, haveText = value, true
		default:
			return false
		}
		i = skipSpace(data, next)
		if i >= len(data) {
			return false
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return false
		}
	}
	if skipSpace(data, i+1) != len(data) {
		return false
	}
	switch string(speaker) {
	case kasuhara.SpeakerCustomer:
		req.Speaker = kasuhara.SpeakerCustomer
	case kasuhara.SpeakerStaff:
		req.Speaker = kasuhara.SpeakerStaff
	default:
		req.Speaker = string(speaker)
	}
	if haveText {
		t := string(text)
		req.Text = &t
	}
	return true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// plainString returns the contents of the JSON string at data[i] when it
// has no escapes and no control characters, and the index after it.
func plainString(data []byte, i int) ([]byte, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// Response headers of an answered utterance, shared read-only by every
// answer rather than built per request.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noStore         = []string{"no-store"}
)

var utteranceBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// writeUtteranceResult answers a stored utterance with the same JSON
// writeJSON produces (fields, order, omissions and escaping as
// encoding/json with SetEscapeHTML(false)), appended by hand into a pooled
// buffer: it is written for every utterance, thousands a second, and
// reflection-based encoding was a tenth of the server's time per utterance.
func writeUtteranceResult(w http.ResponseWriter, res *app.UtteranceResult) {
	bp := utteranceBufs.Get().(*[]byte)
	b, ok := appendUtteranceResult((*bp)[:0], res)
	if !ok {
		// A value encoding/json would refuse (a score that is not a
		// number): let it say so the usual way.
		writeJSON(w, http.StatusCreated, res)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
	if cap(b) <= 64<<10 {
		*bp = b
		utteranceBufs.Put(bp)
	}
}

func appendUtteranceResult(b []byte, res *app.UtteranceResult) ([]byte, bool) {
	b = append(b, `{"utterance":`...)
	if u := res.Utterance; u == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"call_id":`...)
		b = strconv.AppendInt(b, u.CallID, 10)
		b = append(b, `,"seq":`...)
		b = strconv.AppendInt(b, int64(u.Seq), 10)
		b = append(b, `,"speaker":`...)
		b = appendJSONString(b, u.Speaker)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, u.Text)
		b = append(b, `,"at":"`...)
		if y := u.At.Year(); y < 0 || y > 9999 {
			return b, false
		}
		b = u.At.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","verdict":`...)
		b = appendJSONString(b, u.Verdict)
		b = append(b, `,"categories":`...)
		if u.Categories == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, c := range u.Categories {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"code":`...)
				b = appendJSONString(b, string(c.Code))
				b = append(b, `,"label":`...)
				b = appendJSONString(b, c.Label)
				b = append(b, `,"score":`...)
				var ok bool
				if b, ok = appendJSONFloat(b, c.Score); !ok {
					return b, false
				}
				b = append(b, `,"spans":`...)
				if c.Spans == nil {
					b = append(b, "null"...)
				} else {
					b = append(b, '[')
					for j, sp := range c.Spans {
						if j > 0 {
							b = append(b, ',')
						}
						b = append(b, `{"start":`...)
						b = strconv.AppendInt(b, int64(sp.Start), 10)
						b = append(b, `,"end":`...)
						b = strconv.AppendInt(b, int64(sp.End), 10)
						b = append(b, `,"text":`...)
						b = appendJSONString(b, sp.Text)
						b = append(b, '}')
					}
					b = append(b, ']')
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, `,"alerts":`...)
		if u.Alerts == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, al := range u.Alerts {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"kind":`...)
				b = appendJSONString(b, al.Kind)
				if al.Code != "" {
					b = append(b, `,"code":`...)
					b = appendJSONString(b, string(al.Code))
				}
				if al.Label != "" {
					b = append(b, `,"label":`...)
					b = appendJSONString(b, al.Label)
				}
				b = append(b, `,"reason":`...)
				b = appendJSONString(b, al.Reason)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `,"stage":`...)
	b = appendJSONString(b, res.Stage)
	if res.NextStage != "" {
		b = append(b, `,"next_stage":`...)
		b = appendJSONString(b, res.NextStage)
	}
	if sc := res.Script; sc != nil {
		b = append(b, `,"script":{"id":`...)
		b = appendJSONString(b, sc.ID)
		b = append(b, `,"stage":`...)
		b = appendJSONString(b, sc.Stage)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, sc.Text)
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// appendJSONFloat formats f as encoding/json does; false for NaN and
// infinities, which JSON cannot carry.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendJSONString quotes s as encoding/json does without HTML escaping:
// quotes, backslashes and control characters escaped, invalid UTF-8 as
// U+FFFD, and U+2028/U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

type callStageRequest struct {
	Stage string `json:"stage"`
}

func (s *Server) apiCallStage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req callStageRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	c, script, err := s.App.SetCallStage(r.Context(), principalFrom(r), id, req.Stage)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"call": c, "script": script})
}

func (s *Server) apiCallEnd(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *kasuhara.Call
	if err == nil {
		c, err = s.App.EndCall(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, us, err := s.App.Call(r.Context(), principalFrom(r), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"call": c, "utterances": us})
}

func (s *Server) apiCallDraft(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var d *app.CallDraft
	if err == nil {
		d, err = s.App.CallDraft(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiLiveCalls(w http.ResponseWriter, r *http.Request) {
	cs, err := s.App.LiveCalls(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*app.LiveCall]{cs, len(cs)})
}

// sseHeartbeat keeps idle streams open through proxies and lets the server
// notice boards that went away.
const sseHeartbeat = 15 * time.Second

// apiCallEvents streams the supervisors' board as server-sent events: a
// "snapshot" of the ongoing calls, then a "call" event per change (a call
// opened, a flagged utterance, a stage confirmed, a call ended) from any
// server. A board that falls behind gets "resync" and reconnects for a new
// snapshot; events seen twice around the snapshot carry the same seq.
func (s *Server) apiCallEvents(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	ctx := r.Context()
	// Subscribe before reading the snapshot so nothing falls in between.
	sub, stop, err := s.App.WatchCalls(ctx, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer stop()
	live, err := s.App.LiveCalls(ctx, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	// The server's WriteTimeout would cut the stream after a minute.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && s.Log != nil {
		s.Log.Debug("sse: cannot clear write deadline", "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 16<<10)
	snap, _ := json.Marshal(live)
	bw.WriteString("retry: 2000\nevent: snapshot\ndata: ")
	bw.Write(snap)
	bw.WriteString("\n\n")
	flush := func() bool { return bw.Flush() == nil && rc.Flush() == nil }
	if !flush() {
		return
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Lost():
			bw.WriteString("event: resync\ndata: {}\n\n")
			flush()
			return
		case <-tick.C:
			bw.WriteString(": ping\n\n")
		case ev, ok := <-sub.Events:
			if !ok {
				return
			}
			writeEvent(bw, ev)
			// Send whatever else is already waiting in the same write.
			for more := true; more; {
				select {
				case ev := <-sub.Events:
					writeEvent(bw, ev)
				default:
					more = false
				}
			}
		}
		if !flush() {
			return
		}
	}
}

func writeEvent(bw *bufio.Writer, ev *app.CallEvent) {
	if ev.Kind == "resync" {
		bw.WriteString("event: resync\ndata: {}\n\n")
		return
	}
	bw.WriteString("event: call\ndata: ")
	bw.Write(ev.JSON())
	bw.WriteString("\n\n")
}

// liveBoardTexts are the catalog keys the board's script needs.
var liveBoardTexts = []string{
	"calls.live.empty", "calls.live.connected", "calls.live.reconnecting", "calls.live.restricted",
	"calls.live.confirm", "calls.live.ended", "calls.live.script", "calls.live.utterances", "calls.live.flagged",
	"calls.channel.phone", "calls.channel.chat", "calls.stage.none", "calls.stage.warning", "calls.stage.final_warning", "calls.stage.closing",
	"calls.speaker.customer", "calls.speaker.staff", "calls.alert.immediate_report", "calls.alert.time_limit",
	"calls.alert.repeated_demand", "calls.alert.restricted_caller", "calls.live.error",
}

// liveCallsPage is the supervisors' live board; live.js fills it from
// /api/v1/calls/events.
func (s *Server) liveCallsPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	if err := kasuhara.Authorize(p, kasuhara.ActCallMonitor, p.User.OrgID); err != nil {
		s.Error(w, r, err)
		return
	}
	lang := langFrom(r)
	texts := make(map[string]string, len(liveBoardTexts))
	for _, k := range liveBoardTexts {
		texts[k] = i18n.T(lang, k)
	}
	b, _ := json.Marshal(texts)
	s.render(w, r, http.StatusOK, "calls_live", map[string]any{"Texts": string(b)})
}
