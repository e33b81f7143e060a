package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/query"
)

// The list filters are package query's: what each means and when it is valid. This file
// decodes their HTTP parameters; params.go decodes the rest of a list request.

// parseSiteQuery decodes the filter parameters every list takes (open_now, open_at, q, lang,
// free, wheelchair, status, updated_since, verified_since) into a query.Query, which checks
// them (query.Query.Validate).
func parseSiteQuery(v url.Values, now time.Time) (query.Query, error) {
	var (
		q   query.Query
		err error
	)
	if q.When, q.Open, err = parseOpenAt(v, now); err != nil {
		return q, err
	}
	q.Text = v.Get("q")
	if raw := v.Get("lang"); raw != "" {
		if len(raw) > maxParamLen {
			return q, badParam("lang", "is too long")
		}
		for _, part := range strings.Split(raw, ",") {
			if tag := geo.PrimaryLanguage(part); tag != "" {
				q.Languages = append(q.Languages, tag)
			}
		}
	}
	if q.Free, err = parseBool(v, "free"); err != nil {
		return q, err
	}
	if q.Wheelchair, err = parseBool(v, "wheelchair"); err != nil {
		return q, err
	}
	if raw := v.Get("status"); raw != "" {
		for _, part := range strings.Split(raw, ",") {
			if st := aidmap.Status(strings.TrimSpace(part)); st != "" {
				q.Statuses = append(q.Statuses, st)
			}
		}
	}
	if q.UpdatedSince, err = parseSince(v, "updated_since"); err != nil {
		return q, err
	}
	if q.VerifiedSince, err = parseSince(v, "verified_since"); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// parseBool reads name=true|false; only true filters.
func parseBool(q url.Values, name string) (bool, error) {
	switch raw := q.Get(name); raw {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, badParam(name, fmt.Sprintf("%q must be true or false", truncate(raw)))
	}
}

// parseSince reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func parseSince(q url.Values, name string) (time.Time, error) {
	raw := strings.TrimSpace(q.Get(name))
	if raw == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, raw); err == nil {
		return t, nil
	}
	return time.Time{}, badParam(name, fmt.Sprintf("%q is not a date such as 2026-11-01 or a time such as 2026-11-01T12:00:00Z", truncate(raw)))
}
