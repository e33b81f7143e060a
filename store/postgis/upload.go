package postgis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// An upload is one transaction on one pooled connection, open from BeginUpload to Commit or
// Rollback. Add COPYs each batch into a temporary staging table without taking any lock, so
// concurrent uploads stream in parallel and readers never notice; Commit then takes the writer
// lock (see the package comment) and merges the whole staging table into sites with one UPDATE
// and one INSERT, retires what is to be retired, and commits. Memory on our side is one batch
// and the digests of the IDs added (store.IDSet), which find a site added twice at once,
// naming it, where a GROUP BY over the staging table at Commit cost 2.5 µs a site.

// BeginUpload starts a streaming upload of one organisation's sites: see store.Store.
func (s *Store) BeginUpload(ctx context.Context, orgID string, opts store.UploadOptions) (store.Upload, error) {
	u, err := s.begin(ctx, orgID, opts, false)
	if err != nil {
		return nil, fmt.Errorf("postgis: begin upload: %w", unavailable(ctx, err))
	}
	return u, nil
}

// upload is a store.Upload on one transaction: store.UploadCalls answers its calls but
// Commit and Rollback, around its own work (store.UploadTx).
type upload struct {
	store.UploadCalls[[]siteRow]
	s     *Store
	tx    pgx.Tx
	orgID string
	opts  store.UploadOptions
	added int64 // sites staged so far: the next site's ordinal
	marks bool  // Keep or Retire staged some IDs
	// history says the upload records its changes (opts.Actor, and not a dry run, whose
	// history would never be seen): each Add writes its batch's entries (recordBatch), each
	// retire batch its own, so memory stays one batch however large the upload.
	history bool
	// empty says the organisation had no sites when the upload began (see NoneStored),
	// unverified that none of them was verified (NoneVerified). The second reads the
	// organisation's sites until it finds a verified one, all of them when there is none:
	// far less than reading the verification of each site added, which it saves. (A partial
	// index would answer at once, but costs every write of a verified site.)
	empty, unverified bool
}

// The outcomes Commit records of a tracked upload's sites (store.UploadCalls.Kinds).
const (
	outcomeUnchanged = store.KindUnchanged
	outcomeUpdated   = store.KindUpdated
	outcomeCreated   = store.KindCreated
)

// stageColumns are the columns of the staging table, in the order copySource yields them.
var stageColumns = []string{"ord", "id", "organization_id", "external_id", "name", "lat", "lon",
	"categories", "status", "confidential", "updated_at", "verified_at", "hash", "doc"}

// The staging tables live as long as the transaction. site_stage holds the added sites, ord
// being a site's ordinal in the upload; site_mark the IDs given to Keep (retire false) and
// Retire (true); site_retired the sites Commit retires, with their new content hash.
const (
	sqlCreateStage = `CREATE TEMPORARY TABLE site_stage (
	ord             bigint NOT NULL,
	id              text COLLATE "C" NOT NULL,
	organization_id text NOT NULL,
	external_id     text NOT NULL,
	name            text NOT NULL,
	lat             double precision NOT NULL,
	lon             double precision NOT NULL,
	categories      text[] NOT NULL,
	status          text NOT NULL,
	confidential    boolean NOT NULL,
	updated_at      timestamptz,
	verified_at     timestamptz,
	hash            bytea NOT NULL,
	doc             bytea NOT NULL
) ON COMMIT DROP`
	sqlCreateMark    = `CREATE TEMPORARY TABLE site_mark (id text COLLATE "C" NOT NULL, retire boolean NOT NULL) ON COMMIT DROP`
	sqlCreateRetired = `CREATE TEMPORARY TABLE site_retired (ord bigint NOT NULL, id text COLLATE "C" NOT NULL, hash bytea NOT NULL) ON COMMIT DROP`
)

