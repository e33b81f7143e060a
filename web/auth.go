package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// tokenKey is the context key of the authenticated token.
type tokenKey struct{}

// tokenFrom returns the token requireToken authenticated.
func tokenFrom(ctx context.Context) store.Token {
	t, _ := ctx.Value(tokenKey{}).(store.Token)
	return t
}

// maxTokenLen bounds the Authorization header's secret: ours are 50 bytes.
const maxTokenLen = 200

// requireToken authenticates the request's bearer token and checks that it may act for the
// organisation named in the path ({org}): a missing, unknown, expired or revoked token is 401,
// a token of another organisation 403. The secret is hashed at once and never logged, kept or
// echoed; the store is asked by the hash, and the stored hash is compared again in constant
// time, so neither the lookup nor the comparison tells an attacker how much of a guess was
// right.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		unauthorized := func(detail string) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aidmap"`)
			writeProblem(w, r, problem{Status: http.StatusUnauthorized, Detail: detail})
		}
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		secret = strings.TrimSpace(secret)
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > maxTokenLen {
			unauthorized("send the organisation's API token as Authorization: Bearer aidmap_...; aidmap token create issues one")
			return
		}
		hash := store.HashTokenSecret(secret)
		tok, err := s.up.Store.TokenByHash(r.Context(), hash)
		if errors.Is(err, aidmap.ErrNotFound) || err == nil && subtle.ConstantTimeCompare(tok.Hash[:], hash[:]) != 1 {
			unauthorized("the token is not valid")
			return
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := tok.Usable(s.up.now()); err != nil {
			unauthorized("the token has expired or was revoked; ask for a new one")
			return
		}
		if org := chi.URLParam(r, "org"); !tok.Allows(org) {
			s.writeError(w, r, fmt.Errorf("this token may not act for organisation %q: %w", truncate(org), aidmap.ErrForbidden))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

// rateLimited answers a request over a rate limit: 429 with a problem body. httprate has set
// Retry-After (the window, in seconds) by then.
func rateLimited(w http.ResponseWriter, r *http.Request) {
	if w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	writeProblem(w, r, problem{Status: http.StatusTooManyRequests,
		Detail: "too many requests; wait the number of seconds in Retry-After and try again"})
}

// limitByIP limits requests per client IP per minute; n < 1 turns it off. The IP is the
// connection's peer: a proxy in front must be trusted explicitly (not done here), or a client
// could pick any key with a forged X-Forwarded-For.
func limitByIP(n int) func(http.Handler) http.Handler {
	if n < 1 {
		return func(h http.Handler) http.Handler { return h }
	}
	return httprate.LimitBy(n, time.Minute, func(r *http.Request) (string, error) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		return httprate.CanonicalizeIP(host), nil
	}, httprate.WithLimitHandler(rateLimited))
}

// limitByToken limits requests per authenticated token per minute; n < 1 turns it off. It
// must run after requireToken.
func limitByToken(n int) func(http.Handler) http.Handler {
	if n < 1 {
		return func(h http.Handler) http.Handler { return h }
	}
	return httprate.LimitBy(n, time.Minute, func(r *http.Request) (string, error) {
		return tokenFrom(r.Context()).ID, nil
	}, httprate.WithLimitHandler(rateLimited))
}
