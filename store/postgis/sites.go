package postgis

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Version returns the version of the latest change.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, sqlVersion).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgis: version: %w", unavailable(ctx, err))
	}
	return v, nil
}

const sqlVersion = `SELECT version FROM store_version`

// Site returns one site or ErrNotFound.
func (s *Store) Site(ctx context.Context, id string) (aidmap.Site, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlSiteColumns+` FROM sites WHERE id = $1`, id)
	if err != nil {
		return aidmap.Site{}, fmt.Errorf("postgis: site %q: %w", id, unavailable(ctx, err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return aidmap.Site{}, fmt.Errorf("postgis: site %q: %w", id, unavailable(ctx, err))
		}
		return aidmap.Site{}, fmt.Errorf("postgis: site %q: %w", id, aidmap.ErrNotFound)
	}
	var sc siteScanner
	site, _, err := sc.scan(rows)
	if err != nil {
		return aidmap.Site{}, fmt.Errorf("postgis: site %q: %w", id, unavailable(ctx, err))
	}
	return site, nil
}

// eachSiteFetch is how many rows EachSite fetches from its cursor at a time: enough that the
// round trips do not matter, few enough that memory stays small.
const eachSiteFetch = 2000

// EachSite streams every site in ID order through a server-side cursor inside one REPEATABLE
// READ, read-only transaction, so the sites and the returned version are one consistent
// snapshot however long fn takes, writers are never blocked, and stopping early (fn's error,
// ctx ending) costs nothing: the rest is never sent. fn is called from the calling goroutine.
func (s *Store) EachSite(ctx context.Context, fn func(aidmap.Site) error) (int64, error) {
	v, err := s.eachSite(ctx, fn)
	if err != nil {
		return 0, fmt.Errorf("postgis: each site: %w", err)
	}
	return v, nil
}

func (s *Store) eachSite(ctx context.Context, fn func(aidmap.Site) error) (int64, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, unavailable(ctx, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// The first query fixes the transaction's snapshot, so the version read here is the one
	// the rows below reflect.
	var v int64
	if err := tx.QueryRow(ctx, sqlVersion).Scan(&v); err != nil {
		return 0, unavailable(ctx, err)
	}
	if _, err := tx.Exec(ctx, `DECLARE each_site NO SCROLL CURSOR FOR SELECT `+sqlSiteColumns+` FROM sites ORDER BY id`); err != nil {
		return 0, unavailable(ctx, err)
	}

	// Batch after batch is fetched from the cursor and decoded while fn runs on the one before.
	err = store.ReadAhead(ctx, eachSiteFetch, func(batch []aidmap.Site) ([]aidmap.Site, bool, error) {
		rows, err := tx.Query(ctx, `FETCH `+strconv.Itoa(eachSiteFetch)+` FROM each_site`)
		if err != nil {
			return batch, true, unavailable(ctx, err)
		}
		var sc siteScanner
		n := 0
		for rows.Next() {
			site, _, err := sc.scan(rows)
			if err != nil {
				rows.Close()
				return batch, true, unavailable(ctx, err)
			}
			batch = append(batch, site)
			n++
		}
		if err := rows.Err(); err != nil {
			return batch, true, unavailable(ctx, err)
		}
		return batch, n < eachSiteFetch, nil
	}, fn)
	if err != nil {
		return 0, err
	}
	return v, nil
}

// ChangesSince returns the latest state of the sites changed after version, oldest change
// first. Writers commit in version order (see the package comment), so a version seen here
// has every lower one visible too.
func (s *Store) ChangesSince(ctx context.Context, version int64, limit int) ([]store.Change, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("postgis: changes since %d: limit %d: %w", version, limit, aidmap.ErrInvalid)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+sqlSiteColumns+` FROM sites WHERE version > $1 ORDER BY version LIMIT $2`, version, limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: changes since %d: %w", version, unavailable(ctx, err))
	}
	defer rows.Close()
	var (
		out []store.Change
		sc  siteScanner
	)
	for rows.Next() {
		site, v, err := sc.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("postgis: changes since %d: %w", version, unavailable(ctx, err))
		}
		out = append(out, store.Change{Version: v, Site: site})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: changes since %d: %w", version, unavailable(ctx, err))
	}
	return out, nil
}

// encoding is how PostGIS lays a site out in its row (store.SiteEncoding): categories in a
// text[] column of their own.
var encoding = store.SiteEncoding{CategoryColumn: true}

// siteRow is a site encoded for the staging table (store.SiteRow) with the types of the
// driver.
type siteRow struct {
	id, orgID, externalID, name string
	lat, lon                    float64
	categories                  []string
	status                      string
	confidential                bool
	updatedAt, verifiedAt       pgtype.Timestamptz // Valid false for a zero time
	hash                        [sha256.Size]byte
	doc                         []byte
}

