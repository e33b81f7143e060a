package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
)

// Geocoder places the search box's text. *geocode.Geocoder satisfies it.
type Geocoder interface {
	Geocode(ctx context.Context, req geocode.Request) ([]geocode.Result, error)
}

// maxGeocodeQuery bounds q: no address or place name is longer.
const maxGeocodeQuery = 200

// handleGeocode answers GET /api/v1/geocode?q=...&limit=N with candidates best first. The
// query text says what a person is looking for, often where they live: it is never logged
// (the request log names the route, not the URL) and the answer is marked private so that
// no shared cache keeps it.
func (s *Server) handleGeocode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	switch {
	case text == "":
		s.writeError(w, r, badParam("q", "is required: an address, postal code or place name"))
		return
	case len(text) > maxGeocodeQuery || !utf8.ValidString(text):
		s.writeError(w, r, badParam("q", fmt.Sprintf("must be valid UTF-8 text of at most %d bytes", maxGeocodeQuery)))
		return
	}
	limit := 5
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 20 {
			s.writeError(w, r, badParam("limit", "must be a whole number between 1 and 20"))
			return
		}
		limit = n
	}
	if s.geocoder == nil {
		s.writeError(w, r, fmt.Errorf("web: no geocoder configured: %w", aidmap.ErrUnavailable))
		return
	}
	rs, err := s.geocoder.Geocode(r.Context(), geocode.Request{Text: text, Limit: limit})
	if err != nil && !errors.Is(err, aidmap.ErrNotFound) {
		s.writeError(w, r, err)
		return
	}
	_, clear := geocode.Best(rs)
	b := make([]byte, 0, 256+200*len(rs))
	b = append(b, `{"results":[`...)
	for i, res := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"lat":`...)
		b = appendCoord(b, res.Lat)
		b = append(b, `,"lon":`...)
		b = appendCoord(b, res.Lon)
		b = append(b, `,"precision":`...)
		b = appendString(b, string(res.Precision))
		b = append(b, `,"approximate":`...)
		b = strconv.AppendBool(b, res.Precision.Approximate())
		b = append(b, `,"confidence":`...)
		b = strconv.AppendFloat(b, float64(int(res.Confidence*100+0.5))/100, 'f', -1, 64)
		b = append(b, `,"label":`...)
		b = appendString(b, res.Label)
		b = append(b, `,"source":`...)
		b = appendString(b, res.Source)
		if res.Note != "" {
			b = append(b, `,"note":`...)
			b = appendString(b, res.Note)
		}
		b = append(b, '}')
	}
	b = append(b, `],"ambiguous":`...)
	b = strconv.AppendBool(b, len(rs) > 0 && !clear)
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(b)
}
