package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// handleOrgSite answers GET /api/v1/orgs/{org}/sites/{id}: the site exactly as stored,
// confidential location included, for its own organisation only (the public API publishes a
// confidential site only as an area). Another organisation's site is 404, as if it did not
// exist.
func (s *Server) handleOrgSite(w http.ResponseWriter, r *http.Request) {
	site, err := s.orgSite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, site)
}

// orgSite returns the site the path names, if it belongs to the path's organisation.
func (s *Server) orgSite(r *http.Request) (aidmap.Site, error) {
	org, id := chi.URLParam(r, "org"), chi.URLParam(r, "id")
	site, err := s.up.Store.Site(r.Context(), id)
	if err == nil && site.OrganizationID != org {
		err = aidmap.ErrNotFound
	}
	if err != nil {
		if errors.Is(err, aidmap.ErrNotFound) {
			return aidmap.Site{}, fmt.Errorf("organisation %q has no site %q: %w", truncate(org), truncate(id), aidmap.ErrNotFound)
		}
		return aidmap.Site{}, err
	}
	return site, nil
}

// immutableFields cannot be changed by an edit: they say which site it is.
var immutableFields = []string{"id", "organization_id", "external_id"}

// requiredFields must be present and not null after an edit.
var requiredFields = []string{"name", "categories", "lat", "lon", "precision", "status"}

// handleEditSite answers PUT (the whole site) and PATCH (a JSON merge patch, RFC 7396: only the
// fields given change, null removes one) on /api/v1/orgs/{org}/sites/{id}: small fixes such as
// "temporarily closed today" or new hours, without uploading the file again. The edit is an
// upload of one site, recorded with its history like any other, so it can be rolled back.
func (s *Server) handleEditSite(w http.ResponseWriter, r *http.Request) {
	body, err := readJSONBody(w, r, maxEditBytes)
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
	ed, err := s.beginEdit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer ed.rollback()
	site, err := s.orgSite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	current, err := json.Marshal(site)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var doc, cur map[string]any
	if err := json.Unmarshal(current, &cur); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		s.writeError(w, r, badParam("body", "must be a JSON object of the site's fields"))
		return
	}
	for _, f := range immutableFields {
		if v, ok := doc[f]; ok && v != cur[f] {
			s.writeError(w, r, badParam(f, "cannot be changed: it says which site this is"))
			return
		}
	}
	if _, ok := doc["confidential"]; !ok && r.Method == http.MethodPut && site.Confidential {
		// A whole site without the field would be a public one: a shelter's exact point must
		// not go out because a script forgot a field.
		s.writeError(w, r, badParam("confidential", "is required: the site is confidential; say false to publish its exact point"))
		return
	}
	if r.Method == http.MethodPatch {
		doc = mergePatch(cur, doc)
	}
	for _, f := range immutableFields {
		doc[f] = cur[f]
	}
	merged, err := json.Marshal(doc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, f := range requiredFields {
		if v, ok := doc[f]; !ok || v == nil {
			// A merge patch's null removes a field; these cannot be removed ({"lat": null}
			// would otherwise move the site to latitude 0).
			s.writeError(w, r, badParam(f, "is required: it cannot be removed or null"))
			return
		}
	}
	if v, ok := doc["confidential"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			// Fail closed, and say so: only true or false is read.
			s.writeError(w, r, badParam("confidential", "must be true or false"))
			return
		}
	}
	var edited aidmap.Site
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&edited); err != nil {
		s.writeError(w, r, badParam("body", "not a site: "+err.Error()))
		return
	}
	edited.UpdatedAt = s.up.now()
	rec, err := ed.commit(func(u store.Upload) error { return u.Add(r.Context(), []aidmap.Site{edited}) })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"site": edited, "upload": rec})
}

// handleDeleteSite answers DELETE /api/v1/orgs/{org}/sites/{id}: the site is retired (taken
// off the map, kept in history), never erased.
func (s *Server) handleDeleteSite(w http.ResponseWriter, r *http.Request) {
	ed, err := s.beginEdit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer ed.rollback()
	site, err := s.orgSite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := ed.commit(func(u store.Upload) error { return u.Retire(r.Context(), []string{site.ID}) })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"retired": site.ID, "upload": rec})
}

