package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/aidmap/aidmap"
)

// problem is an RFC 9457 problem details body. InvalidParams names each rejected query
// parameter and why, so a client (or a person reading the URL) can fix the request.
type problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	InvalidParams []invalidParam `json:"invalid_params,omitempty"`
}

type invalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// paramError is a rejected query or path parameter.
type paramError struct {
	Name   string
	Reason string
}

func (e *paramError) Error() string { return e.Name + ": " + e.Reason }
func (e *paramError) Unwrap() error { return aidmap.ErrInvalid }

func badParam(name, reason string) error { return &paramError{Name: name, Reason: reason} }

// writeProblem writes a problem JSON body with the given status.
func writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if r != nil {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeError maps an error to its HTTP status and problem body: the one place where errors
// become responses. Only unexpected errors are logged as errors.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		pe *paramError
		fe *aidmap.FieldError
	)
	switch {
	case errors.As(err, &pe):
		writeProblem(w, r, problem{Status: http.StatusBadRequest, Detail: pe.Error(),
			InvalidParams: []invalidParam{{Name: pe.Name, Reason: pe.Reason}}})
	case errors.As(err, &fe):
		writeProblem(w, r, problem{Status: http.StatusBadRequest, Detail: fe.Error(),
			InvalidParams: []invalidParam{{Name: fe.Field, Reason: fe.Reason}}})
	case errors.Is(err, aidmap.ErrInvalid):
		writeProblem(w, r, problem{Status: http.StatusBadRequest, Detail: clientDetail(err)})
	case errors.Is(err, aidmap.ErrNotFound):
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: clientDetail(err)})
	case errors.Is(err, aidmap.ErrForbidden):
		writeProblem(w, r, problem{Status: http.StatusForbidden, Detail: clientDetail(err)})
	case errors.Is(err, aidmap.ErrConflict):
		writeProblem(w, r, problem{Status: http.StatusConflict, Detail: clientDetail(err)})
	case errors.Is(err, aidmap.ErrUnavailable):
		s.metrics.storeErrors.Inc()
		writeProblem(w, r, problem{Status: http.StatusServiceUnavailable, Detail: "the store is unavailable; reads still work, try writing again shortly"})
	default:
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		writeProblem(w, r, problem{Status: http.StatusInternalServerError, Detail: "internal error; it has been logged"})
	}
}

// driverOps matches a store driver's name and the operations it wrapped an error with
// ("sqlite: upload: commit: "): which database runs behind the API is none of a client's
// business, and the operations mean nothing to it. What follows (the site, the field, the
// reason) is what the caller needs.
var driverOps = regexp.MustCompile(`\b(?:sqlite|postgis|pgx|pq): (?:[a-z][a-z ]*: )*`)

// clientDetail is an expected error's message as a client sees it: without the store driver's
// name and operations.
func clientDetail(err error) string {
	return driverOps.ReplaceAllString(err.Error(), "")
}