// sqlUpdate and sqlInsert merge the staged sites into sites. $1 is the store version before
// the write; the site with ordinal ord gets version $1 + ord + 1, so an upload's versions are
// distinct, above every earlier one and in upload order (the contract allows gaps: unchanged
// sites skip theirs). They run under the writer lock, so nothing changes sites between them:
// UPDATE takes the stored sites whose content hash differs, INSERT the new ones, and each
// returns the versions it wrote, from which the ordinal follows (or, when outcomes are not
// tracked, is only counted: sqlCount).
//
// INSERT writes new sites in ID order, so the heap holds runs in ID order and EachSite's scan
// of the primary key reads it almost sequentially. Site IDs are random UUIDs: on 1M sites
// written in arrival order, the server's ordered scan was 1.9 s of random heap reads; written
// in ID-ordered runs of 5,000, 0.3 s (BENCHMARKS-store.md).
const (
	sqlUpdate = `
UPDATE sites s SET
	name = st.name, lat = st.lat, lon = st.lon, categories = st.categories, status = st.status,
	confidential = st.confidential, updated_at = st.updated_at, verified_at = st.verified_at,
	version = $1 + st.ord + 1, hash = st.hash, doc = st.doc
FROM site_stage st
WHERE s.id = st.id AND s.hash <> st.hash
RETURNING s.version`

	sqlInsert = `
INSERT INTO sites (id, organization_id, external_id, name, lat, lon, categories, status,
	confidential, updated_at, verified_at, version, hash, doc)
SELECT id, organization_id, external_id, name, lat, lon, categories, status,
	confidential, updated_at, verified_at, $1 + ord + 1, hash, doc
FROM site_stage st
WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = st.id)
ORDER BY id
RETURNING version`

	// sqlInsertNew is sqlInsert when no staged site can be stored (NoneStored): the 1M index
	// probes of NOT EXISTS are skipped, and so is sqlUpdate.
	sqlInsertNew = `
INSERT INTO sites (id, organization_id, external_id, name, lat, lon, categories, status,
	confidential, updated_at, verified_at, version, hash, doc)
SELECT id, organization_id, external_id, name, lat, lon, categories, status,
	confidential, updated_at, verified_at, $1 + ord + 1, hash, doc
FROM site_stage st
ORDER BY id
RETURNING version`

	sqlCount = `WITH w AS (%s) SELECT count(*), coalesce(max(version), 0) FROM w`

	// sqlRetireCursor lists the sites Commit retires: the organisation's sites not retired
	// already and not added, that Retire named or, with RetireMissing ($2), that Keep did not.
	sqlRetireCursor = `DECLARE site_retire NO SCROLL CURSOR FOR
SELECT ` + sqlSiteColumns + ` FROM sites s
WHERE s.organization_id = $1 AND s.status <> 'retired'
	AND NOT EXISTS (SELECT 1 FROM site_stage st WHERE st.id = s.id)
	AND (EXISTS (SELECT 1 FROM site_mark m WHERE m.id = s.id AND m.retire)
		OR ($2 AND NOT EXISTS (SELECT 1 FROM site_mark m WHERE m.id = s.id)))
ORDER BY s.id`

	sqlRetire = `
UPDATE sites s SET status = 'retired', updated_at = $2, version = $1 + r.ord + 1, hash = r.hash
FROM site_retired r
WHERE s.id = r.id`
)

