package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// An upload is one write transaction on the writer connection (BEGIN IMMEDIATE), open from
// BeginUpload to Commit or Rollback. Add writes each batch into sites at once, as UpsertSites
// always did; WAL keeps readers on the last committed snapshot meanwhile, so neither the
// change feed nor any reader sees the upload before it commits, and none of them waits for it.
// Other writers do wait: in this process for the one writer connection (up to their ctx), in
// another process for SQLite's write lock (up to busyTimeout, then ErrUnavailable).
//
// What Commit needs to know besides the sites table is kept in memory, compactly: the digests
// of the IDs added (store.IDSet: about 30 MB for a million sites), which also find a site
// added twice, and the IDs given to Keep and Retire. Temporary tables did the same on disk,
// at about a third of Add's time.

// BeginUpload starts a streaming upload of one organisation's sites: see store.Store.
func (s *Store) BeginUpload(ctx context.Context, orgID string, opts store.UploadOptions) (store.Upload, error) {
	u, err := s.begin(ctx, orgID, opts, false)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin upload: %w", unavailable(ctx, err))
	}
	return u, nil
}

// upload is a store.Upload on the writer connection: store.UploadCalls answers its calls but
// Commit and Rollback, around its own work (store.UploadTx). Its Ctx is the one database/sql
// rolls tx back at when it ends.
type upload struct {
	store.UploadCalls[[]siteRow]
	s     *Store
	tx    *sql.Tx
	orgID string
	opts  store.UploadOptions
	start int64 // store version before the upload
	added int64 // sites added so far: the next site's ordinal
	res   store.UploadResult

	lookup, write *sql.Stmt
	// With opts.Actor, find reads the stored state of a batch's sites (one query a batch)
	// before they are written and history records the changes, historyChunk entries a
	// statement (history1 one): as the upload goes, so memory stays one batch however large
	// the upload.
	find, history, history1 *sql.Stmt
	entries                 []historyEntry // the batch's, waiting to be written
	// prefetched is what Verifications read of the sites with prefetchedIDs, for the Add of
	// those sites that follows (storedBatch).
	prefetched    map[string]*storedSite
	prefetchedIDs []string
	keep, retired map[string]bool // the IDs given to Keep and Retire
	sites         int64           // the organisation's sites before the upload
	anyVerified   bool            // some of them were verified (NoneVerified)

	// ids are the added sites' IDs, collected when Track is set (UpsertSites), in the order
	// of Kinds.
	ids []string
}

// The outcomes Commit records of a tracked upload's sites (store.UploadCalls.Kinds).
const (
	outcomeUnchanged = store.KindUnchanged
	outcomeUpdated   = store.KindUpdated
	outcomeCreated   = store.KindCreated
)

func (s *Store) begin(ctx context.Context, orgID string, opts store.UploadOptions, track bool) (*upload, error) {
	opts, err := store.BeginOptions(orgID, opts)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlUploadCache); err != nil {
		tx.Rollback()
		return nil, err
	}
	u := &upload{s: s, tx: tx, orgID: orgID, opts: opts}
	u.Init("sqlite", u, track, ctx, func() { u.end(tx.Rollback()) }, sql.ErrTxDone)
	if err := u.prepare(ctx); err != nil {
		u.end(tx.Rollback())
		return nil, err
	}
	return u, nil
}

// An upload gives the writer connection a larger page cache: site IDs are random, so a large
// upload writes all over the primary key index, and with SQLite's default 2 MB cache every
// insert reads and spills pages through system calls. With 64 MB, a million new sites took
// 20.6 s of CPU instead of 24.6 s (4 of them system time), for about 100 MB more peak RSS.
// The cache goes back to the default, and its memory to the system, when the upload ends.
const (
	sqlUploadCache  = `PRAGMA cache_size = -65536`
	sqlDefaultCache = `PRAGMA cache_size = -2000`
)

// end finishes with the transaction ended by err (a Commit or Rollback): the writer
// connection gets its default cache back. It returns err.
func (u *upload) end(err error) error {
	ctx := context.WithoutCancel(u.Ctx)
	if _, e := u.s.db.ExecContext(ctx, sqlDefaultCache); e == nil {
		u.s.db.ExecContext(ctx, `PRAGMA shrink_memory`)
	}
	return err
}

