package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/query"
	"github.com/aidmap/aidmap/store"
)

// Geocoder places the place of a message. *geocode.Geocoder and *geocode.Embedded satisfy
// it (and web.Geocoder is the same interface).
type Geocoder interface {
	Geocode(ctx context.Context, req geocode.Request) ([]geocode.Result, error)
}

// Config holds an Engine's dependencies.
type Config struct {
	// Index returns the current snapshot of the published sites; required.
	Index func() *geo.Index
	// Geocoder places messages' places; nil finds none (every search says so).
	Geocoder Geocoder
	// Example is a place of the deployment's area for instructions; default "V6A 2K5".
	Example string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Salt keys the hashes of phone numbers; nil draws a random one. Replicas sharing State
	// must share the salt too (serve derives it from the deployment key).
	Salt []byte
	// State keeps per-number counters and "more" where every replica sees them (the store);
	// nil keeps them in this process's memory, at most MaxSessions numbers.
	State store.SMSState
	// MoreFor is how long "more" remembers a number's last search; 0 is an hour.
	MoreFor time.Duration
	// MaxSessions bounds the numbers remembered in memory when State is nil; 0 is 100,000.
	// When full, those remembered longest are forgotten first.
	MaxSessions int
	// Logger reports State's errors (never a number or a text); nil discards them.
	Logger *slog.Logger
}

// PerReply is how many sites a reply lists.
const PerReply = 3

// Engine answers text messages. It is safe for concurrent use. It keeps no message text and
// no phone number: only, in State, a keyed hash of the number with counters and, for "more",
// the point searched and what was asked, for MoreFor.
type Engine struct {
	index    func() *geo.Index
	geocoder Geocoder
	example  string
	now      func() time.Time
	salt     []byte
	moreFor  time.Duration
	state    store.SMSState
	mem      *memState // state when it is in memory
	logger   *slog.Logger
}

// Key is the keyed hash of a phone number: what rate limits and "more" are kept under.
type Key [16]byte

// String returns the key in hex.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// session is what "more" needs of a number's last search.
type session struct {
	lat, lon float64
	needs    aidmap.CategorySet
	open     bool
	lang     string
	near     string // the geocoder's label of the place; "" shows the point
	shown    int
}

