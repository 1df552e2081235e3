package app

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
)

// Notifier is what a store offers when several servers share it
// (PostgreSQL's LISTEN/NOTIFY): the live-call engine tells the others about
// every stored utterance so their supervisor boards and caches follow.
type Notifier interface {
	CanNotify() bool
	Notify(ctx context.Context, channel, payload string) error
	Listen(ctx context.Context, channel string) (<-chan string, error)
}

// notifyChannel is the PostgreSQL channel of live-call events.
const notifyChannel = "kasuhara_calls"

// Group commit: the writer stores what arrived within commitWindow (or
// commitMax utterances) in one transaction and acknowledges each after the
// commit, so a busy server pays one transaction per few milliseconds
// rather than one per utterance.
const (
	commitWindow = 2 * time.Millisecond
	commitMax    = 1000
	// Per-call rate limit: a turn of speech takes a second or more, so a
	// call posting faster than this is a broken or hostile client. It is
	// answered 429 at once and never slows other calls.
	callRate  = 20.0 // utterances per second, sustained
	callBurst = 40.0
	// maxCachedCalls bounds the per-call state kept in memory; ended calls
	// leave at once, idle ones are dropped when the cache is full.
	maxCachedCalls = 50000
)

// callEngine holds the in-memory side of live calls: a cache of per-call
// state (the database stays the source of truth), the single writer that
// group-commits utterances, and the hub that feeds supervisor boards.
type callEngine struct {
	a        *App
	ctx      context.Context
	cancel   context.CancelFunc
	instance string // tells this server's notifications from the others'

	shards [64]callShard
	queue  chan *pendingUtterance
	hub    *callHub
	notify Notifier // nil without a multi-server store
	wg     sync.WaitGroup
}

type callShard struct {
	mu    sync.Mutex
	calls map[int64]*callState
}

// callState is a server's view of one ongoing call. mu serializes the
// call's utterances: a call's turns are stored in the order they arrive.
type callState struct {
	mu     sync.Mutex
	loaded bool
	stale  bool // another server stored something: reread before use
	call   *kasuhara.Call
	pi     *policyInfo
	seq    int // last stored seq
	// demands are the customer's earlier grievances, for repeated demands.
	demands   []demand
	timeAlert bool // the time-limit alert was raised
	lastUsed  time.Time

	rl       sync.Mutex // rate limiter, apart from mu so floods never wait for a commit
	tokens   float64
	refilled time.Time
}

// demand is one grievance the customer made and how often: a new
// grievance joins the first demand it matches, so a call repeating itself
// keeps a handful of demands, not one per utterance.
type demand struct {
	seq   int // the first utterance that made it
	count int
	grams grams
}

type pendingUtterance struct {
	u      *kasuhara.Utterance
	done   chan error // nil: stored; errSeqTaken: renumber and retry
	stored bool
}

func (a *App) calls() *callEngine {
	a.callsOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		e := &callEngine{a: a, ctx: ctx, cancel: cancel, instance: randomToken(6),
			queue: make(chan *pendingUtterance, 16384), hub: newCallHub()}
		for i := range e.shards {
			e.shards[i].calls = map[int64]*callState{}
		}
		if n, ok := a.Store.(Notifier); ok && n.CanNotify() {
			e.notify = n
			if ch, err := n.Listen(ctx, notifyChannel); err != nil {
				a.Log.Error("listen for call events; other servers' calls will not appear on this server's boards", "err", err)
			} else {
				e.wg.Add(1)
				go e.listen(ch)
			}
		}
		e.wg.Add(1)
		go e.writer()
		a.callEngine = e
	})
	return a.callEngine
}

// Close stops the live-call engine: the writer finishes what is queued and
// the notification listener ends. Call it when the server stops.
func (a *App) Close() {
	a.callsOnce.Do(func() {}) // nothing started: nothing to stop
	if e := a.callEngine; e != nil {
		e.cancel()
		e.wg.Wait()
	}
}

// StartCalls starts the live-call engine (writer, notification listener)
// and begins loading the detector in the background. Loading the kagome
// dictionary takes about half a second; the server need not wait for it
// before it answers sign-ins and pages, and a detection request that comes
// first simply waits for the load to finish.
func (a *App) StartCalls() error {
	a.calls()
	go func() {
		if _, err := Detector(); err != nil {
			a.Log.Error("load detector", "err", err)
		}
	}()
	return nil
}

func (e *callEngine) shard(id int64) *callShard { return &e.shards[uint64(id)%uint64(len(e.shards))] }