func (u *upload) prepare(ctx context.Context) error {
	tx := u.tx
	if org := u.opts.Organization; org != nil {
		created := org.CreatedAt
		if created.IsZero() {
			created = time.Now()
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO organizations (id, name, website, demo, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
			org.ID, org.Name, org.Website, org.Demo, created.UnixMicro()); err != nil {
			return fmt.Errorf("create organization %q: %w", org.ID, err)
		}
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE id = ?`, u.orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("organization %q: %w", u.orgID, aidmap.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, sqlVersion).Scan(&u.start); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE organization_id = ?`, u.orgID).Scan(&u.sites); err != nil {
		return err
	}
	if u.sites > 0 {
		if err := tx.QueryRowContext(ctx, sqlAnyVerified, u.orgID).Scan(&u.anyVerified); err != nil {
			return err
		}
	}
	if u.opts.MaxRetireShare > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE organization_id = ? AND status <> 'retired'`, u.orgID).Scan(&u.res.Published); err != nil {
			return err
		}
	}
	if u.lookup, err = tx.PrepareContext(ctx, `SELECT hash FROM sites WHERE id = ?`); err != nil {
		return err
	}
	if u.opts.Actor != "" && !u.opts.DryRun {
		// A dry run is rolled back: its history would never be seen.
		if u.find, err = tx.PrepareContext(ctx, sqlFindBatch); err != nil {
			return err
		}
		if u.history, err = tx.PrepareContext(ctx, sqlHistoryRows(historyChunk)); err != nil {
			return err
		}
		if u.history1, err = tx.PrepareContext(ctx, sqlHistoryRows(1)); err != nil {
			return err
		}
	}
	// A stored site is rewritten only when its content hash differs: RowsAffected then says
	// whether the site changed, without a lookup first.
	u.write, err = tx.PrepareContext(ctx, `
		INSERT INTO sites (id, organization_id, external_id, name, lat, lon, status, confidential,
			updated_at, verified_at, version, hash, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name, lat = excluded.lat, lon = excluded.lon, status = excluded.status,
			confidential = excluded.confidential, updated_at = excluded.updated_at,
			verified_at = excluded.verified_at, version = excluded.version, hash = excluded.hash,
			doc = excluded.doc
		WHERE sites.hash <> excluded.hash`)
	return err
}

// EncodeBatch checks and encodes a batch of sites for WriteBatch (store.UploadTx). Add runs
// the next batch's encoding (0.6 CPU s of the writer's 20 s per million new sites,
// BENCHMARKS-ingest.md) beside the last one's write, which bounds a large upload.
func (u *upload) EncodeBatch(sites []aidmap.Site) ([]siteRow, error) {
	return encodeBatch(u.orgID, sites)
}

// WriteBatch writes encoded sites (store.UploadTx). They are written in ID order, so new rows
// get rowids in ID order and EachSite's walk of the primary key index reads the table in runs
// rather than at random (IDs are random UUIDs). The site with ordinal n in the upload
// (counting every Add) gets version start + n + 1: distinct, above every earlier one and in
// upload order; unchanged sites leave gaps, which the contract allows.
func (u *upload) WriteBatch(ctx context.Context, rows []siteRow) error {
	// The per-site statements run without ctx's cancellation (checked here, once a batch):
	// with a context that can end, the driver starts a goroutine and installs a progress
	// handler for every statement, to interrupt it: for a million sites that was a million
	// goroutines and a tenth of the upload's CPU in the scheduler. A batch takes well under
	// a second, so an abandoned upload still stops within one.
	if err := ctx.Err(); err != nil {
		return err
	}
	sctx := context.WithoutCancel(ctx)
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(rows[a].id, rows[b].id) })
	var (
		hash  []byte
		kinds []int8 // by batch index, when tracked
		err   error
	)
	if u.Track {
		kinds = make([]int8, len(rows))
	}
	var stored map[string]*aidmap.Site
	if u.find != nil {
		if stored, err = u.storedBatch(ctx, rows); err != nil {
			return err
		}
	}
	var enc *historyEncoding
	if u.history != nil {
		enc = u.encodeHistory(rows, stored)
	}
	var written []int // with history: the batch indexes of the sites written
	for _, i := range order {
		r := &rows[i]
		if u.Track {
			// UpsertSites reports each site's outcome: look it up first.
			kinds[i] = outcomeUpdated
			switch err := u.lookup.QueryRowContext(sctx, r.id).Scan(&hash); {
			case errors.Is(err, sql.ErrNoRows):
				kinds[i] = outcomeCreated
			case err != nil:
				return err
			case string(hash) == string(r.hash[:]):
				kinds[i] = outcomeUnchanged
			}
		}
		if s, ok := stored[r.id]; ok && s == nil {
			// Stored with the same content: nothing to write or record.
			u.res.Unchanged++
			continue
		}
		v := u.start + u.added + int64(i) + 1
		res, err := u.write.ExecContext(sctx, r.id, r.orgID, r.externalID, r.name, r.lat, r.lon, r.status,
			r.confidential, r.updatedAt, r.verifiedAt, v, r.hash[:], r.doc)
		if err != nil {
			return fmt.Errorf("site %q: %w", r.externalID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			u.res.Unchanged++
		} else {
			u.res.Updated++ // created ones are told apart at Commit, by counting
			if enc != nil {
				written = append(written, i)
			}
		}
	}
	if enc != nil {
		<-enc.done
		if enc.err != nil {
			return enc.err
		}
		for _, i := range written {
			u.entries = append(u.entries, enc.entries[i])
			if len(u.entries) >= 16*historyChunk {
				if err := u.flushHistory(ctx); err != nil {
					return err
				}
			}
		}
	}
	if err := u.flushHistory(ctx); err != nil {
		return err
	}
	if u.Track {
		for i := range rows {
			u.ids = append(u.ids, rows[i].id)
		}
		u.Kinds = append(u.Kinds, kinds...)
	}
	u.added += int64(len(rows))
	return nil
}

// MarkIDs keeps the IDs given to Keep and Retire, for Commit (store.UploadTx).
func (u *upload) MarkIDs(ctx context.Context, ids []string, retire bool) error {
	m := &u.keep
	if retire {
		m = &u.retired
	}
	if *m == nil {
		*m = map[string]bool{}
	}
	for _, id := range ids {
		(*m)[strings.Clone(id)] = true // not a slice of something bigger
	}
	return nil
}

// Commit retires what the options and marks say, advances the store version and commits (or,
// for a dry run, rolls back).
func (u *upload) Commit(ctx context.Context) (store.UploadResult, error) {
	res, err := u.commit(ctx)
	if err != nil {
		return store.UploadResult{}, fmt.Errorf("sqlite: upload: commit: %w", unavailable(ctx, err))
	}
	return res, nil
}

func (u *upload) commit(ctx context.Context) (store.UploadResult, error) {
	if err := u.Usable(); err != nil {
		return store.UploadResult{}, err
	}
	// Add counted every changed site as updated; the new ones are those the organisation
	// has more of now.
	var sites int64
	if err := u.tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE organization_id = ?`, u.orgID).Scan(&sites); err != nil {
		return store.UploadResult{}, u.Fail(err)
	}
	u.res.Created = int(sites - u.sites)
	u.res.Updated -= u.res.Created
	retired, err := u.retire(ctx)
	if err != nil {
		return store.UploadResult{}, u.Fail(err)
	}
	u.res.Retired = retired
	if err := u.opts.CheckRetire(retired, u.res.Published); err != nil {
		if !u.opts.DryRun {
			return store.UploadResult{}, u.Fail(err)
		}
		u.res.RetireConfirm = retired
	}
	version := u.start
	if u.res.Created+u.res.Updated+retired > 0 {
		// The highest version written: the last changed site's. Unchanged sites skip theirs,
		// so ask the table rather than work it out.
		if err := u.tx.QueryRowContext(ctx, `SELECT max(version) FROM sites`).Scan(&version); err != nil {
			return store.UploadResult{}, u.Fail(err)
		}
		if _, err := u.tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'version'`, version); err != nil {
			return store.UploadResult{}, u.Fail(err)
		}
	}
	u.lookup.Close()
	u.write.Close()
	if u.find != nil {
		u.find.Close()
		u.history.Close()
		u.history1.Close()
	}
	u.Seen = nil
	if u.opts.DryRun {
		u.Done = true
		if err := u.end(u.tx.Rollback()); err != nil {
			return store.UploadResult{}, err
		}
		u.res.Version = 0
		return u.res, nil
	}
	u.Done = true
	// A large upload's commit leaves the checkpoint to the checkpointer (see checkpointer).
	large := u.added >= checkpointAfter
	if large {
		if _, err := u.tx.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
			u.end(u.tx.Rollback())
			u.Err = err
			return store.UploadResult{}, err
		}
	}
	err = u.tx.Commit()
	if large {
		u.s.db.ExecContext(context.WithoutCancel(ctx), sqlAutoCheckpoint)
		if err == nil {
			u.s.ckpt.start(u.s.path)
		}
	}
	if err := u.end(err); err != nil {
		u.Err = err
		return store.UploadResult{}, err
	}
	u.res.Version = version
	return u.res, nil
}

// checkpointAfter is how many sites an upload adds before its commit leaves the WAL
// checkpoint to the checkpointer.
const checkpointAfter = 10_000

// sqlAutoCheckpoint is SQLite's default: a commit that leaves the WAL longer than 1,000 pages
// copies it into the database file.
const sqlAutoCheckpoint = `PRAGMA wal_autocheckpoint = 1000`

// A checkpointer copies the WAL into the database file on a connection of its own, after a
// large upload committed. Left to SQLite, the commit itself would do it (wal_autocheckpoint),
// on the store's one writer connection: for a million new sites 3.9 s of a 40 s write in
// which the upload is not done yet and no other write can start. A PASSIVE checkpoint needs
// no lock readers or writers wait for, so it runs beside them, on the other core; what it
// cannot copy because a reader still uses it is copied by the next one. Durability does not
// change: the commit is in the WAL, synced (synchronous FULL), before the checkpoint starts.
// The checkpointer's connection is opened on first use and closed with the store, which
// waits for a checkpoint under way.
type checkpointer struct {
	mu      sync.Mutex
	db      *sql.DB
	running bool // a checkpoint is under way
	again   bool // another large commit came meanwhile: checkpoint once more
	closed  bool
	wg      sync.WaitGroup
}

// start starts a checkpoint of the database at path unless one is under way (which then
// runs once more).
func (c *checkpointer) start(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.running {
		c.again = true
		return
	}
	if c.db == nil {
		db, err := sql.Open("sqlite", dsn(path, false)+"&_pragma=query_only(0)")
		if err != nil {
			return // the next commit's automatic checkpoint does it
		}
		db.SetMaxOpenConns(1)
		c.db = db
	}
	c.running = true
	c.wg.Add(1)
	go c.run()
}

func (c *checkpointer) run() {
	defer c.wg.Done()
	for {
		// Errors (SQLITE_BUSY when another checkpoint runs) leave the work to the next
		// checkpoint, automatic or not: nothing is lost by skipping one.
		c.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		c.mu.Lock()
		if !c.again || c.closed {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.again = false
		c.mu.Unlock()
	}
}

// close waits for a checkpoint under way and closes the connection.
func (c *checkpointer) close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	if c.db == nil {
		return nil
	}
	return c.db.Close()
}

// retireBatch is how many sites the retire pass reads at a time: it reads a batch, then
// updates it, so it never holds a query open on sites while writing to it.
const retireBatch = 1000

// retire retires the organisation's sites that RetireMissing or Retire name and that were not
// added, in external ID order, each with its own version after the added sites'. It returns
// how many it retired.
func (u *upload) retire(ctx context.Context) (int, error) {
	if !u.opts.RetireMissing && len(u.retired) == 0 {
		return 0, nil
	}
	// Without RetireMissing only the named sites can be retired: look them up by ID.
	// With it, walk the organisation's sites.
	where := `organization_id = ?1 AND external_id > ?2 AND status <> 'retired'`
	if !u.opts.RetireMissing {
		where = `id IN (SELECT value FROM json_each(?3)) AND ` + where
	}
	find, err := u.tx.PrepareContext(ctx, `SELECT `+sqlSiteColumns+` FROM sites WHERE `+where+` ORDER BY external_id LIMIT ?4`)
	if err != nil {
		return 0, err
	}
	defer find.Close()
	update, err := u.tx.PrepareContext(ctx, `UPDATE sites SET status = ?, updated_at = ?, version = ?, hash = ? WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	defer update.Close()
	named := "[]"
	if !u.opts.RetireMissing {
		b, err := json.Marshal(slices.Collect(maps.Keys(u.retired)))
		if err != nil {
			return 0, err
		}
		named = string(b)
	}

	now := micros(u.opts.Now)
	after, n := "", 0
	batch := make([]siteRow, 0, retireBatch)
	var befores []aidmap.Site // with history: the batch's sites as stored before
	for {
		batch = batch[:0]
		befores = befores[:0]
		if err := ctx.Err(); err != nil {
			return n, err
		}
		rows, err := find.QueryContext(ctx, u.orgID, after, named, retireBatch)
		if err != nil {
			return n, err
		}
		var r rawSite
		dest := r.dest()
		read := 0
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return n, err
			}
			read++
			after = r.site.ExternalID
			id := r.site.ID
			if added := u.Seen.Has(id); added || !u.retired[id] && (!u.opts.RetireMissing || u.keep[id]) {
				continue
			}
			if u.history != nil {
				site, err := r.decode()
				if err != nil {
					rows.Close()
					return n, err
				}
				befores = append(befores, site)
			}
			// The stored row with the new status: its content hash changes with it.
			batch = append(batch, siteRow{id: id, orgID: r.site.OrganizationID,
				externalID: r.site.ExternalID, name: r.site.Name, lat: r.site.Lat, lon: r.site.Lon,
				status: string(aidmap.StatusRetired), confidential: r.site.Confidential,
				updatedAt: now, verifiedAt: r.verifiedAt, doc: slices.Clone(r.doc)})
		}
		if err := rows.Err(); err != nil {
			return n, err
		}
		for i := range batch {
			r := &batch[i]
			r.hash = r.contentHash()
			v := u.start + u.added + int64(n) + 1
			// Without ctx's cancellation, as WriteBatch's writes; checked once a batch above.
			if _, err := update.ExecContext(context.WithoutCancel(ctx), r.status, r.updatedAt, v, r.hash[:], r.id); err != nil {
				return n, fmt.Errorf("retire site %q: %w", r.externalID, err)
			}
			if u.history != nil {
				after := befores[i]
				after.Status, after.UpdatedAt = aidmap.StatusRetired, fromMicros(r.updatedAt)
				if err := u.record(ctx, &befores[i], &after); err != nil {
					return n, err
				}
			}
			n++
		}
		if err := u.flushHistory(ctx); err != nil {
			return n, err
		}
		if read < retireBatch {
			return n, nil
		}
	}
}

