package store

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/aidmap/aidmap"
)

// A site is stored as one row of a sites table, the same in every engine: the columns an
// engine filters, orders or indexes by (SiteRow's fields), a content hash, and doc, the site's
// binary form (aidmap.Site.AppendBinary) without what the columns hold. Live data (capacity,
// "closed" reports) is a column of its own, live, written apart from the content (EncodeLive).
// An engine keeps only its SQL dialect: the types its driver wants for these columns.
//
// The content hash and doc are what a store compares to tell an unchanged site: they must
// never change for a site whose content did not, or every stored site would look changed to
// the next upload. TestSiteEncodingGolden pins them.

// SiteEncoding is how an engine lays a site out in its row. The zero value keeps categories in
// doc.
type SiteEncoding struct {
	// CategoryColumn keeps categories in a column of their own (SiteRow.Categories, PostGIS's
	// text[]) instead of in doc.
	CategoryColumn bool
}

// SiteRow is a site as its row: the columns, the content hash and doc.
type SiteRow struct {
	ID, OrganizationID, ExternalID, Name string
	Lat, Lon                             float64  // WGS84 degrees
	Categories                           []string // with CategoryColumn only
	Status                               string
	Confidential                         bool
	// UpdatedAt and VerifiedAt are zero for NULL. An engine stores them with microsecond
	// precision, finer digits dropped.
	UpdatedAt, VerifiedAt time.Time
	Hash                  [sha256.Size]byte // of everything but UpdatedAt (Hash)
	Doc                   []byte
}

// Encode encodes s, which must be valid. Its doc is appended to buf, returned grown, so a
// batch shares a few large buffers instead of allocating each doc.
func (e SiteEncoding) Encode(s *aidmap.Site, buf []byte) (SiteRow, []byte) {
	start := len(buf)
	buf = e.appendDoc(buf, s)
	// A full slice expression: appending to buf later must not write into this doc.
	doc := buf[start:len(buf):len(buf)]
	r := SiteRow{
		ID:             s.ID,
		OrganizationID: s.OrganizationID,
		ExternalID:     s.ExternalID,
		Name:           s.Name,
		Lat:            s.Lat,
		Lon:            s.Lon,
		Status:         string(s.Status),
		Confidential:   s.Confidential,
		UpdatedAt:      s.UpdatedAt,
		VerifiedAt:     s.VerifiedAt,
		Doc:            doc,
	}
	if e.CategoryColumn {
		r.Categories = make([]string, len(s.Categories))
		for i, c := range s.Categories {
			r.Categories[i] = string(c)
		}
	}
	r.Hash = e.Hash(&r)
	return r, buf
}

// appendDoc appends the doc of s: its binary form without the fields the row keeps in
// columns, which cost nothing there when zero. Empty slices become nil first (Canonical): they
// are the same content, so they must encode to the same bytes (the content hash relies on it).
func (e SiteEncoding) appendDoc(b []byte, s *aidmap.Site) []byte {
	d := Canonical(s)
	d.ID, d.OrganizationID, d.ExternalID, d.Name = "", "", "", ""
	d.Lat, d.Lon = 0, 0
	if e.CategoryColumn {
		d.Categories = nil
	}
	d.Status, d.Confidential = "", false
	d.UpdatedAt, d.VerifiedAt = time.Time{}, time.Time{}
	b, _ = d.AppendBinary(b) // never fails
	return b
}

// Hash digests everything r says except UpdatedAt, so re-uploading the same content later is
// recognised as unchanged. Each part is length-prefixed, so no two different sites can run
// together into the same bytes. VerifiedAt counts in whole microseconds, as stored.
func (e SiteEncoding) Hash(r *SiteRow) [sha256.Size]byte {
	b := make([]byte, 0, 160+len(r.Doc))
	for _, s := range []string{r.ID, r.OrganizationID, r.ExternalID, r.Name, r.Status} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if e.CategoryColumn {
		b = binary.AppendUvarint(b, uint64(len(r.Categories)))
		for _, c := range r.Categories {
			b = binary.AppendUvarint(b, uint64(len(c)))
			b = append(b, c...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(r.Doc)))
	b = append(b, r.Doc...)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Lat))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Lon))
	if r.Confidential {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	if !r.VerifiedAt.IsZero() {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint64(b, uint64(r.VerifiedAt.UnixMicro()))
	} else {
		b = append(b, 0)
	}
	return sha256.Sum256(b)
}