func (s *Store) begin(ctx context.Context, orgID string, opts store.UploadOptions, track bool) (*upload, error) {
	opts, err := store.BeginOptions(orgID, opts)
	if err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	u := &upload{s: s, tx: tx, orgID: orgID, opts: opts, history: opts.Actor != "" && !opts.DryRun}
	u.Init("postgis", u, track, ctx, func() { tx.Rollback(context.WithoutCancel(ctx)) }, pgx.ErrTxClosed)
	if err := u.prepare(ctx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return u, nil
}

func (u *upload) prepare(ctx context.Context) error {
	// Compiling the merge costs more than it saves.
	if _, err := u.tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return err
	}
	// One writer per organisation, until this transaction ends (see the package comment).
	if _, err := u.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, u.s.orgLockKey(u.orgID)); err != nil {
		return fmt.Errorf("lock organization %q: %w", u.orgID, err)
	}
	if org := u.opts.Organization; org != nil {
		created := org.CreatedAt
		if created.IsZero() {
			created = time.Now()
		}
		if _, err := u.tx.Exec(ctx, `
			INSERT INTO organizations (id, name, website, demo, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, org.ID, org.Name, org.Website, org.Demo, created); err != nil {
			return fmt.Errorf("create organization %q: %w", org.ID, err)
		}
	}
	var one int
	err := u.tx.QueryRow(ctx, `SELECT 1 FROM organizations WHERE id = $1`, u.orgID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("organization %q: %w", u.orgID, aidmap.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if err := u.tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM sites WHERE organization_id = $1),
		NOT EXISTS (SELECT 1 FROM sites WHERE organization_id = $1 AND verified_at IS NOT NULL)`, u.orgID).Scan(&u.empty, &u.unverified); err != nil {
		return err
	}
	for _, q := range []string{sqlCreateStage, sqlCreateMark} {
		if _, err := u.tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// EncodeBatch checks and encodes a batch of sites for WriteBatch (store.UploadTx).
func (u *upload) EncodeBatch(sites []aidmap.Site) ([]siteRow, error) {
	return encodeBatch(u.orgID, sites)
}

// WriteBatch stages an encoded batch: COPY into the staging table, and its history when the
// upload records one (store.UploadTx). Add runs it behind the caller, so the server is not
// idle while the client encodes the next batch.
func (u *upload) WriteBatch(ctx context.Context, rows []siteRow) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := u.tx.CopyFrom(ctx, pgx.Identifier{"site_stage"}, stageColumns, &copySource{rows: rows, base: u.added, i: -1}); err != nil {
		return err
	}
	if u.history {
		if err := u.recordBatch(ctx, rows); err != nil {
			return err
		}
	}
	u.added += int64(len(rows))
	return nil
}

// copySource feeds siteRows to CopyFrom, numbering them from base.
type copySource struct {
	rows []siteRow
	base int64
	i    int
	vals [14]any
}

func (c *copySource) Next() bool { c.i++; return c.i < len(c.rows) }
func (c *copySource) Err() error { return nil }
func (c *copySource) Values() ([]any, error) {
	r := &c.rows[c.i]
	c.vals = [14]any{c.base + int64(c.i), r.id, r.orgID, r.externalID, r.name, r.lat, r.lon, r.categories,
		r.status, r.confidential, r.updatedAt, r.verifiedAt, r.hash[:], r.doc}
	return c.vals[:], nil
}

// MarkIDs stages IDs given to Keep and Retire (store.UploadTx).
func (u *upload) MarkIDs(ctx context.Context, ids []string, retire bool) error {
	_, err := u.tx.CopyFrom(ctx, pgx.Identifier{"site_mark"}, []string{"id", "retire"},
		pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) { return []any{ids[i], retire}, nil }))
	if err != nil {
		return u.Fail(err)
	}
	u.marks = true
	return nil
}

// Commit merges the staged sites, retires what is to be retired and commits (or, for a dry
// run, rolls back).
func (u *upload) Commit(ctx context.Context) (store.UploadResult, error) {
	if err := u.Usable(); err != nil {
		return store.UploadResult{}, fmt.Errorf("postgis: upload: commit: %w", unavailable(ctx, err))
	}
	res, err := u.commit(ctx)
	if err != nil {
		return store.UploadResult{}, fmt.Errorf("postgis: upload: commit: %w", unavailable(ctx, u.Fail(err)))
	}
	return res, nil
}

