package web

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
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

// openMemo is a cached site's open state as appendOpenState writes it, and the instants
// [from, until) over which evaluating the site's hours gives that same text: a site's hours
// were evaluated for every answer it is in, about 30 time.Date calls each (ten days of
// periods in its zone), though the answer changes a few times a day.
type openMemo struct {
	from, until time.Time // wall clock only (no monotonic reading), as Hours.OpenAt compares
	always      bool      // hours unknown: the text is empty at every instant
	text        []byte
}

// appendOpenMemo appends the open state of a site with hours h at o, as
// appendOpenState(b, evalHours(h, o)) does, from *memo when o falls in its span, and, when
// keep is set, keeps the span of a fresh evaluation there for the next request.
//
// Why a span is exact: Hours.OpenAt builds its openings from the local date of t alone, so
// they are the same while the local date is; the answer is "open until the end of the opening
// t is in" or "closed until the start of the next one", which stays the answer until that
// instant (openings are merged, so no other one starts or ends before it). The local date
// cannot change before the next midnight counted in t's UTC offset nor before that offset
// ends (time.Time.ZoneBounds). When the answer names no next change (open or closed past the
// 8-day horizon), the horizon moves with t and nothing is kept.
func appendOpenMemo(b []byte, memo *atomic.Pointer[openMemo], h *aidmap.Hours, o query.OpenAt, keep bool) []byte {
	if o.Local {
		// A wall-clock open_at is an instant of its own in each zone: evaluated as it is.
		return appendOpenState(b, evalHours(h, o))
	}
	t := o.Time.Round(0)
	m := memo.Load()
	if m != nil && (m.always || !t.Before(m.from) && t.Before(m.until)) {
		return append(b, m.text...)
	}
	st := evalHours(h, o)
	start := len(b)
	b = appendOpenState(b, st)
	if !keep || m != nil && t.Before(m.from) {
		return b // an older request than the memo's: leave the newer span
	}
	switch {
	case !st.known:
		memo.Store(&openMemo{always: true})
	case !st.next.IsZero():
		local := t.In(st.loc)
		y, mo, d := local.Date()
		_, off := local.Zone()
		until := time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second)
		if _, end := local.ZoneBounds(); !end.IsZero() && end.Before(until) {
			until = end
		}
		if st.next.Before(until) {
			until = st.next
		}
		memo.Store(&openMemo{from: t, until: until.Round(0), text: bytes.Clone(b[start:])})
	}
	return b
}
