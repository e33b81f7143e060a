package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
)

// errPageFull stops handleOrgSites's scan once it has a page and one more.
var errPageFull = errors.New("web: page full")

// handleOrgSites answers GET /api/v1/orgs/{org}/sites: the organisation's own sites exactly as
// stored (confidential locations included, like GET .../sites/{id}), in ID order, a page at a
// time (?limit=, default 200, at most 1000; ?after= the last ID of the previous page, which
// the answer gives as "next" while more remain). Retired sites are left out unless
// ?retired=true. The /manage page draws them on its map so a steward can see and correct the
// approximate pins.
//
// The store has no per-organisation listing, so a page is a scan of the store in ID order that
// stops once the page is full: fine for a steward's page, not for a bulk export (use the
// public exports for that).
func (s *Server) handleOrgSites(w http.ResponseWriter, r *http.Request) {
	org := chi.URLParam(r, "org")
	limit, err := intParam(r, "limit", 200, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	after := q.Get("after")
	if len(after) > 200 {
		s.writeError(w, r, badParam("after", "must be a site ID"))
		return
	}
	var retired bool
	switch q.Get("retired") {
	case "", "false":
	case "true":
		retired = true
	default:
		s.writeError(w, r, badParam("retired", "must be true or false"))
		return
	}
	sites := make([]aidmap.Site, 0, min(limit, 64))
	more := false
	_, err = s.up.Store.EachSite(r.Context(), func(site aidmap.Site) error {
		if site.OrganizationID != org || (after != "" && strings.Compare(site.ID, after) <= 0) ||
			(!retired && !site.Visible()) {
			return nil
		}
		if len(sites) == limit {
			more = true
			return errPageFull
		}
		sites = append(sites, site)
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"sites": sites}
	if more {
		out["next"] = sites[len(sites)-1].ID
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, out)
}
