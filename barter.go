// Package barter is the domain of a clearing house for goods-for-goods trade: parties,
// rulebooks, authorizations, goods declarations, the ledger and net-off positions. The rules
// live here, once; storage packages (sqlite, postgres) only keep what the rules decided.
package barter

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The HTTP layer maps each code to a status in one table.
type Code string

// Error codes.
const (
	EInvalid  Code = "invalid"   // the input breaks a rule; the message says which
	ENotFound Code = "not_found" // the named record does not exist
	EConflict Code = "conflict"  // the record exists or the state forbids the change
	EInternal Code = "internal"  // a fault of the system, not of the input
	// EUnauthenticated: the request does not say who makes it, or says it wrongly.
	EUnauthenticated Code = "unauthenticated"
	EForbidden       Code = "forbidden" // the user may not do this
	// ETooMany: too many failed sign-ins from the same place; the caller is to wait.
	ETooMany Code = "too_many_requests"
)

// Error is the one error type users see. Message is written for them; Field, when set,
// names the input field at fault.
type Error struct {
	Code    Code
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// ErrDeadlock is returned by a write that met a concurrent one holding what it needed in
// the other order: the store undid it, wholly, so that the other could go on. It can be
// carried out again as it was.
var ErrDeadlock = &Error{Code: EConflict, Message: "a concurrent change held what this one needed (a deadlock); nothing was written, and it can be tried again"}

// Errorf returns an Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error about one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first Error in err's chain, EInternal for any other
// error, and "" for nil.
func ErrorCode(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EInternal
	}
}

// ErrorMessage returns the user-facing message of err: the Error's own text, or a generic
// one for internal faults, whose details belong in logs.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Error()
	default:
		return "internal error"
	}
}
