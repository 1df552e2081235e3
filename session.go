package kasuhara

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds a random token; only its
// SHA-256 is stored, so a database leak does not hand out live sessions.
// Sessions live in the database so that every server sees every session.
type Session struct {
	ID        string // hex SHA-256 of the cookie token
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
	IP        string
	UserAgent string
}

// APIToken is a bearer token for the REST API, acting with its user's roles.
// Only the SHA-256 of the secret is stored; Prefix (the first characters)
// lets people recognise a token in lists.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// AuthService stores sessions, API tokens and login throttles.
type AuthService interface {
	// CreateSession stores s.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns an unexpired session; ENOTFOUND otherwise.
	FindSession(ctx context.Context, id string, now time.Time) (*Session, error)
	// TouchSession extends the session's expiry (sliding idle timeout).
	TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error
	// DeleteSession signs one browser out.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions signs the user out everywhere and returns how many sessions ended.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)

	// CreateAPIToken stores t and sets its ID.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// FindAPIToken returns an active (unrevoked, unexpired) token by hash; ENOTFOUND otherwise.
	FindAPIToken(ctx context.Context, hash string, now time.Time) (*APIToken, error)
	// ListAPITokens returns the user's tokens, newest first.
	ListAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// RevokeAPIToken revokes the user's token id; ENOTFOUND if the user has no such token.
	RevokeAPIToken(ctx context.Context, userID, id int64, now time.Time) error
	// TouchAPIToken records the token's last use.
	TouchAPIToken(ctx context.Context, id int64, now time.Time) error

	// RecordLoginFailure counts a failed login under key (an account or an address).
	RecordLoginFailure(ctx context.Context, key string, now time.Time) error
	// LoginFailures counts failures under key since the given time.
	LoginFailures(ctx context.Context, key string, since time.Time) (int, error)
	// ClearLoginFailures forgets the failures under key (after a successful login).
	ClearLoginFailures(ctx context.Context, key string) error
}