// state returns the cached state of call id, creating an unloaded entry.
func (e *callEngine) state(id int64) *callState {
	sh := e.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st, ok := sh.calls[id]
	if !ok {
		if len(sh.calls) >= maxCachedCalls/len(e.shards) {
			e.evictIdle(sh)
		}
		st = &callState{tokens: callBurst, refilled: time.Now()}
		sh.calls[id] = st
	}
	return st
}

// evictIdle drops the shard's least recently used half; a dropped call is
// simply reloaded from the database if it speaks again.
func (e *callEngine) evictIdle(sh *callShard) {
	cut := time.Now().Add(-time.Minute)
	for id, st := range sh.calls {
		if st.mu.TryLock() {
			if st.lastUsed.Before(cut) {
				delete(sh.calls, id)
			}
			st.mu.Unlock()
		}
	}
}

func (e *callEngine) forget(id int64) {
	sh := e.shard(id)
	sh.mu.Lock()
	delete(sh.calls, id)
	sh.mu.Unlock()
}

// markStale flags a cached call so the next utterance rereads it.
func (e *callEngine) markStale(id int64) {
	sh := e.shard(id)
	sh.mu.Lock()
	st := sh.calls[id]
	sh.mu.Unlock()
	if st != nil {
		st.mu.Lock()
		st.stale = true
		st.mu.Unlock()
	}
}

// allow takes one token from the call's bucket.
func (st *callState) allow(now time.Time) bool {
	st.rl.Lock()
	defer st.rl.Unlock()
	st.tokens = min(callBurst, st.tokens+now.Sub(st.refilled).Seconds()*callRate)
	st.refilled = now
	if st.tokens < 1 {
		return false
	}
	st.tokens--
	return true
}

// load (re)reads the call and its transcript; st.mu must be held.
func (e *callEngine) load(ctx context.Context, id int64, st *callState) error {
	c, err := e.a.Store.FindCall(ctx, id)
	if err != nil {
		return err
	}
	var pi *policyInfo
	if c.PolicyVersionID != nil {
		v, err := e.a.Store.FindPolicyVersion(ctx, *c.PolicyVersionID)
		if err != nil {
			return err
		}
		if pi, err = infoFor(v); err != nil {
			return err
		}
	}
	us, err := e.a.Store.ListUtterances(ctx, id, 0)
	if err != nil {
		return err
	}
	st.call, st.pi, st.seq, st.demands, st.timeAlert = c, pi, 0, nil, false
	for _, u := range us {
		st.seq = u.Seq
		st.remember(u, nil)
	}
	st.loaded, st.stale = true, false
	return nil
}

// remember updates the state with a stored utterance; g is its bigrams
// when the caller already has them (nil: computed here if needed).
func (st *callState) remember(u *kasuhara.Utterance, g grams) {
	if u.Speaker == kasuhara.SpeakerCustomer && u.Verdict != "none" {
		if g == nil {
			g = bigrams(u.Text)
		}
		st.addDemand(u.Seq, g)
	}
	for _, al := range u.Alerts {
		if al.Kind == kasuhara.AlertTimeLimit {
			st.timeAlert = true
		}
	}
}

// maxDemands bounds the distinct grievances remembered per call.
const maxDemands = 64

// matchDemand returns the index of the demand g repeats, or -1.
func (st *callState) matchDemand(g grams) int {
	for i := range st.demands {
		if sameDemand(g, st.demands[i].grams) {
			return i
		}
	}
	return -1
}

func (st *callState) addDemand(seq int, g grams) {
	if i := st.matchDemand(g); i >= 0 {
		st.demands[i].count++
		return
	}
	if len(st.demands) >= maxDemands {
		st.demands = st.demands[1:]
	}
	st.demands = append(st.demands, demand{seq: seq, count: 1, grams: g})
}

// store queues u for the group commit and waits until it is committed.
func (e *callEngine) store(ctx context.Context, u *kasuhara.Utterance) (bool, error) {
	p := &pendingUtterance{u: u, done: make(chan error, 1)}
	select {
	case e.queue <- p:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-e.ctx.Done():
		return false, kasuhara.Errorf(kasuhara.EINTERNAL, "server stopping")
	}
	// The writer always answers once it has the utterance, so waiting here
	// cannot leave a stored utterance unacknowledged by mistake.
	err := <-p.done
	return p.stored, err
}

