// Package feed keeps an in-memory geo index in step with a store: it builds the index from
// every site at start, then follows the store's change feed ("changes since version N"),
// patching a copy of the index and swapping it in, so readers never wait and never see a
// half-applied batch.
//
// It imports the domain, geo and store.
package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store"
)

// batchSize bounds how many changes are read and applied at once.
const batchSize = 10_000

// Follower holds the live index and the organisations of a store.
type Follower struct {
	store    store.Store
	pub      *aidmap.Publisher
	logger   *slog.Logger
	interval time.Duration

	live   geo.Live
	orgs   atomic.Pointer[map[string]aidmap.Organization]
	loaded atomic.Bool
	wake   chan struct{}

	mu      sync.Mutex // serialises Load and Sync
	healthy atomic.Bool

	// stored maps the public IDs of confidential sites to their stored IDs (StoredID).
	storedMu sync.RWMutex
	stored   map[string]string

	hideAfter time.Duration    // SetHideAfter; 0 hides nothing
	now       func() time.Time // SetHideAfter's clock
	loadedAt  time.Time        // when Load last ran (Run's goroutine and Load, under mu)

	onSwap []func(ix *geo.Index, changed []aidmap.Site) // OnSwap, called under mu
}

// OnSwap registers fn, called after each new snapshot is swapped in, with the sites that
// changed (in their public form; a removed one as a retired site with its ID only) or nil
// after a full Load. Calls come one at a time, in order; fn must return quickly (the place
// view (#19) only queues them). Registered after a Load, fn sees the swaps after it.
func (f *Follower) OnSwap(fn func(ix *geo.Index, changed []aidmap.Site)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onSwap = append(f.onSwap, fn)
}

// hideRecheck is how often a follower that hides long-unchecked sites rebuilds its index from
// the store, so sites that crossed the limit without any change leave it too.
const hideRecheck = time.Hour

// SetHideAfter makes the index leave out sites not checked (aidmap.Site.CheckedAt) for longer
// than d, by the clock now (time.Now when nil): they leave every public output, while the
// store, and so the organisation's own view, keeps them. 0 hides nothing. Call it before Load.
// Run rebuilds the index every hideRecheck so that time alone hides a site; until then, and
// for tiles cached for the index version until the store next changes, a site may show up to
// that much longer.
func (f *Follower) SetHideAfter(d time.Duration, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	f.hideAfter, f.now = d, now
}

// New returns a follower that polls the store every interval (and whenever Notify is called).
// The index holds what pub publishes of each site (aidmap.Publisher.Public); with a nil pub,
// confidential sites are left out of it.
func New(st store.Store, pub *aidmap.Publisher, logger *slog.Logger, interval time.Duration) *Follower {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &Follower{store: st, pub: pub, logger: logger, interval: interval, wake: make(chan struct{}, 1)}
	empty := map[string]aidmap.Organization{}
	f.orgs.Store(&empty)
	f.live.Store(geo.NewIndex(nil, 0))
	return f
}