func (u *upload) commit(ctx context.Context) (store.UploadResult, error) {
	var res store.UploadResult
	tx := u.tx
	// From here to the commit, writers go one at a time (see the package comment).
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, u.s.lockKey); err != nil {
		return res, err
	}
	var start int64
	if err := tx.QueryRow(ctx, sqlVersion).Scan(&start); err != nil {
		return res, err
	}
	version := start
	if u.opts.MaxRetireShare > 0 {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM sites WHERE organization_id = $1 AND status <> 'retired'`, u.orgID).Scan(&res.Published); err != nil {
			return res, err
		}
	}
	if u.added > 0 {
		if u.Track {
			u.Kinds = make([]int8, u.added)
		}
		type step struct {
			sql  string
			kind int8
			n    *int
		}
		steps := []step{{sqlUpdate, outcomeUpdated, &res.Updated}, {sqlInsert, outcomeCreated, &res.Created}}
		if u.NoneStored() {
			steps = []step{{sqlInsertNew, outcomeCreated, &res.Created}}
		}
		for _, step := range steps {
			var err error
			if u.Track {
				err = u.mergeTracked(ctx, step.sql, step.kind, start, &version, step.n)
			} else {
				var high int64
				err = tx.QueryRow(ctx, fmt.Sprintf(sqlCount, step.sql), start).Scan(step.n, &high)
				version = max(version, high)
			}
			if err != nil {
				return res, err
			}
		}
		res.Unchanged = int(u.added) - res.Updated - res.Created
	}
	if u.opts.RetireMissing || u.marks {
		n, high, err := u.retire(ctx, start+u.added)
		if err != nil {
			return res, err
		}
		res.Retired = n
		version = max(version, high)
	}
	if err := u.opts.CheckRetire(res.Retired, res.Published); err != nil {
		if !u.opts.DryRun {
			return res, err
		}
		res.RetireConfirm = res.Retired
	}
	if version != start {
		if _, err := tx.Exec(ctx, `UPDATE store_version SET version = $1`, version); err != nil {
			return res, err
		}
		// Delivered at commit, and only if it commits.
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, u.s.channel, strconv.FormatInt(version, 10)); err != nil {
			return res, err
		}
	}
	u.Done = true
	if u.opts.DryRun {
		if err := tx.Rollback(ctx); err != nil {
			return store.UploadResult{}, err
		}
		return res, nil
	}
	if err := tx.Commit(ctx); err != nil {
		u.Err = err
		return store.UploadResult{}, err
	}
	res.Version = version
	return res, nil
}

// mergeTracked runs one merge step, recording each written site's outcome by its ordinal.
func (u *upload) mergeTracked(ctx context.Context, sql string, kind int8, start int64, version *int64, n *int) error {
	written, err := u.tx.Query(ctx, sql, start)
	if err != nil {
		return err
	}
	var v int64
	_, err = pgx.ForEachRow(written, []any{&v}, func() error {
		ord := v - start - 1
		if ord < 0 || ord >= u.added || u.Kinds[ord] != outcomeUnchanged {
			return fmt.Errorf("merge wrote version %d, not one of this upload (%d..%d)", v, start+1, start+u.added)
		}
		u.Kinds[ord] = kind
		*version = max(*version, v)
		*n++
		return nil
	})
	return err
}

// retireFetch is how many sites the retire pass reads from its cursor at a time.
const retireFetch = 2000

// retire retires the sites sqlRetireCursor lists, in ID order, giving them versions from
// base + 1. The new content hash is computed here, as for every write, so the cursor's sites
// are re-encoded batch by batch and staged; one UPDATE then writes them all. It returns how
// many it retired and the highest version it gave.
func (u *upload) retire(ctx context.Context, base int64) (int, int64, error) {
	tx := u.tx
	if _, err := tx.Exec(ctx, sqlCreateRetired); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, sqlRetireCursor, u.orgID, u.opts.RetireMissing); err != nil {
		return 0, 0, err
	}
	now := timestamptz(u.opts.Now)
	n := 0
	batch := make([]siteRow, 0, retireFetch)
	for {
		batch = batch[:0]
		rows, err := tx.Query(ctx, `FETCH `+strconv.Itoa(retireFetch)+` FROM site_retire`)
		if err != nil {
			return 0, 0, err
		}
		var (
			sc      siteScanner
			buf     []byte
			entries [][]any
		)
		for rows.Next() {
			site, _, err := sc.scan(rows)
			if err != nil {
				rows.Close()
				return 0, 0, err
			}
			before := site
			site.Status = aidmap.StatusRetired
			site.UpdatedAt = now.Time
			if u.history {
				e, err := u.entry(&before, &site)
				if err != nil {
					rows.Close()
					return 0, 0, err
				}
				entries = append(entries, e)
			}
			var r siteRow
			r, buf = encodeSite(&site, buf)
			batch = append(batch, r)
		}
		if err := rows.Err(); err != nil {
			return 0, 0, err
		}
		if err := u.writeHistory(ctx, entries); err != nil {
			return 0, 0, err
		}
		if len(batch) > 0 {
			first := int64(n)
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"site_retired"}, []string{"ord", "id", "hash"},
				pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
					return []any{first + int64(i), batch[i].id, batch[i].hash[:]}, nil
				}))
			if err != nil {
				return 0, 0, err
			}
			n += len(batch)
		}
		if len(batch) < retireFetch {
			break
		}
	}
	if _, err := tx.Exec(ctx, `CLOSE site_retire`); err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, nil
	}
	if _, err := tx.Exec(ctx, sqlRetire, base, now); err != nil {
		return 0, 0, err
	}
	return n, base + int64(n), nil
}

// QueryChangedLater is store.LaterChanger's query, in the upload's transaction, under the
// organisation's lock (store.UploadTx).
func (u *upload) QueryChangedLater(ctx context.Context, uploadID string) ([]string, error) {
	rows, err := u.tx.Query(ctx, sqlChangedLater, uploadID, u.orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Unavailable classifies an error as the engine's errors are (store.UploadTx).
func (u *upload) Unavailable(ctx context.Context, err error) error { return unavailable(ctx, err) }

// Rollback abandons the upload.
func (u *upload) Rollback(ctx context.Context) error {
	if !u.End() {
		return nil
	}
	if err := u.tx.Rollback(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("postgis: upload: rollback: %w", unavailable(ctx, err))
	}
	return nil
}

// recordBatch writes the history of a batch just staged: an entry for each site it creates or
// changes, with the site's stored state before (none for a created one) and after. The merge
// at Commit writes exactly what is staged, where the stored content hash differs, and nothing
// else changes the organisation's sites in between (this transaction holds its lock from
// BeginUpload), so what is stored now is the state before. One query reads the stored hashes
// of the batch; only the sites that change are read whole, and unchanged ones are neither
// decoded nor encoded.
func (u *upload) recordBatch(ctx context.Context, rows []siteRow) error {
	if u.NoneStored() {
		return u.copyHistory(ctx, &historySource{u: u, rows: rows, i: -1})
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].id
	}
	res, err := u.tx.Query(ctx, `SELECT id, hash FROM sites WHERE id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	stored := map[string][]byte{}
	var (
		id   string
		hash []byte
	)
	if _, err := pgx.ForEachRow(res, []any{&id, &hash}, func() error {
		stored[id] = slices.Clone(hash)
		return nil
	}); err != nil {
		return err
	}
	var changed []string
	for i := range rows {
		if h, ok := stored[rows[i].id]; ok && !bytes.Equal(h, rows[i].hash[:]) {
			changed = append(changed, rows[i].id)
		}
	}
	before := map[string]*aidmap.Site{}
	if len(changed) > 0 {
		res, err := u.tx.Query(ctx, `SELECT `+sqlSiteColumns+` FROM sites WHERE id = ANY($1)`, changed)
		if err != nil {
			return err
		}
		var sc siteScanner
		for res.Next() {
			site, _, err := sc.scan(res)
			if err != nil {
				res.Close()
				return err
			}
			before[site.ID] = &site
		}
		if err := res.Err(); err != nil {
			return err
		}
	}
	src := &historySource{u: u, rows: rows, i: -1, before: before}
	for i := range rows {
		if h, ok := stored[rows[i].id]; ok && bytes.Equal(h, rows[i].hash[:]) {
			continue // unchanged: the merge leaves it alone
		}
		src.only = append(src.only, i)
	}
	if len(src.only) == 0 {
		return nil
	}
	return u.copyHistory(ctx, src)
}