// toRow converts the shared row to PostGIS's.
func toRow(r store.SiteRow) siteRow {
	return siteRow{id: r.ID, orgID: r.OrganizationID, externalID: r.ExternalID, name: r.Name,
		lat: r.Lat, lon: r.Lon, categories: r.Categories, status: r.Status, confidential: r.Confidential,
		updatedAt: timestamptz(r.UpdatedAt), verifiedAt: timestamptz(r.VerifiedAt), hash: r.Hash, doc: r.Doc}
}

// encodeBatch checks every site of a batch and encodes it (store.EncodeBatch).
func encodeBatch(orgID string, sites []aidmap.Site) ([]siteRow, error) {
	return store.EncodeBatch(encoding, orgID, sites, toRow)
}

// encodeSite encodes s (store.SiteEncoding.Encode), its doc appended to buf.
func encodeSite(s *aidmap.Site, buf []byte) (siteRow, []byte) {
	r, buf := encoding.Encode(s, buf)
	return toRow(r), buf
}

// timestamptz converts a domain time for PostgreSQL, which keeps microseconds: finer digits
// are dropped here (rounding down, as the contract allows) rather than rounded by the server.
func timestamptz(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.Truncate(time.Microsecond), Valid: true}
}

func fromTimestamptz(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

const sqlSiteColumns = `id, organization_id, external_id, name, lat, lon, categories, status,
	confidential, updated_at, verified_at, version, doc, live`

// siteScanner decodes rows of sqlSiteColumns. When the columns come in the binary format (as
// pgx asks for them), it decodes the wire bytes itself: one string for every text of a site,
// none per field, and no reflection. Otherwise (a connection in a text-only query mode) it
// falls back to Scan.
type siteScanner struct {
	checked, raw bool
	r            rawSite
}

// scan decodes the current row and returns the site and its version.
func (sc *siteScanner) scan(rows pgx.Rows) (aidmap.Site, int64, error) {
	if !sc.checked {
		sc.raw = rawDecodable(rows.FieldDescriptions())
		sc.checked = true
	}
	if sc.raw {
		return decodeRaw(rows.RawValues())
	}
	if err := rows.Scan(sc.r.dest()...); err != nil {
		return aidmap.Site{}, 0, err
	}
	site, err := sc.r.decode()
	return site, sc.r.version, err
}

// Type OIDs of sqlSiteColumns.
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidText        = 25
	oidFloat8      = 701
	oidTextArray   = 1009
	oidTimestamptz = 1184
)

// rawColumns are the types of sqlSiteColumns, in order.
var rawColumns = [...]uint32{oidText, oidText, oidText, oidText, oidFloat8, oidFloat8, oidTextArray,
	oidText, oidBool, oidTimestamptz, oidTimestamptz, oidInt8, oidBytea, oidBytea}

// rawDecodable reports whether decodeRaw can read rows with these fields: the columns of
// sqlSiteColumns, each in the binary format (text is the same bytes in both).
func rawDecodable(fields []pgconn.FieldDescription) bool {
	if len(fields) != len(rawColumns) {
		return false
	}
	for i, f := range fields {
		if f.DataTypeOID != rawColumns[i] || (f.Format != pgx.BinaryFormatCode && f.DataTypeOID != oidText) {
			return false
		}
	}
	return true
}

// decodeRaw decodes one row of sqlSiteColumns from its binary wire values, which are valid
// only until the next row: everything kept is copied, the texts into one string.
func decodeRaw(vals [][]byte) (aidmap.Site, int64, error) {
	id, org, ext, name, doc := vals[0], vals[1], vals[2], vals[3], vals[12]
	if id == nil || org == nil || ext == nil || name == nil || doc == nil ||
		len(vals[4]) != 8 || len(vals[5]) != 8 || len(vals[8]) != 1 || len(vals[11]) != 8 {
		return aidmap.Site{}, 0, fmt.Errorf("site %q: unexpected column values", id)
	}
	var b strings.Builder
	b.Grow(len(id) + len(org) + len(ext) + len(name) + len(doc))
	b.Write(id)
	b.Write(org)
	b.Write(ext)
	b.Write(name)
	b.Write(doc)
	all := b.String()
	var s aidmap.Site
	i := len(id) + len(org) + len(ext) + len(name)
	if err := s.UnmarshalBinaryString(all[i:]); err != nil {
		return aidmap.Site{}, 0, fmt.Errorf("site %q: decode doc: %w", id, err)
	}
	s.ID, i = all[:len(id)], len(id)
	s.OrganizationID, i = all[i:i+len(org)], i+len(org)
	s.ExternalID, i = all[i:i+len(ext)], i+len(ext)
	s.Name = all[i : i+len(name)]
	s.Lat = math.Float64frombits(binary.BigEndian.Uint64(vals[4]))
	s.Lon = math.Float64frombits(binary.BigEndian.Uint64(vals[5]))
	var err error
	if s.Categories, err = decodeCategories(vals[6]); err != nil {
		return aidmap.Site{}, 0, fmt.Errorf("site %q: categories: %w", id, err)
	}
	s.Status = decodeStatus(vals[7])
	s.Confidential = vals[8][0] != 0
	if s.UpdatedAt, err = decodeTimestamptz(vals[9]); err != nil {
		return aidmap.Site{}, 0, fmt.Errorf("site %q: updated_at: %w", id, err)
	}
	if s.VerifiedAt, err = decodeTimestamptz(vals[10]); err != nil {
		return aidmap.Site{}, 0, fmt.Errorf("site %q: verified_at: %w", id, err)
	}
	if err := store.DecodeLive(vals[13], &s); err != nil {
		return aidmap.Site{}, 0, fmt.Errorf("site %q: %w", id, err)
	}
	return s, int64(binary.BigEndian.Uint64(vals[11])), nil
}