// QueryChangedLater is store.LaterChanger's query, in the upload's transaction, which holds
// the store's one writer (store.UploadTx).
func (u *upload) QueryChangedLater(ctx context.Context, uploadID string) ([]string, error) {
	rows, err := u.tx.QueryContext(ctx, sqlChangedLater, uploadID, u.orgID)
	if err != nil {
		return nil, err
	}
	return collectIDs(ctx, rows)
}

// Unavailable classifies an error as the engine's errors are (store.UploadTx).
func (u *upload) Unavailable(ctx context.Context, err error) error { return unavailable(ctx, err) }

// Rollback abandons the upload.
func (u *upload) Rollback(ctx context.Context) error {
	if !u.End() {
		return nil
	}
	if err := u.end(u.tx.Rollback()); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite: upload: rollback: %w", unavailable(ctx, err))
	}
	return nil
}

// sqlFindBatch reads the stored state of a batch's sites that exist, by ID (a JSON array):
// json_each drives the join (CROSS JOIN), so each ID is one probe of the primary key, never a
// scan of the organisation's sites.
var sqlFindBatch = `SELECT s.hash, ` + prefixColumns("s.", sqlSiteColumns) + `
	FROM json_each(?) j CROSS JOIN sites s ON s.id = j.value`

// sqlFindVerified is sqlFindBatch of the sites of organisation ?2 that were verified.
var sqlFindVerified = sqlFindBatch + `
	WHERE s.organization_id = ?2 AND s.verified_at IS NOT NULL`

