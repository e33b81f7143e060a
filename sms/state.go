package sms

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// What "more" keeps of a search, encoded for store.SMSState: the point searched, what was
// asked, the language, the geocoder's label of the place (never the message's words) and how
// many sites were shown. Nothing names the sender but the key, a keyed hash of the number.
//
//	version 1 | lat float64 | lon float64 | needs uint32 | open byte | shown uint16 |
//	len(lang) byte | lang | len(near) byte | near
const sessionVersion = 1

func (s *session) encode() []byte {
	near := s.near
	if len(near) > 200 {
		near = near[:200]
	}
	b := make([]byte, 0, 1+8+8+4+1+2+1+len(s.lang)+1+len(near))
	b = append(b, sessionVersion)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(s.lat))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(s.lon))
	b = binary.BigEndian.AppendUint32(b, uint32(s.needs))
	open := byte(0)
	if s.open {
		open = 1
	}
	b = append(b, open)
	b = binary.BigEndian.AppendUint16(b, uint16(min(s.shown, math.MaxUint16)))
	b = append(b, byte(len(s.lang)))
	b = append(b, s.lang...)
	b = append(b, byte(len(near)))
	return append(b, near...)
}

var errSession = errors.New("sms: a stored session that does not decode")

func decodeSession(b []byte) (session, error) {
	var s session
	if len(b) < 1+8+8+4+1+2+1 || b[0] != sessionVersion {
		return s, errSession
	}
	b = b[1:]
	s.lat = math.Float64frombits(binary.BigEndian.Uint64(b))
	s.lon = math.Float64frombits(binary.BigEndian.Uint64(b[8:]))
	s.needs = aidmap.CategorySet(binary.BigEndian.Uint32(b[16:]))
	s.open = b[20] == 1
	s.shown = int(binary.BigEndian.Uint16(b[21:]))
	b = b[23:]
	n := int(b[0])
	if len(b) < 1+n+1 {
		return s, errSession
	}
	s.lang = string(b[1 : 1+n])
	b = b[1+n:]
	m := int(b[0])
	if len(b) != 1+m {
		return s, errSession
	}
	s.near = string(b[1:])
	if _, ok := texts[s.lang]; !ok || math.IsNaN(s.lat) || math.IsNaN(s.lon) {
		return s, errSession
	}
	return s, nil
}

// memState is store.SMSState in memory, for one process (the default when Config.State is
// nil): at most max keys, the expired and then the oldest forgotten first.
type memState struct {
	mu   sync.Mutex
	max  int
	rows map[string]*memRow
}

type memRow struct {
	hits                           int
	windowEnd, sessionEnd, expires time.Time
	session                        []byte
	hasSession                     bool
}

var _ store.SMSState = (*memState)(nil)

func newMemState(max int) *memState {
	return &memState{max: max, rows: map[string]*memRow{}}
}

func (m *memState) row(key []byte, now time.Time) *memRow {
	r, ok := m.rows[string(key)]
	if !ok {
		if len(m.rows) >= m.max {
			m.sweep(now)
		}
		r = &memRow{}
		m.rows[string(key)] = r
	}
	return r
}

func (m *memState) HitSMS(_ context.Context, key []byte, now time.Time, window time.Duration) (int, error) {
	if window <= 0 {
		return 0, fmt.Errorf("sms: hit: window %v: %w", window, aidmap.ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.row(key, now)
	if r.windowEnd.After(now) {
		r.hits++
	} else {
		r.hits, r.windowEnd = 1, now.Add(window)
	}
	if r.windowEnd.After(r.expires) {
		r.expires = r.windowEnd
	}
	return r.hits, nil
}

func (m *memState) PutSMSSession(_ context.Context, key, data []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.row(key, expires)
	r.session, r.hasSession, r.sessionEnd = append([]byte(nil), data...), true, expires
	if expires.After(r.expires) {
		r.expires = expires
	}
	return nil
}

func (m *memState) SMSSession(_ context.Context, key []byte, now time.Time) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[string(key)]
	if !ok || !r.hasSession || !r.sessionEnd.After(now) {
		return nil, fmt.Errorf("sms: session: %w", aidmap.ErrNotFound)
	}
	return append([]byte{}, r.session...), nil
}

func (m *memState) SweepSMS(_ context.Context, now time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.rows)
	m.sweep(now)
	return int64(n - len(m.rows)), nil
}

// sweep drops the expired rows and, when that is not enough, the tenth that expire first.
// m.mu is held.
func (m *memState) sweep(now time.Time) {
	var last time.Time
	for k, r := range m.rows {
		if !r.expires.After(now) {
			delete(m.rows, k)
		} else if r.expires.After(last) {
			last = r.expires
		}
	}
	if len(m.rows) < m.max {
		return
	}
	cut := now.Add(last.Sub(now) / 10)
	for k, r := range m.rows {
		if r.expires.Before(cut) || len(m.rows) >= m.max {
			delete(m.rows, k)
		}
	}
}

// len returns how many keys are kept.
func (m *memState) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows)
}