// writer is the single goroutine that stores utterances: it takes the
// first waiting one, gathers what else arrives within commitWindow, inserts
// the batch in one transaction and then answers every waiter.
func (e *callEngine) writer() {
	defer e.wg.Done()
	batch := make([]*pendingUtterance, 0, commitMax)
	us := make([]*kasuhara.Utterance, 0, commitMax)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		batch, us = batch[:0], us[:0]
		select {
		case p := <-e.queue:
			batch = append(batch, p)
		case <-e.ctx.Done():
			e.drain()
			return
		}
		timer.Reset(commitWindow)
	gather:
		for len(batch) < commitMax {
			select {
			case p := <-e.queue:
				batch = append(batch, p)
			case <-timer.C:
				break gather
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		for _, p := range batch {
			us = append(us, p.u)
		}
		e.commit(batch, us)
	}
}

func (e *callEngine) commit(batch []*pendingUtterance, us []*kasuhara.Utterance) {
	// The batch belongs to many requests; one request's cancellation must
	// not abort the others' insert.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stored, err := e.a.Store.InsertUtterances(ctx, us)
	for i, p := range batch {
		if err == nil {
			p.stored = stored[i]
		}
		p.done <- err
	}
	if err == nil && e.notify != nil {
		e.notifyStored(ctx, us, stored)
	}
}

// drain answers whatever is still queued when the server stops.
func (e *callEngine) drain() {
	for {
		select {
		case p := <-e.queue:
			p.done <- kasuhara.Errorf(kasuhara.EINTERNAL, "server stopping")
		default:
			return
		}
	}
}

// notifyStored tells the other servers what this batch stored: "u" events
// listing call:seq, with "!" after flagged ones (boards read those back).
// Payloads stay under PostgreSQL's 8000-byte limit.
func (e *callEngine) notifyStored(ctx context.Context, us []*kasuhara.Utterance, stored []bool) {
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		if err := e.notify.Notify(ctx, notifyChannel, b.String()); err != nil {
			e.a.Log.Warn("notify call events", "err", err)
		}
		b.Reset()
	}
	for i, u := range us {
		if !stored[i] {
			continue
		}
		if b.Len() > 7800 {
			flush()
		}
		if b.Len() == 0 {
			b.WriteString(e.instance)
			b.WriteString(" u")
		}
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(u.CallID, 10))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(u.Seq))
		if u.Flagged() {
			b.WriteByte('!')
		}
	}
	flush()
}

// notifyCall tells the other servers that a call opened, changed stage or ended.
func (e *callEngine) notifyCall(kind string, id int64) {
	if e.notify == nil {
		return
	}
	if err := e.notify.Notify(e.ctx, notifyChannel, e.instance+" "+kind+" "+strconv.FormatInt(id, 10)); err != nil {
		e.a.Log.Warn("notify call event", "err", err)
	}
}

// listen follows the other servers' notifications: their utterances make
// this server's cached calls stale, flagged ones and call changes are read
// back from the database and published to this server's boards.
func (e *callEngine) listen(ch <-chan string) {
	defer e.wg.Done()
	for payload := range ch {
		if payload == "" {
			// Reconnected: notifications may have been missed.
			e.a.tokens.clear()
			e.staleAll()
			e.hub.publish(&CallEvent{Kind: "resync"})
			continue
		}
		from, rest, _ := strings.Cut(payload, " ")
		if from == e.instance {
			continue
		}
		kind, rest, _ := strings.Cut(rest, " ")
		if kind == "tokens" {
			e.a.tokens.clear()
			continue
		}
		if kind != "u" {
			id, err := strconv.ParseInt(rest, 10, 64)
			if err != nil {
				continue
			}
			e.markStale(id)
			if kind == "end" {
				e.forget(id)
			}
			if c, err := e.a.Store.FindCall(e.ctx, id); err == nil {
				e.hub.publish(&CallEvent{Kind: kind, OrgID: c.OrgID, CallID: id, Call: c})
			}
			continue
		}
		for _, item := range strings.Fields(rest) {
			flagged := strings.HasSuffix(item, "!")
			cs, ss, _ := strings.Cut(strings.TrimSuffix(item, "!"), ":")
			id, err1 := strconv.ParseInt(cs, 10, 64)
			seq, err2 := strconv.Atoi(ss)
			if err1 != nil || err2 != nil {
				continue
			}
			e.markStale(id)
			if !flagged || !e.hub.watched() {
				continue
			}
			c, err := e.a.Store.FindCall(e.ctx, id)
			if err != nil {
				continue
			}
			u, err := e.a.Store.FindUtterance(e.ctx, id, seq)
			if err != nil {
				continue
			}
			e.hub.publish(&CallEvent{Kind: "utterance", OrgID: c.OrgID, CallID: id, Call: c, Utterance: u})
		}
	}
}