// New returns an engine.
func New(cfg Config) *Engine {
	e := &Engine{index: cfg.Index, geocoder: cfg.Geocoder, example: cfg.Example, now: cfg.Now,
		salt: cfg.Salt, moreFor: cfg.MoreFor, state: cfg.State, logger: cfg.Logger}
	if e.example == "" {
		e.example = "V6A 2K5"
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.salt == nil {
		e.salt = make([]byte, 32)
		_, _ = rand.Read(e.salt)
	}
	if e.moreFor <= 0 {
		e.moreFor = time.Hour
	}
	if e.state == nil {
		max := cfg.MaxSessions
		if max <= 0 {
			max = 100_000
		}
		e.mem = newMemState(max)
		e.state = e.mem
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	return e
}

// KeyOf returns the keyed hash of a phone number, ignoring spaces, dashes, dots and
// brackets, so "+1 604-555-0100" and "+16045550100" are one number.
func (e *Engine) KeyOf(number string) Key {
	m := hmac.New(sha256.New, e.salt)
	for _, r := range number {
		if r == '+' || unicode.IsDigit(r) || unicode.IsLetter(r) {
			m.Write([]byte(string(r)))
		}
	}
	var k Key
	copy(k[:], m.Sum(nil))
	return k
}

// deliveryKey is the keyed hash of a gateway's delivery ID, apart from every number's key.
func (e *Engine) deliveryKey(id string) Key {
	m := hmac.New(sha256.New, e.salt)
	m.Write([]byte("delivery\x00"))
	m.Write([]byte(id))
	var k Key
	copy(k[:], m.Sum(nil))
	return k
}

// Allow counts a message from number and reports whether it is within perMinute messages
// in the number's current minute, across every replica sharing State. When State fails the
// message is allowed (a person asking for a bed matters more than a limit) and the error
// logged.
func (e *Engine) Allow(ctx context.Context, number string, perMinute int) bool {
	k := e.KeyOf(number)
	n, err := e.state.HitSMS(ctx, k[:], e.now(), time.Minute)
	if err != nil {
		e.logger.Warn("sms: rate limit not checked", "error", err)
		return true
	}
	return n <= perMinute
}

// FirstDelivery reports whether a gateway's delivery id is seen for the first time within
// keep, across every replica sharing State: false for a retry of a webhook already
// answered. When State fails it reports true (a reply twice rather than none).
func (e *Engine) FirstDelivery(ctx context.Context, id string, keep time.Duration) bool {
	k := e.deliveryKey(id)
	n, err := e.state.HitSMS(ctx, k[:], e.now(), keep)
	if err != nil {
		e.logger.Warn("sms: delivery not deduplicated", "error", err)
		return true
	}
	return n == 1
}

// Reply is an answer to one message.
type Reply struct {
	Text     string
	Lang     string
	Encoding Encoding
	Segments int
	// Sites is how many sites the reply lists.
	Sites int
}

func newReply(lang, s string) Reply {
	if latin[lang] {
		s = gsmFold(s)
	}
	s = truncate(s)
	enc, n := Measure(s)
	return Reply{Text: s, Lang: lang, Encoding: enc, Segments: n}
}

// Answer answers message text from number (empty for a channel with no sender, such as the
// plain-text API: "more" then has nothing to go on). It never fails: a place it cannot find,
// a message it cannot read and an empty one get a reply saying what to send.
func (e *Engine) Answer(ctx context.Context, number, text string) Reply {
	q := Parse(text)
	t := texts[q.Lang]
	example := t.need + " " + e.example
	switch q.Command {
	case Help:
		return newReply(q.Lang, fill(t.help, example))
	case More:
		return e.more(ctx, number, q.Lang)
	}
	if q.Place == "" {
		return newReply(q.Lang, fill(t.usage, example))
	}
	res, ok := e.locate(ctx, q.Place)
	if !ok {
		return newReply(q.Lang, fill(t.notFound, clip(q.Place, 40), example))
	}
	s := session{lat: res.Lat, lon: res.Lon, needs: q.Needs, open: q.Open, lang: q.Lang, near: nearLabel(res.Label)}
	shown := s
	if shown.near == "" {
		// The geocoder gave no label: the reply names the place as written, but what is
		// kept for "more" never holds the message's words.
		shown.near = clip(oneLine(q.Place), 32)
	}
	r := e.results(&shown, e.search(&s, PerReply))
	s.shown = shown.shown
	if number != "" {
		e.remember(ctx, e.KeyOf(number), s)
	}
	return r
}

// more answers "more": the next sites of the number's last search.
func (e *Engine) more(ctx context.Context, number, lang string) Reply {
	var (
		s  session
		ok bool
	)
	if number != "" {
		s, ok = e.recall(ctx, e.KeyOf(number))
	}
	if !ok {
		t := texts[lang]
		return newReply(lang, fill(t.first, t.need+" "+e.example))
	}
	hits := e.search(&s, s.shown+PerReply)
	if len(hits) <= s.shown {
		return newReply(s.lang, texts[s.lang].noMore)
	}
	near := s.near
	if near == "" {
		near = strconv.FormatFloat(s.lat, 'f', 3, 64) + "," + strconv.FormatFloat(s.lon, 'f', 3, 64)
	}
	shown := s
	shown.near = near
	r := e.results(&shown, hits[s.shown:])
	s.shown = shown.shown
	e.remember(ctx, e.KeyOf(number), s)
	return r
}

// locate geocodes a place: the geocoder's best candidate.
func (e *Engine) locate(ctx context.Context, place string) (geocode.Result, bool) {
	if e.geocoder == nil {
		return geocode.Result{}, false
	}
	if len(place) > 200 {
		place = place[:200]
		place = strings.ToValidUTF8(place, "")
	}
	rs, err := e.geocoder.Geocode(ctx, geocode.Request{Text: place, Limit: 3})
	if err != nil || len(rs) == 0 || math.IsNaN(rs[0].Lat) || math.IsNaN(rs[0].Lon) {
		return geocode.Result{}, false
	}
	return rs[0], true
}

// search returns the k nearest active sites of the session's needs (open now when asked),
// exactly (query.Nearest: the open-now check runs inside the index's search, up to
// query.MaxRead sites read, beyond which the nearest open sites found so far are the answer).
func (e *Engine) search(s *session, k int) []geo.Hit {
	ix := e.index()
	if ix == nil {
		return nil
	}
	q := query.Query{Lat: s.lat, Lon: s.lon, K: k, Categories: s.needs,
		Statuses: []aidmap.Status{aidmap.StatusActive}, Open: s.open, When: query.OpenAt{Time: e.now()}}
	return query.Nearest(ix, &q).Hits
}

// results formats hits, as many as fit in two segments (at most PerReply), and advances the
// session past them. Fewer sites are written only when even the shortest way of writing
// them does not fit: three sites at the shortest beat two at the most detailed.
func (e *Engine) results(s *session, hits []geo.Hit) Reply {
	t := texts[s.lang]
	if len(hits) == 0 {
		return newReply(s.lang, fill(t.none, s.near))
	}
	now := e.now()
	sites := make([]line, len(hits))
	for i, h := range hits {
		sites[i] = newLine(t, h, now)
	}
	var b strings.Builder
	write := func(n int, l level) string {
		b.Reset()
		near := s.near
		if l.compact {
			near = clipWords(shortLabel(near), 16, latin[s.lang])
		}
		b.WriteString(fill(t.near, near))
		for i := range n {
			b.WriteByte('\n')
			sites[i].write(&b, t, s.shown+i+1, l, latin[s.lang])
		}
		if len(hits) == PerReply || n < len(sites) {
			b.WriteByte('\n')
			b.WriteString(t.more)
		}
		text := b.String()
		if latin[s.lang] {
			text = gsmFold(text)
		}
		return text
	}
	done := func(n int, text string) Reply {
		s.shown += n
		r := newReply(s.lang, text)
		r.Sites = n
		return r
	}
	for n := len(sites); n >= 1; n-- {
		for _, l := range levels {
			if text := write(n, l); Fits(text) {
				return done(n, text)
			}
		}
		// Compact, with the longest names that fit: a binary search, as a longer limit
		// never writes a shorter name.
		best, lo, hi := "", minName, maxName
		for lo <= hi {
			mid := (lo + hi) / 2
			if text := write(n, compact(mid)); Fits(text) {
				best, lo = text, mid+1
			} else {
				hi = mid - 1
			}
		}
		if best != "" {
			return done(n, best)
		}
	}
	// Even one site at its shortest does not fit (a very long phone field): cut it.
	return done(1, write(1, compact(minName)))
}

// levels are the ways a site is written, from the most detailed (with the street of public
// sites) to the shorter; a reply takes the first at which its sites fit, else the compact
// level. Hours and phone are always written. The compact level is for replies in UCS-2 (67
// characters a segment when there are two, 134 in all): the place as its first part
// ("V6A", "Main Street & E…"), the distance band as a number and unit ("2km" for "<2km"), short hours without
// ":00" ("17-19" today, "~15:30" open until), the phone as digits ("6045550158") and names
// cut at a word with an ellipsis.
var levels = []level{
	{60, true, ", ", false, false},
	{40, false, ", ", false, false},
	{28, false, ", ", false, false},
	{20, false, ", ", true, false},
	{16, false, " ", true, false},
}

// The compact level's names are cut to the longest limit in [minName, maxName] that fits.
const minName, maxName = 5, 28

func compact(name int) level { return level{name, false, " ", true, true} }

type level struct {
	name    int    // runes the name is cut to
	street  bool   // the street of a public site
	sep     string // between fields
	local   bool   // "+1 604-555-0100" as "604-555-0100"
	compact bool
}

// line is what a reply says of one site, read once however many ways it is written.
type line struct {
	name, street, hours, short, phone string
	km                                int
	confidential                      bool
}

func newLine(t text, h geo.Hit, now time.Time) line {
	s := h.Site()
	l := line{name: oneLine(s.Name), hours: hoursText(t, &s.Hours, now, false), short: hoursText(t, &s.Hours, now, true),
		phone: oneLine(s.Phone), km: int(aidmap.DistanceBand(h.DistanceM) / 1000), confidential: s.Confidential}
	if !s.Confidential {
		l.street = oneLine(s.Address.Street)
	}
	return l
}

// write writes one line: number, name, street (public sites, most detailed level only),
// distance band, hours, phone. A confidential site is its name, "area only" and its phone:
// the index holds only its public form (no address), and nothing else is written for it.
// gsm says the reply is folded to GSM-7, where an ellipsis would cost three characters.
func (ln *line) write(b *strings.Builder, t text, n int, l level, gsm bool) {
	b.WriteString(strconv.Itoa(n))
	b.WriteByte('.')
	if !l.compact {
		b.WriteByte(' ')
	}
	if l.compact {
		b.WriteString(clipWords(ln.name, l.name, gsm))
	} else {
		b.WriteString(clip(ln.name, l.name))
	}
	if ln.confidential {
		b.WriteString(" (")
		b.WriteString(t.area)
		b.WriteByte(')')
	} else if l.street && ln.street != "" {
		b.WriteString(l.sep)
		b.WriteString(clip(ln.street, 30))
	}
	b.WriteString(l.sep)
	if !l.compact {
		b.WriteString("<")
	}
	b.WriteString(strconv.Itoa(ln.km))
	b.WriteString("km")
	hours := ln.hours
	if l.compact {
		hours = ln.short
	}
	if hours != "" {
		b.WriteString(l.sep)
		b.WriteString(hours)
	}
	if ln.phone != "" {
		phone := ln.phone
		switch {
		case l.compact:
			phone = phoneDigits(phone)
		case l.local:
			phone = strings.TrimPrefix(phone, "+1 ")
		}
		b.WriteString(l.sep)
		b.WriteString(clip(phone, 20))
	}
}

// phoneDigits writes a phone number as its digits (a leading + kept), without North
// America's +1: "+1 604-555-0100" is "6045550100", "+44 20 7946 0958" "+442079460958".
// Words ("ext. 2", "ask for Ana") are kept after a space.
func phoneDigits(p string) string {
	var b strings.Builder
	rest := ""
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case unicode.IsLetter(r):
			rest = strings.TrimSpace(p[i:])
		}
		if rest != "" {
			break
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "+1") && len(d) == 12 {
		d = d[2:]
	}
	if rest != "" {
		d += " " + rest
	}
	return d
}

// hoursText says whether a site is open now and until when, or when it opens today or
// next, in its own time zone; "" when its hours are unknown. Short writes whole hours
// without ":00" ("17-19").
func hoursText(t text, h *aidmap.Hours, now time.Time, short bool) string {
	if !h.Known() {
		return ""
	}
	clock := func(at time.Time) string {
		if short && at.Minute() == 0 {
			return strconv.Itoa(at.Hour())
		}
		return at.Format("15:04")
	}
	until, today, opens := t.until, t.today, t.opens
	if short && t.short.until != "" {
		until, today, opens = t.short.until, t.short.today, t.short.opens
	}
	open, _, next := h.OpenAt(now)
	switch {
	case open && next.IsZero():
		return t.open
	case open:
		return fill(until, clock(next))
	case next.IsZero():
		return t.closed
	}
	local := now.In(next.Location())
	if y, m, d := local.Date(); next.Year() == y && next.Month() == m && next.Day() == d {
		if _, _, end := h.OpenAt(next); !end.IsZero() {
			return fill(today, clock(next), clock(end))
		}
	}
	return fill(opens, t.days[next.Weekday()], clock(next))
}

// shortLabel is a place's label up to its first comma: "V6A" of "V6A, BC".
func shortLabel(label string) string {
	if i := strings.Index(label, ","); i > 0 {
		return label[:i]
	}
	return label
}

// clipWords cuts s to at most n runes, ending it with an ellipsis ("." when gsm) when it
// cut.
func clipWords(s string, n int, gsm bool) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	ell := "…"
	if gsm {
		ell = "."
	}
	cut, i := "", 0
	for j := range s {
		if i == n-1 {
			cut = s[:j]
			break
		}
		i++
	}
	// At the end of a word when that loses at most two letters ("Carnegie Co" is
	// "Carnegie…"); else inside the word, as "Union Gos…" says more than "Union…".
	if k := strings.LastIndexFunc(cut, unicode.IsSpace); k > 0 && utf8.RuneCountInString(cut[k:]) <= 3 {
		cut = cut[:k]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + ell
}

// nearLabel names the place found, for the first line: the geocoder's label up to its
// second comma ("V6A, Vancouver"); "" when the geocoder gave none.
func nearLabel(label string) string {
	if i := strings.Index(label, ","); i >= 0 {
		if j := strings.Index(label[i+1:], ","); j >= 0 {
			label = label[:i+1+j]
		}
	}
	return clip(oneLine(label), 32)
}

// clip cuts s to n runes, ending it with "." when it cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n-1 {
			return strings.TrimSpace(s[:j]) + "."
		}
		i++
	}
	return s
}

