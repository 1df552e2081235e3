package app

import (
	"context"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
)

// tokenCacheTTL is how long a verified API token's principal is reused.
// A phone system posts thousands of utterances a second with one token;
// looking the token, its user and their organization up for each would
// cost more than the utterance. Revoking a token, changing or disabling a
// user and signing a user out clear this server's cache at once and, on
// PostgreSQL, every other server's through a notification (forgetTokens);
// the TTL bounds the rest, a notification lost to a reconnect included.
const tokenCacheTTL = 2 * time.Second

// maxCachedTokens bounds the cache; it is cleared when full, which only
// costs lookups.
const maxCachedTokens = 10000

type tokenEntry struct {
	p       kasuhara.Principal
	expires time.Time
}

type tokenCache struct {
	mu sync.RWMutex
	m  map[string]tokenEntry
}

// get returns a copy of the cached principal for a token digest, or nil.
func (c *tokenCache) get(digest string, now time.Time) *kasuhara.Principal {
	c.mu.RLock()
	e, ok := c.m[digest]
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		return nil
	}
	p := e.p
	return &p
}

// put caches p for a token until the TTL passes or the token expires.
func (c *tokenCache) put(digest string, p *kasuhara.Principal, now time.Time, tokenExpires *time.Time) {
	exp := now.Add(tokenCacheTTL)
	if tokenExpires != nil && tokenExpires.Before(exp) {
		exp = *tokenExpires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[string]tokenEntry{}
	}
	c.m[digest] = tokenEntry{p: *p, expires: exp}
}

// clear forgets every cached token, after anything that may change what a
// token may do.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// forgetTokens clears the cached tokens here and tells the other servers
// sharing the database to do the same.
func (a *App) forgetTokens(ctx context.Context) {
	a.tokens.clear()
	if n, ok := a.Store.(Notifier); ok && n.CanNotify() {
		// "-": no server is the sender, so this one clears again too.
		if err := n.Notify(ctx, notifyChannel, "- tokens"); err != nil {
			a.Log.Warn("tell other servers to forget cached API tokens; they follow within the cache TTL", "err", err)
		}
	}
}