func (e *callEngine) staleAll() {
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		ids := make([]int64, 0, len(sh.calls))
		for id := range sh.calls {
			ids = append(ids, id)
		}
		sh.mu.Unlock()
		for _, id := range ids {
			e.markStale(id)
		}
	}
}

// CallEvent is one change on the supervisors' live board.
type CallEvent struct {
	// Kind is open, utterance, stage, end, or resync (reload everything).
	Kind      string               `json:"kind"`
	OrgID     int64                `json:"org_id,omitempty"`
	CallID    int64                `json:"call_id,omitempty"`
	Call      *kasuhara.Call       `json:"call,omitempty"`
	Utterance *kasuhara.Utterance  `json:"utterance,omitempty"`
	NextStage string               `json:"next_stage,omitempty"`
	Script    *kasuhara.CallScript `json:"script,omitempty"`

	once sync.Once
	data []byte
}

// JSON returns the event encoded once, shared by every board it goes to.
func (ev *CallEvent) JSON() []byte {
	ev.once.Do(func() { ev.data, _ = json.Marshal(ev) })
	return ev.data
}

// callHub fans events out to the boards watching. Each board has a
// buffered channel; a board too slow to keep up is told to resync rather
// than slowing the calls down.
type callHub struct {
	mu   sync.RWMutex
	subs map[*CallSubscription]struct{}
}

// CallSubscription is one board's feed. Read Events until it is closed;
// Lost reports that events were dropped and the board must reload.
type CallSubscription struct {
	Events <-chan *CallEvent
	ch     chan *CallEvent
	orgs   []int64
	lost   chan struct{}
	once   sync.Once
}

// Lost is closed when the board fell behind and missed events.
func (s *CallSubscription) Lost() <-chan struct{} { return s.lost }

func newCallHub() *callHub { return &callHub{subs: map[*CallSubscription]struct{}{}} }

func (h *callHub) watched() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs) > 0
}

func (h *callHub) subscribe(orgs []int64) *CallSubscription {
	ch := make(chan *CallEvent, 256)
	s := &CallSubscription{Events: ch, ch: ch, orgs: orgs, lost: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *callHub) unsubscribe(s *CallSubscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

func (h *callHub) publish(ev *CallEvent) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		if ev.Kind != "resync" && !containsID(s.orgs, ev.OrgID) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			s.once.Do(func() { close(s.lost) })
		}
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// grams is a set of character bigrams, each packed into a uint64 (first
// rune high, second low), sorted and without repeats: comparing two sets
// is one merge, and a call's demands are compared with every customer
// turn, so this is on the hot path of live assist.
type grams []uint64

// bigrams returns the character bigrams of s after folding what a
// recognizer or a typist varies: width, katakana/hiragana, case, spaces and
// punctuation. Two demands are "the same" when their bigram sets overlap
// mostly (see sameDemand), which survives fillers and small rewordings.
func bigrams(s string) grams {
	var buf [64]rune
	rs := buf[:0]
	for _, r := range s {
		switch {
		case r >= 'ァ' && r <= 'ヶ':
			r -= 0x60
		case r >= 'Ａ' && r <= 'ｚ':
			r -= 0xFEE0
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		if ignoredInDemand(r) {
			continue
		}
		rs = append(rs, r)
	}
	if len(rs) < 2 {
		return grams{}
	}
	out := make(grams, 0, len(rs)-1)
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, uint64(uint32(rs[i]))<<32|uint64(uint32(rs[i+1])))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ignoredInDemand reports the characters a recognizer or a typist adds or
// drops without changing what is demanded.
func ignoredInDemand(r rune) bool {
	switch r {
	case ' ', '　', 'ー', '〜', '、', '。', ',', '.', '!', '?', '！', '？', '「', '」', '『', '』', '(', ')', '（', '）', '・', '…':
		return true
	}
	return false
}

// sameDemand reports whether two bigram sets share at least 60% of the
// smaller one: a repeated demand is said again in nearly the same words,
// often shortened ("返金しろ" after "今すぐ全額返金しろ").
func sameDemand(a, b grams) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 3 {
		return false
	}
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return float64(n) >= 0.6*float64(len(a))
}