// ParallelEncode is the batch size above which EncodeBatch spreads the work over the CPUs.
const ParallelEncode = 2000

// EncodeBatch checks every site of a batch written for orgID (CheckSite, CheckUnique) and
// encodes it into the engine's row type with conv, so nothing is written unless all of them
// can be. Errors say which site: its index in the batch and its external ID; the first failing
// site in batch order is reported. conv may be called from several goroutines at once, each
// time for another site.
func EncodeBatch[R any](e SiteEncoding, orgID string, sites []aidmap.Site, conv func(SiteRow) R) ([]R, error) {
	rows := make([]R, len(sites))
	errs := make([]error, len(sites))
	encode := func(lo, hi int) {
		var buf []byte // the docs of this chunk, back to back
		for i := lo; i < hi; i++ {
			site := &sites[i]
			if err := CheckSite(orgID, i, site); err != nil {
				errs[i] = err
				return // later errors of this chunk cannot be the first
			}
			var r SiteRow
			r, buf = e.Encode(site, buf)
			rows[i] = conv(r) // by value: a pointer would move r to the heap, once a site
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(sites)/ParallelEncode)
	if workers <= 1 {
		encode(0, len(sites))
	} else {
		var wg sync.WaitGroup
		chunk := (len(sites) + workers - 1) / workers
		for lo := 0; lo < len(sites); lo += chunk {
			wg.Go(func() { encode(lo, min(lo+chunk, len(sites))) })
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := CheckUnique(sites); err != nil {
		return nil, err
	}
	return rows, nil
}

// Decode returns the site stored as r (its Hash is not read) with the live data live (the
// live column, nil for NULL). r.Doc is only read: it may be the driver's buffer.
func (e SiteEncoding) Decode(r *SiteRow, live []byte) (aidmap.Site, error) {
	var s aidmap.Site
	// One string for the whole doc (UnmarshalBinary copies), none per field.
	if err := s.UnmarshalBinary(r.Doc); err != nil {
		return aidmap.Site{}, fmt.Errorf("site %q: decode doc: %w", r.ID, err)
	}
	s.ID = r.ID
	s.OrganizationID = r.OrganizationID
	s.ExternalID = r.ExternalID
	s.Name = r.Name
	s.Lat, s.Lon = r.Lat, r.Lon
	s.Confidential = r.Confidential
	if e.CategoryColumn {
		s.Categories = make([]aidmap.Category, len(r.Categories))
		for i, c := range r.Categories {
			s.Categories[i] = aidmap.Category(c)
		}
	}
	s.Status = aidmap.Status(r.Status)
	s.UpdatedAt = utc(r.UpdatedAt)
	s.VerifiedAt = utc(r.VerifiedAt)
	if err := DecodeLive(live, &s); err != nil {
		return aidmap.Site{}, fmt.Errorf("site %q: %w", r.ID, err)
	}
	return s, nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// DecodeLive sets the live data of s (Capacity, ClosedReports) from a site's live column (nil
// or empty for none).
func DecodeLive(live []byte, s *aidmap.Site) error {
	if len(live) == 0 {
		return nil
	}
	var l aidmap.Site
	if err := l.UnmarshalBinary(live); err != nil {
		return fmt.Errorf("decode live: %w", err)
	}
	s.Capacity, s.ClosedReports = l.Capacity, l.ClosedReports
	return nil
}

// EncodeLive returns the live column of the live data: nil (NULL) when there is none.
func EncodeLive(caps []aidmap.Capacity, closed []time.Time) []byte {
	if len(caps) == 0 && len(closed) == 0 {
		return nil
	}
	l := aidmap.Site{Capacity: caps, ClosedReports: closed}
	b, _ := l.AppendBinary(nil) // never fails
	return b
}