// oneLine replaces control characters (line breaks in a name) with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// remember keeps a session for "more", for MoreFor.
func (e *Engine) remember(ctx context.Context, k Key, s session) {
	if err := e.state.PutSMSSession(ctx, k[:], s.encode(), e.now().Add(e.moreFor)); err != nil {
		e.logger.Warn("sms: search not kept for more", "error", err)
	}
}

// recall returns a number's session unless it expired.
func (e *Engine) recall(ctx context.Context, k Key) (session, bool) {
	b, err := e.state.SMSSession(ctx, k[:], e.now())
	if err != nil {
		if !errors.Is(err, aidmap.ErrNotFound) {
			e.logger.Warn("sms: search for more not read", "error", err)
		}
		return session{}, false
	}
	s, err := decodeSession(b)
	if err != nil {
		e.logger.Warn("sms: search for more not read", "error", err)
		return session{}, false
	}
	return s, true
}

// Sweep deletes what State keeps past its time (the store's rows, or memory's): serve calls
// it every few minutes.
func (e *Engine) Sweep(ctx context.Context) (int64, error) {
	return e.state.SweepSMS(ctx, e.now())
}

// Sessions returns how many numbers are remembered in memory (for tests); 0 when State is
// a store.
func (e *Engine) Sessions() int {
	if e.mem == nil {
		return 0
	}
	return e.mem.len()
}
