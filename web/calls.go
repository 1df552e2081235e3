package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

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
	if err := decodeJSON(r.Body, &req); err != nil {
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
	writeJSON(w, http.StatusCreated, res)
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
