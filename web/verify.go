package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Verification is data: a steward saying "we checked, this is still right" sets the site's
// verified_at and verified_by (the token's ID) in an upload of its own (mode "verify"), so
// history records who verified what and when, like any edit, and it can be rolled back.

// maxVerifyIDs bounds the IDs of one bulk verification; {"all":true} has no bound.
const maxVerifyIDs = 200_000

// verifyScanAbove is how many IDs make a bulk verification scan the store once instead of
// reading each site: the store has no per-organisation listing (see handleOrgSites).
const verifyScanAbove = 500

// handleVerifySite answers POST /api/v1/orgs/{org}/sites/{id}/verify: the site is verified now
// by the request's token.
func (s *Server) handleVerifySite(w http.ResponseWriter, r *http.Request) {
	s.verify(w, r, []string{chi.URLParam(r, "id")}, false)
}

// handleVerifySites answers POST /api/v1/orgs/{org}/sites/verify with {"ids":[...]} (a
// selection) or {"all":true} (every published site of the organisation): all of them are
// verified in one upload, or none (an ID that is not the organisation's is 404).
func (s *Server) handleVerifySites(w http.ResponseWriter, r *http.Request) {
	body, err := readJSONBody(w, r, 64<<20)
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
	var req struct {
		IDs []string `json:"ids"`
		All bool     `json:"all"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, r, badParam("body", `must be {"ids":["…"]} or {"all":true}`))
		return
	}
	switch {
	case req.All && len(req.IDs) > 0:
		s.writeError(w, r, badParam("ids", "give ids or all, not both"))
		return
	case !req.All && len(req.IDs) == 0:
		s.writeError(w, r, badParam("ids", `is required: the sites to verify, or {"all":true}`))
		return
	case len(req.IDs) > maxVerifyIDs:
		s.writeError(w, r, badParam("ids", fmt.Sprintf("at most %d IDs a call; use {\"all\":true} for every site", maxVerifyIDs)))
		return
	}
	s.verify(w, r, req.IDs, req.All)
}

// verify verifies the organisation's sites named by ids (or all of its published sites).
func (s *Server) verify(w http.ResponseWriter, r *http.Request, ids []string, all bool) {
	org := chi.URLParam(r, "org")
	ed, err := s.beginEdit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer ed.rollback()
	ed.rec.Mode = "verify"
	sites, err := s.sitesToVerify(r, org, ids, all)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.up.now().UTC()
	tok := tokenFrom(r.Context())
	for i := range sites {
		// UpdatedAt stays: the content did not change, only how recently it was confirmed.
		sites[i].VerifiedAt, sites[i].VerifiedBy = now, tok.ID
	}
	rec, err := ed.commit(func(u store.Upload) error {
		for start := 0; start < len(sites); start += verifyBatch {
			if err := u.Add(r.Context(), sites[start:min(start+verifyBatch, len(sites))]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"verified": len(sites), "verified_at": now, "verified_by": tok.ID, "upload": rec})
}

// verifyBatch is how many sites a verification hands the store at a time.
const verifyBatch = 5000

// sitesToVerify reads the sites a verification names. Retired sites cannot be verified.
func (s *Server) sitesToVerify(r *http.Request, org string, ids []string, all bool) ([]aidmap.Site, error) {
	ctx := r.Context()
	if !all && len(ids) <= verifyScanAbove {
		out := make([]aidmap.Site, 0, len(ids))
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			site, err := s.up.Store.Site(ctx, id)
			if err == nil && (site.OrganizationID != org || !site.Visible()) {
				err = aidmap.ErrNotFound
			}
			if errors.Is(err, aidmap.ErrNotFound) {
				return nil, fmt.Errorf("organisation %q has no published site %q: %w", truncate(org), truncate(id), aidmap.ErrNotFound)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, site)
		}
		return out, nil
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []aidmap.Site
	_, err := s.up.Store.EachSite(ctx, func(site aidmap.Site) error {
		if site.OrganizationID == org && site.Visible() && (all || want[site.ID]) {
			out = append(out, site)
			delete(want, site.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !all {
		for id := range want {
			return nil, fmt.Errorf("organisation %q has no published site %q: %w", truncate(org), truncate(id), aidmap.ErrNotFound)
		}
	}
	return out, nil
}