// historySource feeds CopyFrom the history rows of a batch, encoding each entry (a decode of
// the stored form and two JSON encodings) only when CopyFrom asks for it: pgx encodes rows on
// a goroutine of its own while it sends what is encoded, so the encoding overlaps the server's
// inserting of earlier rows instead of preceding all of them.
type historySource struct {
	u      *upload
	rows   []siteRow
	only   []int                   // the indexes of rows to record; all of them when nil
	before map[string]*aidmap.Site // the stored state of the rows that change
	i      int
	err    error
}

func (h *historySource) Next() bool {
	h.i++
	if h.only != nil {
		return h.i < len(h.only)
	}
	return h.i < len(h.rows)
}

func (h *historySource) Values() ([]any, error) {
	r := &h.rows[h.i]
	if h.only != nil {
		r = &h.rows[h.only[h.i]]
	}
	after, err := r.site()
	if err != nil {
		h.err = err
		return nil, err
	}
	e, err := h.u.entry(h.before[r.id], &after)
	if err != nil {
		h.err = err
	}
	return e, err
}

func (h *historySource) Err() error { return h.err }

// NoneStored says no site the upload adds can be stored already, so there is nothing to read:
// the organisation had no sites when the upload began (and this transaction holds its lock
// since), a site's ID is derived from its organisation and external ID (aidmap.Site.Validate),
// so no other organisation's site has it, and a site added twice in the upload is refused
// before it is staged. An organisation's first upload, usually its largest, skips the look-ups.
func (u *upload) NoneStored() bool { return u.empty }

