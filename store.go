package kasuhara

import "context"

// Store is every storage service together, as one database provides them.
type Store interface {
	OrgService
	UserService
	AuthService
	AuditService
	PolicyService
	CallService
	CustomerService
	CaseService
	ConsultationService
	TrainingService
	CaseReportService
	DeliveryService
	CareService
	RetentionService
	DashboardService
	// Atomic runs fn with a Store bound to one transaction; everything fn
	// writes is committed together when it returns nil, or not at all.
	Atomic(ctx context.Context, fn func(tx Store) error) error
}

// Client describes where a request comes from, for the audit trail and the logs.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

type clientKey struct{}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the Client in ctx, or the zero Client (a CLI or background job).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