// Load builds the index from every site in the store, streaming them into the builder.
func (f *Follower) Load(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.loadOrganizations(ctx); err != nil {
		return err
	}
	b := geo.NewBuilder(0)
	stored := map[string]string{}
	version, err := f.store.EachSite(ctx, func(s aidmap.Site) error {
		b.Add(f.public(&s))
		if s.Confidential && s.Visible() && f.pub != nil {
			stored[f.pub.PublicID(s.ID, true)] = s.ID
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("feed: load sites: %w", err)
	}
	ix := b.Build(version)
	f.storedMu.Lock()
	f.stored = stored
	f.storedMu.Unlock()
	f.loadedAt = time.Now()
	f.live.Store(ix)
	for _, fn := range f.onSwap {
		fn(ix, nil)
	}
	f.loaded.Store(true)
	f.healthy.Store(true)
	f.logger.Info("index loaded", "sites", ix.Len(), "version", version)
	return nil
}

// Sync applies every change since the index's version and reports how many it applied.
//
// It reads every page of changes the store has (batchSize at a time) before it changes the
// index, then applies them all as one snapshot: readers see an upload of any size arrive at
// once, never part of it. A commit is visible to the change feed whole, so reading on until a
// page comes back short means no commit is left half read.
func (f *Follower) Sync(ctx context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix := f.live.Load()
	var (
		sites, gone []aidmap.Site
		last        = ix.Version()
	)
	for {
		changes, err := f.store.ChangesSince(ctx, last, batchSize)
		if err != nil {
			return 0, fmt.Errorf("feed: changes since %d: %w", last, err)
		}
		if len(changes) == 0 {
			break
		}
		if sites == nil {
			// Organisations change rarely and only alongside sites: reload them with a batch.
			if err := f.loadOrganizations(ctx); err != nil {
				return 0, err
			}
			sites = make([]aidmap.Site, 0, len(changes))
		}
		for _, c := range changes {
			sites = append(sites, f.public(&c.Site))
			f.noteStored(&c.Site)
			if f.pub != nil {
				// The site under its other public ID (before its confidentiality changed)
				// leaves the index, so a site just marked confidential is not still
				// published at its exact point under its old ID.
				gone = append(gone, aidmap.Site{ID: f.pub.Withdrawn(&c.Site), Status: aidmap.StatusRetired})
			}
		}
		last = changes[len(changes)-1].Version
		if len(changes) < batchSize {
			break
		}
	}
	if len(sites) == 0 {
		return 0, nil
	}
	changed := append(gone, sites...) // sites after gone: a site wins
	next := ix.Apply(changed, last)
	f.live.Store(next)
	for _, fn := range f.onSwap {
		fn(next, changed)
	}
	return len(sites), nil
}

func (f *Follower) loadOrganizations(ctx context.Context) error {
	list, err := f.store.Organizations(ctx)
	if err != nil {
		return fmt.Errorf("feed: load organisations: %w", err)
	}
	m := make(map[string]aidmap.Organization, len(list))
	for _, o := range list {
		m[o.ID] = o
	}
	f.orgs.Store(&m)
	return nil
}

// Notify asks the follower to sync now, e.g. after a write in this process. It never blocks.
func (f *Follower) Notify() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// listener is a store that can wake the follower as soon as another process commits a change
// (PostGIS: LISTEN/NOTIFY). Listen runs until ctx ends, reconnecting on its own.
type listener interface {
	Listen(ctx context.Context, wake func()) error
}

// Run syncs until ctx is done: on every Notify, on every change notification of a store that
// has them, and at least every interval (so a missed notification only delays). Errors (a store
// that went away) are logged once per outage and retried; the last index keeps serving.
func (f *Follower) Run(ctx context.Context) {
	if l, ok := f.store.(listener); ok {
		go func() {
			if err := l.Listen(ctx, f.Notify); err != nil && !errors.Is(err, context.Canceled) {
				f.logger.Warn("change notifications stopped; polling only", "err", err)
			}
		}()
	}
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.wake:
		}
		var err error
		if !f.loaded.Load() || (f.hideAfter > 0 && f.sinceLoad() > hideRecheck) {
			err = f.Load(ctx)
		} else {
			var n int
			n, err = f.Sync(ctx)
			if n > 0 {
				f.logger.Info("index updated", "changes", n, "version", f.live.Load().Version())
			}
		}
		switch {
		case err != nil && errors.Is(err, context.Canceled):
			return
		case err != nil && f.healthy.Swap(false):
			f.logger.Warn("store unreachable; serving the last index", "err", err)
		case err == nil && !f.healthy.Swap(true):
			f.logger.Info("store reachable again")
		}
	}
}

// Index returns the current index snapshot.
func (f *Follower) Index() *geo.Index { return f.live.Load() }

// Organization returns a known organisation.
func (f *Follower) Organization(id string) (aidmap.Organization, bool) {
	o, ok := (*f.orgs.Load())[id]
	return o, ok
}

// Demo reports whether any organisation with indexed sites is a demo organisation.
func (f *Follower) Demo() bool {
	if f.live.Load().Len() == 0 {
		return false
	}
	for _, o := range *f.orgs.Load() {
		if o.Demo {
			return true
		}
	}
	return false
}

// Loaded reports whether Load has succeeded.
func (f *Follower) Loaded() bool { return f.loaded.Load() }

// StoredID returns the stored ID of the site published under id: the same ID for a public
// site, the stored one for a confidential site (whose public ID is a keyed hash of it,
// aidmap.Publisher.PublicID). It is for writes that come from the public about a listing
// (reports), never to be published.
func (f *Follower) StoredID(id string) (string, bool) {
	f.storedMu.RLock()
	stored, ok := f.stored[id]
	f.storedMu.RUnlock()
	if ok {
		return stored, true
	}
	if s, ok := f.Index().Site(id); ok && !s.Confidential {
		return id, true
	}
	return "", false
}

// noteStored keeps StoredID's map in step with a changed site.
func (f *Follower) noteStored(s *aidmap.Site) {
	if f.pub == nil {
		return
	}
	pub := f.pub.PublicID(s.ID, true)
	f.storedMu.Lock()
	defer f.storedMu.Unlock()
	if f.stored == nil {
		f.stored = map[string]string{}
	}
	if s.Confidential && s.Visible() {
		f.stored[pub] = s.ID
	} else {
		delete(f.stored, pub)
	}
}

// sinceLoad is how long ago Load last ran.
func (f *Follower) sinceLoad() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Since(f.loadedAt)
}

// public returns the form of s the index may hold: a hidden site in a form it drops.
func (f *Follower) public(s *aidmap.Site) aidmap.Site {
	if f.hideAfter > 0 && s.Visible() && f.now().Sub(s.CheckedAt()) > f.hideAfter {
		return aidmap.Site{ID: f.publicID(s), Status: aidmap.StatusRetired}
	}
	if f.pub == nil {
		return *s // a confidential site in this form is refused by the index
	}
	return f.pub.Public(s)
}

// publicID is the ID s is published under.
func (f *Follower) publicID(s *aidmap.Site) string {
	if s.Confidential && f.pub != nil {
		return f.pub.PublicID(s.ID, true)
	}
	return s.ID
}