// siteEdit is one edit run as an upload with its own record (mode "edit"), so history names
// it and it can be rolled back like an upload. It is opened before the site is read: from then
// on the store holds the organisation's write lock (in the upload's transaction), so no other
// write to the organisation, from this process or another, comes between reading the site
// and writing it back.
type siteEdit struct {
	r   *http.Request
	s   *Server
	u   store.Upload
	rec store.UploadRecord
}

func (s *Server) beginEdit(r *http.Request) (*siteEdit, error) {
	org, tok := chi.URLParam(r, "org"), tokenFrom(r.Context())
	now := s.up.now()
	rec := store.UploadRecord{ID: store.NewID("up_"), OrganizationID: org, TokenID: tok.ID,
		Status: store.UploadDone, Mode: "edit", CreatedAt: now, StartedAt: now}
	u, err := s.up.Store.BeginUpload(r.Context(), org, store.UploadOptions{Actor: tok.ID, UploadID: rec.ID, Now: now})
	if err != nil {
		return nil, err
	}
	return &siteEdit{r: r, s: s, u: u, rec: rec}, nil
}

// rollback abandons the edit unless it was committed.
func (e *siteEdit) rollback() { e.u.Rollback(context.WithoutCancel(e.r.Context())) }

// commit makes the edit and records it.
func (e *siteEdit) commit(edit func(store.Upload) error) (store.UploadRecord, error) {
	ctx := e.r.Context()
	if err := edit(e.u); err != nil {
		return e.rec, err
	}
	res, err := e.u.Commit(ctx)
	if err != nil {
		return e.rec, err
	}
	rec := e.rec
	rec.FinishedAt = e.s.up.now()
	rec.Created, rec.Updated, rec.Unchanged, rec.Retired = res.Created, res.Updated, res.Unchanged, res.Retired
	return rec, e.s.up.Store.PutUploadRecord(ctx, rec)
}

// mergePatch applies a JSON merge patch (RFC 7396) to doc.
func mergePatch(doc, patch map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			cur, _ := out[k].(map[string]any)
			out[k] = mergePatch(cur, pv)
		default:
			out[k] = v
		}
	}
	return out
}

// readJSONBody reads a JSON request body within limit bytes and at most maxJSONDepth levels
// deep, so neither a huge nor a deeply nested document costs the server more than it should.
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &tooLarge{limit}
		}
		return nil, badParam("body", "the request body could not be read")
	}
	if err := checkJSONDepth(b, maxJSONDepth); err != nil {
		return nil, err
	}
	return b, nil
}

// checkJSONDepth refuses JSON nested deeper than max (the JSON depth limit) or not JSON at all.
func checkJSONDepth(b []byte, max int) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return badParam("body", "not valid JSON: "+err.Error())
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
				if depth > max {
					return badParam("body", "JSON nested more than "+strconv.Itoa(max)+" levels deep (the JSON depth limit)")
				}
			default:
				depth--
			}
		}
	}
}

// handleHistory answers GET /api/v1/orgs/{org}/history: who changed what and when, newest
// first; ?site= and ?upload= narrow it, ?before= pages.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	var before int64
	if raw := q.Get("before"); raw != "" {
		if before, err = strconv.ParseInt(raw, 10, 64); err != nil || before < 1 {
			s.writeError(w, r, badParam("before", "must be the id of a history entry"))
			return
		}
	}
	entries, err := s.up.Store.History(r.Context(), chi.URLParam(r, "org"),
		store.HistoryQuery{SiteID: q.Get("site"), UploadID: q.Get("upload"), BeforeID: before, Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type entry struct {
		store.HistoryEntry
		Kind string `json:"kind"`
	}
	out := make([]entry, len(entries))
	for i, e := range entries {
		out[i] = entry{e, e.Kind()}
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, map[string]any{"history": out})
}

// manageCSP is the /manage page's policy: only this origin, no inline script or style.
const manageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// handleManagePage serves /manage, where a steward signs in with a token and uploads.
func (s *Server) handleManagePage(w http.ResponseWriter, r *http.Request) {
	page, err := fs.ReadFile(s.static, "manage/index.html")
	if err != nil {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "the manage page is not built into this binary"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", manageCSP)
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(page)
}
