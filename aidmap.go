// Package aidmap is the domain of aidmap: sites of essential services (food banks, free meals,
// shelters, clinics, ...), the organisations that run them, their categories, addresses and
// opening hours, and the errors every other package speaks.
//
// It imports only the standard library and does no I/O. Coordinates are WGS84 degrees, named
// Lat/Lon; distances are metres on a sphere.
package aidmap

import (
	"errors"
	"strconv"
)

// Sentinel errors. Stores and parsers wrap these so callers can test with errors.Is and the
// web layer can map them to HTTP status codes in one place.
var (
	// ErrNotFound means the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means the input is malformed or breaks a rule; the wrapping error says which.
	ErrInvalid = errors.New("invalid")
	// ErrConflict means the change clashes with the current state.
	ErrConflict = errors.New("conflict")
	// ErrForbidden means the caller may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable means a dependency (such as the database) cannot be reached right now.
	ErrUnavailable = errors.New("unavailable")
)

// FieldError says which field of which record is wrong and why, in words a volunteer can act on.
// Row is 0 when the error is not about a row of a file.
type FieldError struct {
	Row    int
	Field  string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	msg := e.Field + ": " + e.Reason
	if e.Value != "" {
		msg = e.Field + " " + quote(e.Value) + ": " + e.Reason
	}
	if e.Row > 0 {
		msg = "row " + strconv.Itoa(e.Row) + ": " + msg
	}
	return msg
}

// Unwrap makes every FieldError an ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return "\"" + s + "\""
}