// knownCategories and knownStatuses map the bytes of a known value to it without allocating
// (a map lookup by string(b) does not copy b).
var (
	knownCategories = func() map[string]aidmap.Category {
		m := make(map[string]aidmap.Category)
		for _, c := range aidmap.Categories() {
			m[string(c.Slug)] = c.Slug
		}
		return m
	}()
	knownStatuses = map[string]aidmap.Status{
		string(aidmap.StatusActive): aidmap.StatusActive, string(aidmap.StatusTemporarilyClosed): aidmap.StatusTemporarilyClosed,
		string(aidmap.StatusClosed): aidmap.StatusClosed, string(aidmap.StatusRetired): aidmap.StatusRetired,
	}
)

func decodeStatus(b []byte) aidmap.Status {
	if st, ok := knownStatuses[string(b)]; ok {
		return st
	}
	return aidmap.Status(b)
}

// decodeCategories decodes a text[] in the binary array format: dimensions (int32), has-nulls
// flag (int32), element type (OID), then per dimension its length and lower bound (int32), then
// each element as its length (int32) and bytes. All big endian.
func decodeCategories(b []byte) ([]aidmap.Category, error) {
	if len(b) < 12 {
		return nil, errors.New("short array")
	}
	ndim := binary.BigEndian.Uint32(b)
	if ndim == 0 {
		return nil, nil
	}
	if ndim != 1 || len(b) < 20 {
		return nil, fmt.Errorf("array of %d dimensions", ndim)
	}
	n := binary.BigEndian.Uint32(b[12:])
	b = b[20:]
	if uint64(n) > uint64(len(b)/4) {
		return nil, errors.New("array longer than its data")
	}
	cs := make([]aidmap.Category, n)
	for i := range cs {
		if len(b) < 4 {
			return nil, errors.New("truncated array")
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l < 0 || int(l) > len(b) {
			return nil, errors.New("null or truncated element")
		}
		e := b[:l]
		b = b[l:]
		if c, ok := knownCategories[string(e)]; ok {
			cs[i] = c
		} else {
			cs[i] = aidmap.Category(e)
		}
	}
	return cs, nil
}

// pgEpochMicros is 2000-01-01 UTC, PostgreSQL's epoch, in Unix microseconds.
const pgEpochMicros = 946684800 * 1_000_000

// decodeTimestamptz decodes a binary timestamptz (microseconds since 2000-01-01 UTC, int64);
// NULL is the zero time.
func decodeTimestamptz(b []byte) (time.Time, error) {
	if b == nil {
		return time.Time{}, nil
	}
	if len(b) != 8 {
		return time.Time{}, fmt.Errorf("%d bytes, want 8", len(b))
	}
	us := int64(binary.BigEndian.Uint64(b))
	if us > math.MaxInt64-pgEpochMicros || us == math.MinInt64 {
		return time.Time{}, errors.New("infinite or out of range")
	}
	return time.UnixMicro(us + pgEpochMicros).UTC(), nil
}

// rawSite holds one scanned row of sqlSiteColumns, for connections that do not send the binary
// format.
type rawSite struct {
	site                  aidmap.Site
	categories            []string
	status                string
	updatedAt, verifiedAt pgtype.Timestamptz
	version               int64
	doc                   []byte
	live                  []byte // live data (capacity.go), nil when none
}

func (r *rawSite) dest() []any {
	s := &r.site
	return []any{&s.ID, &s.OrganizationID, &s.ExternalID, &s.Name, &s.Lat, &s.Lon, &r.categories,
		&r.status, &s.Confidential, &r.updatedAt, &r.verifiedAt, &r.version, &r.doc, &r.live}
}

// decode decodes the scanned row into a new Site.
func (r *rawSite) decode() (aidmap.Site, error) {
	sr := store.SiteRow{ID: r.site.ID, OrganizationID: r.site.OrganizationID, ExternalID: r.site.ExternalID,
		Name: r.site.Name, Lat: r.site.Lat, Lon: r.site.Lon, Categories: r.categories, Status: r.status,
		Confidential: r.site.Confidential, UpdatedAt: fromTimestamptz(r.updatedAt),
		VerifiedAt: fromTimestamptz(r.verifiedAt), Doc: r.doc}
	return encoding.Decode(&sr, r.live)
}