// prefixColumns qualifies each column of a list with prefix.
func prefixColumns(prefix, cols string) string {
	f := strings.FieldsFunc(cols, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	return prefix + strings.Join(f, ", "+prefix)
}

// NoneStored says no site the upload adds can be stored already, so there is nothing to read:
// the organisation had no sites when the upload began (it holds the store's one writer since),
// a site's ID is derived from its organisation and external ID (aidmap.Site.Validate), so no
// other organisation's site has it, and a site added twice in the upload is refused before it
// is written. An organisation's first upload, usually its largest, skips a look-up per site.
func (u *upload) NoneStored() bool { return u.sites == 0 }

// NoneVerified says no site of the organisation was verified when the upload began, and so
// none can be stored verified: this transaction holds the store's one writer (store.UploadTx).
func (u *upload) NoneVerified() bool { return !u.anyVerified }

// sqlAnyVerified asks whether organisation ? has a verified site. It reads the organisation's
// sites until it finds one, all of them when there is none: about a tenth of what reading
// the verification of each site added costs, and that is saved. (A partial index would answer
// at once, but costs every write of a verified site: +25% on updating 10k verified sites.)
const sqlAnyVerified = `SELECT EXISTS (SELECT 1 FROM sites WHERE organization_id = ? AND verified_at IS NOT NULL)`

// storedSite is a stored site as the upload read it before writing over it.
type storedSite struct {
	hash []byte
	site aidmap.Site
}

// readStored reads the stored state of those of ids that are stored, in the upload's own
// transaction (only it sees the upload's earlier batches), with one query.
func (u *upload) readStored(ctx context.Context, ids []string) (map[string]*storedSite, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	var res *sql.Rows
	if u.find != nil {
		res, err = u.find.QueryContext(ctx, string(list))
	} else {
		res, err = u.tx.QueryContext(ctx, sqlFindBatch, string(list))
	}
	if err != nil {
		return nil, err
	}
	return scanStored(res)
}

// readVerified is readStored of only the organisation's sites a steward verified: what
// Verifications needs when no history is written, which would read the rest. For an upload of
// unchanged sites, reading and decoding them all was 3.5 of its 15 CPU s per 100k.
func (u *upload) readVerified(ctx context.Context, ids []string) (map[string]*storedSite, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	res, err := u.tx.QueryContext(ctx, sqlFindVerified, string(list), u.orgID)
	if err != nil {
		return nil, err
	}
	return scanStored(res)
}

// scanStored reads the rows of sqlFindBatch or sqlFindVerified, and closes them.
func scanStored(res *sql.Rows) (map[string]*storedSite, error) {
	defer res.Close()
	out := map[string]*storedSite{}
	var (
		r    rawSite
		hash sql.RawBytes
	)
	dest := append([]any{&hash}, r.dest()...)
	for res.Next() {
		if err := res.Scan(dest...); err != nil {
			return nil, err
		}
		site, err := r.decode()
		if err != nil {
			return nil, err
		}
		out[site.ID] = &storedSite{hash: slices.Clone(hash), site: site}
	}
	return out, res.Err()
}

// storedBatch returns, for each site of the batch that is stored, its stored state before the
// upload writes it, or nil when its content is the same (its content hash is): history needs
// the state of what changes. Sites not stored are absent. The sites Verifications read just
// before, when they are this batch's, are not read again.
func (u *upload) storedBatch(ctx context.Context, rows []siteRow) (map[string]*aidmap.Site, error) {
	if u.NoneStored() {
		return nil, nil
	}
	read, ids := u.prefetched, u.prefetchedIDs
	u.prefetched, u.prefetchedIDs = nil, nil
	same := read != nil && len(ids) == len(rows)
	for i := 0; same && i < len(rows); i++ {
		same = ids[i] == rows[i].id
	}
	if !same {
		ids = make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].id
		}
		var err error
		if read, err = u.readStored(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make(map[string]*aidmap.Site, len(read))
	for i := range rows {
		st, ok := read[rows[i].id]
		switch {
		case !ok:
		case string(st.hash) == string(rows[i].hash[:]):
			out[rows[i].id] = nil
		default:
			out[rows[i].id] = &st.site
		}
	}
	return out, nil
}

// site decodes the row as it is stored: what reading it back would give.
func (r *siteRow) site() (aidmap.Site, error) {
	raw := rawSite{site: aidmap.Site{ID: r.id, OrganizationID: r.orgID, ExternalID: r.externalID, Name: r.name,
		Lat: r.lat, Lon: r.lon, Confidential: r.confidential}, status: r.status,
		updatedAt: r.updatedAt, verifiedAt: r.verifiedAt, doc: r.doc}
	return raw.decode()
}

// historyChunk is how many history entries one INSERT writes: per-statement costs (database/sql,
// the driver, SQLite's statement set-up) were as much as the row's own.
const historyChunk = 64

// sqlHistoryRows inserts n history entries.
func sqlHistoryRows(n int) string {
	var b strings.Builder
	// OR FAIL: an error ends the statement where it is instead of undoing its earlier rows,
	// so SQLite keeps no statement journal for it (written page by page to a temporary file,
	// that journal was a third of the history's cost); any error rolls the whole upload back.
	b.WriteString(`INSERT OR FAIL INTO history (organization_id, site_id, upload_id, actor, at, before, after, rollback_of) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// historyEntry is one change waiting to be written to history.
type historyEntry struct {
	siteID, externalID string
	before             sql.NullString
	after              string
}

// A historyEncoding is the history entries of a batch, encoded on a goroutine of its own
// while the batch's sites are written: decoding each written row and encoding it and its
// stored state as JSON was 2.4 s of CPU per million new sites on the writer's goroutine, whose
// SQLite work bounds the upload; beside it, that time is spent on the other core. The entries
// are made for every site that will be written (all but those stored with the same content),
// by batch index; WriteBatch keeps those whose write changed a row, in the order it wrote them.
type historyEncoding struct {
	done    chan struct{} // closed when entries and err are set
	entries []historyEntry
	err     error
}

// encodeHistory starts encoding the history entries of rows, given storedBatch's stored
// states (nil when none can be stored).
func (u *upload) encodeHistory(rows []siteRow, stored map[string]*aidmap.Site) *historyEncoding {
	enc := &historyEncoding{done: make(chan struct{}), entries: make([]historyEntry, len(rows))}
	go func() {
		defer close(enc.done)
		for i := range rows {
			r := &rows[i]
			before, ok := stored[r.id]
			if ok && before == nil {
				continue // unchanged: not written
			}
			after, err := r.site()
			if err == nil {
				enc.entries[i], err = newHistoryEntry(before, &after)
			}
			if err != nil {
				enc.err = err
				return
			}
		}
	}()
	return enc
}

// newHistoryEntry encodes one history entry: the site before (nil when created) and after the
// change.
func newHistoryEntry(before, after *aidmap.Site) (historyEntry, error) {
	a, err := store.MarshalHistory(after)
	if err != nil {
		return historyEntry{}, err
	}
	e := historyEntry{siteID: after.ID, externalID: after.ExternalID, after: string(a)}
	if before != nil {
		j, err := store.MarshalHistory(before)
		if err != nil {
			return historyEntry{}, err
		}
		e.before = sql.NullString{String: string(j), Valid: true}
	}
	return e, nil
}

// record queues one history entry: the site before (nil when created) and after the change.
// flushHistory writes the queued ones.
func (u *upload) record(ctx context.Context, before, after *aidmap.Site) error {
	e, err := newHistoryEntry(before, after)
	if err != nil {
		return err
	}
	u.entries = append(u.entries, e)
	if len(u.entries) >= 16*historyChunk {
		return u.flushHistory(ctx)
	}
	return nil
}

// flushHistory writes the queued history entries. Like WriteBatch's, its statements run without
// ctx's cancellation, checked once here.
func (u *upload) flushHistory(ctx context.Context) error {
	if len(u.entries) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	at := u.opts.Now.UnixMicro()
	args := make([]any, 0, 8*historyChunk)
	for i := 0; i < len(u.entries); {
		n, stmt := historyChunk, u.history
		if len(u.entries)-i < historyChunk {
			n, stmt = 1, u.history1
		}
		args = args[:0]
		for _, e := range u.entries[i : i+n] {
			args = append(args, u.orgID, e.siteID, u.opts.UploadID, u.opts.Actor, at, e.before, e.after, u.opts.RollbackOf)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("history of site %q: %w", u.entries[i].externalID, err)
		}
		i += n
	}
	clear(u.entries)
	u.entries = u.entries[:0]
	return nil
}