// NoneVerified says no site of the organisation was verified when the upload began, and so
// none can be stored verified: this transaction holds the organisation's lock (store.UploadTx).
func (u *upload) NoneVerified() bool { return u.unverified }

// entry is one history row: the site before (nil when created) and after the change.
func (u *upload) entry(before, after *aidmap.Site) ([]any, error) {
	a, err := store.MarshalHistory(after)
	if err != nil {
		return nil, err
	}
	var b *string
	if before != nil {
		j, err := store.MarshalHistory(before)
		if err != nil {
			return nil, err
		}
		str := string(j)
		b = &str
	}
	return []any{u.orgID, after.ID, u.opts.UploadID, u.opts.Actor, timestamptz(u.opts.Now), b, string(a), u.opts.RollbackOf}, nil
}

// writeHistory COPYs history rows made by entry.
func (u *upload) writeHistory(ctx context.Context, entries [][]any) error {
	if len(entries) == 0 {
		return nil
	}
	return u.copyHistory(ctx, pgx.CopyFromRows(entries))
}

// copyHistory COPYs the history rows src yields (those of entry).
func (u *upload) copyHistory(ctx context.Context, src pgx.CopyFromSource) error {
	_, err := u.tx.CopyFrom(ctx, pgx.Identifier{"history"},
		[]string{"organization_id", "site_id", "upload_id", "actor", "at", "before", "after", "rollback_of"}, src)
	return err
}

// site decodes the row as it is stored: what reading it back would give.
func (r *siteRow) site() (aidmap.Site, error) {
	raw := rawSite{site: aidmap.Site{ID: r.id, OrganizationID: r.orgID, ExternalID: r.externalID, Name: r.name,
		Lat: r.lat, Lon: r.lon, Confidential: r.confidential}, categories: r.categories, status: r.status,
		updatedAt: r.updatedAt, verifiedAt: r.verifiedAt, doc: r.doc}
	return raw.decode()
}
