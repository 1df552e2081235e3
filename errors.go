// Package kasuhara holds the domain of the customer-harassment (カスタマーハラスメント)
// system: organizations, users and roles, the audit trail, and the service
// interfaces that the storage, HTTP and CLI packages implement or use.
// It imports no database, HTTP or template package.
package kasuhara

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to a status and a localized message.
const (
	ECONFLICT     = "conflict"     // the action conflicts with existing state (duplicate email…)
	EINTERNAL     = "internal"     // a bug or an unavailable dependency; details are logged, not shown
	EINVALID      = "invalid"      // the input is malformed or fails validation
	ENOTFOUND     = "not_found"    // the entity does not exist or is not visible to the caller
	EUNAUTHORIZED = "unauthorized" // the caller is not authenticated
	EFORBIDDEN    = "forbidden"    // the caller is authenticated but may not do this
	ETOOMANY      = "too_many"     // throttled
	ETOOLARGE     = "too_large"    // the request body or a field is over its limit
)

// Error is a domain error: a machine-readable code, a message key for the
// message catalog with its arguments, and optionally the field it concerns.
// Message is an English fallback used in logs and when no catalog entry exists.
type Error struct {
	Code    string
	Message string
	Key     string
	Args    []any
	Field   string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and an English message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one input field, with a catalog
// key so the user reads it in their own language.
func FieldError(field, key string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Key: key, Args: args,
		Message: fmt.Sprintf("%s: %s", field, key)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the English fallback message of err; internal errors
// are reduced to a generic text so details never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
