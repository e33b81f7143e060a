package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// A proof of work for "report a problem", with no third party: the server hands out a
// stateless challenge (a time, a random nonce and an HMAC of both under a key derived from
// the deployment key, so every replica checks every replica's challenges), and a report must
// carry a "pow" string such that SHA-256(challenge + pow) starts with Reports.PoWBits zero
// bits. The page finds one while the person fills in the form (static/pow.js: about a second
// on a slow phone at the default); a script sending thousands of reports pays that for each.
// A challenge is good for powWindow and for one report: the process remembers the challenges
// used within the window (per replica: a challenge replayed to another replica passes there
// once more, still bounded by the per-IP and per-site limits).

const (
	powWindow   = 10 * time.Minute
	powRawLen   = 4 + 8 + 12 // unix seconds, random nonce, truncated HMAC-SHA256
	powMaxUsed  = 200_000    // remembered challenges; each cost a proof of work to spend
	powMaxInput = 64         // bytes of "pow": a counter in decimal is a few
)

// powChecker hands out and checks challenges.
type powChecker struct {
	bits int
	key  []byte
	now  func() time.Time

	mu   sync.Mutex
	used map[string]time.Time // challenge → when it expires
}

func newPoW(bits int, key []byte, now func() time.Time) *powChecker {
	if bits <= 0 {
		return nil
	}
	if key == nil {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &powChecker{bits: bits, key: key, now: now, used: map[string]time.Time{}}
}

// challenge returns a new challenge and when it expires.
func (p *powChecker) challenge() (string, time.Time) {
	now := p.now()
	raw := make([]byte, powRawLen)
	binary.BigEndian.PutUint32(raw, uint32(now.Unix()))
	_, _ = rand.Read(raw[4:12])
	copy(raw[12:], p.mac(raw[:12]))
	return base64.RawURLEncoding.EncodeToString(raw), now.Add(powWindow)
}

func (p *powChecker) mac(b []byte) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write(b)
	return m.Sum(nil)[:12]
}

// powError is why a proof of work was refused: a bad request (400), or a challenge already
// used (429).
type powError struct {
	param, reason string
	replay        bool
}

// check accepts a solved challenge once: nil, or why not.
func (p *powChecker) check(challenge, pow string) *powError {
	if challenge == "" || pow == "" {
		return &powError{param: "pow", reason: "is required: ask GET /api/v1/reports/challenge for a challenge and send a pow that solves it (the map page does this)"}
	}
	raw, err := base64.RawURLEncoding.DecodeString(challenge)
	if err != nil || len(raw) != powRawLen || !hmac.Equal(raw[12:], p.mac(raw[:12])) {
		return &powError{param: "challenge", reason: "is not a challenge of this server"}
	}
	now := p.now()
	issued := time.Unix(int64(binary.BigEndian.Uint32(raw)), 0)
	expires := issued.Add(powWindow)
	if now.After(expires) || issued.After(now.Add(time.Minute)) {
		return &powError{param: "challenge", reason: "has expired: ask for a new one"}
	}
	if len(pow) > powMaxInput {
		return &powError{param: "pow", reason: "is longer than " + strconv.Itoa(powMaxInput) + " bytes"}
	}
	if sum := sha256.Sum256([]byte(challenge + pow)); leadingZeroBits(sum[:]) < p.bits {
		return &powError{param: "pow", reason: "does not solve the challenge: SHA-256(challenge + pow) must start with " + strconv.Itoa(p.bits) + " zero bits"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.used[challenge]; ok {
		return &powError{param: "challenge", reason: "was already used: ask for a new one", replay: true}
	}
	if len(p.used) >= powMaxUsed {
		for c, exp := range p.used {
			if now.After(exp) {
				delete(p.used, c)
			}
		}
		if len(p.used) >= powMaxUsed {
			return &powError{param: "challenge", reason: "cannot be taken now: too many reports; try again later", replay: true}
		}
	}
	p.used[challenge] = expires
	return nil
}

// leadingZeroBits counts the zero bits at the start of b.
func leadingZeroBits(b []byte) int {
	n := 0
	for _, c := range b {
		if c != 0 {
			return n + bits.LeadingZeros8(c)
		}
		n += 8
	}
	return n
}

// handleReportChallenge answers GET /api/v1/reports/challenge: a challenge for the proof of
// work a report must carry, the zero bits it needs and when it expires; {"bits": 0} when
// reports need none.
func (s *Server) handleReportChallenge(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		reportsOff(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	p := s.reports.pow
	if p == nil {
		writeJSON(w, http.StatusOK, map[string]any{"bits": 0})
		return
	}
	c, exp := p.challenge()
	writeJSON(w, http.StatusOK, map[string]any{"challenge": c, "bits": p.bits, "expires_at": exp.UTC().Format(time.RFC3339)})
}

// checkPoW checks a report's proof of work, answering the request when it fails.
func (s *Server) checkPoW(w http.ResponseWriter, r *http.Request, challenge, pow string) bool {
	p := s.reports.pow
	if p == nil {
		return true
	}
	e := p.check(challenge, pow)
	if e == nil {
		return true
	}
	if e.replay {
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, problem{Status: http.StatusTooManyRequests, Detail: e.param + ": " + e.reason})
		return false
	}
	s.writeError(w, r, badParam(e.param, e.reason))
	return false
}
