package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/query"
)

// parseOpenAt reads open_now=true|false and open_at=<time> (query.ParseOpenAt). It returns when
// to evaluate hours (now unless open_at is given) and whether only open sites are wanted:
// open_at alone asks for sites open at that time, as open_now=true asks for sites open now.
func parseOpenAt(q url.Values, now time.Time) (when query.OpenAt, only bool, err error) {
	when = query.OpenAt{Time: now}
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
	at, err := query.ParseOpenAt(raw)
	if err != nil {
		return when, false, err
	}
	return at, true, nil
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
func evalOpen(s *aidmap.Site, o query.OpenAt) openState {
	return evalHours(&s.Hours, o)
}

// evalHours is evalOpen of a site with hours h.
func evalHours(h *aidmap.Hours, o query.OpenAt) openState {
	st := openState{evaluated: true}
	if !h.Known() {
		return st
	}
	st.known = true
	st.open, _, st.next = h.OpenAt(o.At(h.Timezone))
	st.loc = time.UTC
	if tz := h.Timezone; tz != "" {
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
