package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// openAt is the moment list queries evaluate opening hours at: now (open_now) or a time the
// client names (open_at). A time written without an offset ("2026-12-24T18:00") is a wall-clock
// time read in each site's own time zone, which is what a person planning a visit means; one
// with an offset or Z is the same instant everywhere.
type openAt struct {
	t     time.Time // the instant, or the wall-clock fields when local
	local bool      // t's fields are read in each site's zone
}

// at returns the instant o names for a site in time zone tz (UTC when unknown).
func (o openAt) at(tz string) time.Time {
	if !o.local {
		return o.t
	}
	loc := time.UTC
	if tz != "" {
		if l, err := aidmap.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	y, m, d := o.t.Date()
	return time.Date(y, m, d, o.t.Hour(), o.t.Minute(), o.t.Second(), 0, loc)
}

// openAtLayouts are the forms open_at accepts without an offset.
var openAtLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// parseOpenAt reads open_now=true|false and open_at=<time>. It returns when to evaluate hours
// (now unless open_at is given) and whether only open sites are wanted: open_at alone asks
// for sites open at that time, as open_now=true asks for sites open now. Sites whose hours are
// unknown never pass an open filter: "we don't know" is not "open".
func parseOpenAt(q url.Values, now time.Time) (when openAt, only bool, err error) {
	when = openAt{t: now}
	switch raw := q.Get("open_now"); raw {
	case "":
	case "true", "1":
		only = true
	case "false", "0":
	default:
		return when, false, badParam("open_now", fmt.Sprintf("%q must be true or false", truncate(raw)))
	}
	raw := strings.TrimSpace(q.Get("open_at"))
	if raw == "" {
		return when, only, nil
	}
	if q.Get("open_now") != "" {
		return when, false, badParam("open_at", "give either open_now or open_at, not both")
	}
	if len(raw) > 64 {
		return when, false, badParam("open_at", "is too long to be a time")
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return openAt{t: t}, true, nil
	}
	for _, layout := range openAtLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return openAt{t: t, local: true}, true, nil
		}
	}
	return when, false, badParam("open_at", fmt.Sprintf("%q is not a time such as 2026-12-24T18:00 (in each site's time zone) or 2026-12-24T18:00:00Z", truncate(raw)))
}

// openState is a site's opening state at the evaluation time, as published with each result.
type openState struct {
	evaluated bool      // hours were evaluated for this response
	known     bool      // the site's hours are known
	open      bool      // open at the evaluation time
	next      time.Time // the next change (closes_at when open, opens_at when closed); zero if none within 8 days
	loc       *time.Location
}

// evalOpen evaluates s's hours at o.
func evalOpen(s *aidmap.Site, o openAt) openState {
	st := openState{evaluated: true}
	if !s.Hours.Known() {
		return st
	}
	st.known = true
	st.open, _, st.next = s.Hours.OpenAt(o.at(s.Hours.Timezone))
	st.loc = time.UTC
	if tz := s.Hours.Timezone; tz != "" {
		if l, err := aidmap.LoadLocation(tz); err == nil {
			st.loc = l
		}
	}
	return st
}

// appendOpenState appends open_now and closes_at or opens_at; nothing when hours are unknown,
// so a client tells "unknown" (absent) from "closed" (false).
func appendOpenState(b []byte, st openState) []byte {
	if !st.evaluated || !st.known {
		return b
	}
	b = append(b, `,"open_now":`...)
	if st.open {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	if st.next.IsZero() {
		return b
	}
	if st.open {
		b = append(b, `,"closes_at":"`...)
	} else {
		b = append(b, `,"opens_at":"`...)
	}
	b = st.next.In(st.loc).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}
