package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Live availability and "reported as possibly closed" (#16).
//
// A site's capacity ("3 beds available") is set by its organisation many times a day, from an
// intake desk's script or one tap on /manage: PUT /api/v1/orgs/{org}/sites/{id}/capacity. It is
// live data beside the site (store.Capacities): no upload record, only an audit log entry, and
// the site reaches every replica's index through the change feed like any other change. The
// public outputs show a count only while it is younger than Freshness.CapacityTTL, with its
// time to the minute, so an old count never passes for today's; a site with enough recent
// "closed" reports from distinct people shows "possibly_closed": true.
//
// Both come from the index's public form of the site, so a confidential site shows them
// under its public ID like everything else, and neither says anything about where it is: the
// count and its time are what the organisation typed and when, and the reports' times are
// never published, only whether enough of them stand.

// liveView is what is published of a site's live data in one response.
type liveView struct {
	capacity       []aidmap.Capacity // fresh entries only
	possiblyClosed bool
}

// liveOf returns what may be published of the site's live data at now.
func (f *Freshness) liveOf(site *aidmap.Site, now time.Time) liveView {
	return liveView{
		capacity:       site.FreshCapacity(now, f.CapacityTTL),
		possiblyClosed: site.ReportedClosed(now, f.ClosedThreshold, f.ClosedWindow),
	}
}

// appendLive appends "capacity" (each fresh unit with available, maximum when given, and the
// time it was set, to the minute) and "possibly_closed": true; nothing when neither applies.
func appendLive(b []byte, v liveView) []byte {
	if len(v.capacity) > 0 {
		b = append(b, `,"capacity":[`...)
		for i, c := range v.capacity {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"unit":`...)
			b = appendString(b, c.Unit)
			b = append(b, `,"available":`...)
			b = strconv.AppendInt(b, int64(c.Available), 10)
			if c.Maximum > 0 {
				b = append(b, `,"maximum":`...)
				b = strconv.AppendInt(b, int64(c.Maximum), 10)
			}
			b = appendTimeField(b, "updated", c.Updated.Truncate(time.Minute))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if v.possiblyClosed {
		b = append(b, `,"possibly_closed":true`...)
	}
	return b
}

// maxCapacityBody bounds a capacity request: one unit and two numbers.
const maxCapacityBody = 1 << 10

// capacities returns the store's capacities, or answers 404 when it has none.
func (s *Server) capacities(w http.ResponseWriter, r *http.Request) (store.Capacities, bool) {
	cs, ok := s.up.Store.(store.Capacities)
	if !ok {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "capacities are not kept by this server's store"})
	}
	return cs, ok
}

// handleSetCapacity answers PUT /api/v1/orgs/{org}/sites/{id}/capacity with
// {"unit":"beds","available":3,"maximum":20} (maximum optional): 200 with the site's
// capacities after it. The site must be the organisation's (404 otherwise); the count is
// set now, by the request's token.
func (s *Server) handleSetCapacity(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.capacities(w, r)
	if !ok {
		return
	}
	body, err := readJSONBody(w, r, maxCapacityBody)
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
	var req struct {
		Unit      *string         `json:"unit"`
		Available json.RawMessage `json:"available"`
		Maximum   json.RawMessage `json:"maximum"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, r, badParam("body", `must be {"unit":"beds","available":3,"maximum":20} (maximum optional): `+err.Error()))
		return
	}
	if req.Unit == nil {
		s.writeError(w, r, badParam("unit", "is required: what is counted, such as beds, meals or appointments"))
		return
	}
	c := aidmap.Capacity{Unit: *req.Unit}
	if c.Available, err = countField("available", req.Available, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Maximum, err = countField("maximum", req.Maximum, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := aidmap.ValidateCapacity(c); err != nil {
		s.writeError(w, r, fieldParam(err))
		return
	}
	c.Updated = s.fresh.now().UTC()
	caps, err := cs.SetCapacity(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"), c, tokenFrom(r.Context()).ID)
	if err != nil {
		s.writeError(w, r, fieldParam(err))
		return
	}
	s.writeCapacity(w, chi.URLParam(r, "id"), caps)
}

// countField reads a whole number of a capacity request: a 400 naming the field when it is
// not one (or missing and required).
func countField(name string, raw json.RawMessage, required bool) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return 0, badParam(name, "is required: a whole number from 0")
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 32)
	if err != nil {
		return 0, badParam(name, "must be a whole number from 0 to "+strconv.Itoa(aidmap.MaxCapacity))
	}
	return int(n), nil
}

// fieldParam turns a *aidmap.FieldError into a 400 naming its field; other errors pass.
func fieldParam(err error) error {
	var fe *aidmap.FieldError
	if errors.As(err, &fe) {
		return badParam(fe.Field, fe.Reason)
	}
	return err
}

// handleRemoveCapacity answers DELETE /api/v1/orgs/{org}/sites/{id}/capacity/{unit}: the
// site stops publishing that unit (200 with what is left).
func (s *Server) handleRemoveCapacity(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.capacities(w, r)
	if !ok {
		return
	}
	caps, err := cs.RemoveCapacity(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"), chi.URLParam(r, "unit"),
		tokenFrom(r.Context()).ID, s.fresh.now().UTC())
	if err != nil {
		s.writeError(w, r, fieldParam(err))
		return
	}
	s.writeCapacity(w, chi.URLParam(r, "id"), caps)
}

// handleCapacity answers GET /api/v1/orgs/{org}/sites/{id}/capacity: the site's capacities as
// stored (expired ones too, for the organisation) and the latest changes, who and when.
func (s *Server) handleCapacity(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.capacities(w, r)
	if !ok {
		return
	}
	org, id := chi.URLParam(r, "org"), chi.URLParam(r, "id")
	log, err := cs.CapacityLog(r.Context(), org, id, 50)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	site, err := s.up.Store.Site(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if log == nil {
		log = []store.CapacityChange{}
	}
	caps := site.Capacity
	if caps == nil {
		caps = []aidmap.Capacity{}
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, map[string]any{"site_id": id, "capacity": caps, "ttl_seconds": int64(s.fresh.CapacityTTL / time.Second), "log": log})
}

func (s *Server) writeCapacity(w http.ResponseWriter, id string, caps []aidmap.Capacity) {
	if caps == nil {
		caps = []aidmap.Capacity{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"site_id": id, "capacity": caps, "ttl_seconds": int64(s.fresh.CapacityTTL / time.Second)})
}
