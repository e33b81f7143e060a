package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/aidmap/aidmap"
)

// A dump is a store's whole content as NDJSON: a header line, then one line per organisation,
// then one line per site (retired ones included, with their exact, even confidential,
// coordinates). It moves data between stores, such as from the embedded SQLite store to
// PostGIS, without losing anything. Keep dumps as private as the database itself.

// DumpFormat names the dump format in its header line.
const DumpFormat = "aidmap-dump"

// dumpVersion is the version of the dump format; Import refuses newer ones.
const dumpVersion = 1

// maxDumpLine bounds one line of a dump (one site), so a corrupt file cannot exhaust memory.
const maxDumpLine = 4 << 20

type dumpLine struct {
	Type         string               `json:"type"`
	Format       string               `json:"format,omitempty"`
	Version      int                  `json:"version,omitempty"`
	ExportedAt   *time.Time           `json:"exported_at,omitempty"`
	StoreVersion int64                `json:"store_version,omitempty"`
	Organization *aidmap.Organization `json:"organization,omitempty"`
	Site         *aidmap.Site         `json:"site,omitempty"`
	// DeploymentKey (header) is the store's secret key, so an import keeps confidential
	// sites' public IDs and pins in the new store (Store.DeploymentKey).
	DeploymentKey []byte `json:"deployment_key,omitempty"`
}

// DumpStats counts what an export wrote or an import read.
type DumpStats struct {
	Organizations int
	Sites         int
}

// Export writes every organisation and site of st to w as a dump.
func Export(ctx context.Context, st Store, w io.Writer) (DumpStats, error) {
	var stats DumpStats
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	orgs, err := st.Organizations(ctx)
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	version, err := st.Version(ctx)
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	key, err := st.DeploymentKey(ctx)
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	now := time.Now().UTC()
	if err := enc.Encode(dumpLine{Type: "header", Format: DumpFormat, Version: dumpVersion, ExportedAt: &now, StoreVersion: version, DeploymentKey: key}); err != nil {
		return stats, fmt.Errorf("export: write: %w", err)
	}
	for i := range orgs {
		if err := enc.Encode(dumpLine{Type: "organization", Organization: &orgs[i]}); err != nil {
			return stats, fmt.Errorf("export: write: %w", err)
		}
		stats.Organizations++
	}
	_, err = st.EachSite(ctx, func(s aidmap.Site) error {
		if err := enc.Encode(dumpLine{Type: "site", Site: &s}); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		stats.Sites++
		return nil
	})
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return stats, fmt.Errorf("export: write: %w", err)
	}
	return stats, nil
}

// importBatch is how many sites of one organisation Import writes per transaction: large
// batches amortise the bulk write's fixed costs (PostGIS copies each batch into a staging
// table and merges it with one statement).
const importBatch = 100_000

// importItem is one write for Import's writer: an organisation, or a batch of sites.
type importItem struct {
	line  int // the dump line that completed the item, for errors
	org   *aidmap.Organization
	key   []byte // the dump's deployment key
	orgID string
	sites []aidmap.Site
}

// Import reads a dump from r into st: organisations first, then sites in batches per
// organisation. It is idempotent: importing the same dump twice changes nothing the second time.
// A malformed line stops the import with an error naming the line; batches already written
// stay (each is all-or-nothing), so fix the file and import again.
//
// Reading and decoding run on their own goroutine, one batch ahead of the writes, so the
// database and the decoder work at the same time.
func Import(ctx context.Context, st Store, r io.Reader) (DumpStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	items := make(chan importItem, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(items)
		readErr <- readDump(ctx, r, items)
	}()

	var stats DumpStats
	var writeErr error
	for it := range items {
		if writeErr != nil {
			continue // drain, so the reader can finish
		}
		switch {
		case it.key != nil:
			if err := st.SetDeploymentKey(ctx, it.key); err != nil {
				writeErr = fmt.Errorf("import: line 1: %w", err)
				cancel()
			}
		case it.org != nil:
			if err := st.UpsertOrganization(ctx, *it.org); err != nil {
				writeErr = fmt.Errorf("import: line %d: organisation %q: %w", it.line, it.org.ID, err)
				cancel()
				continue
			}
			stats.Organizations++
		default:
			if _, err := st.UpsertSites(ctx, it.orgID, it.sites); err != nil {
				writeErr = fmt.Errorf("import: sites of %q up to line %d: %w", it.orgID, it.line, err)
				cancel()
				continue
			}
			if err := importCapacity(ctx, st, it.orgID, it.sites); err != nil {
				writeErr = fmt.Errorf("import: capacity of %q up to line %d: %w", it.orgID, it.line, err)
				cancel()
				continue
			}
			stats.Sites += len(it.sites)
		}
	}
	if writeErr != nil {
		return stats, writeErr
	}
	return stats, <-readErr
}

// importCapacity carries the sites' live capacity (aidmap.Site.Capacity, which Export writes
// with each site) into st, which UpsertSites leaves alone. It is the organisation's public data,
// bounded (aidmap.MaxCapacityUnits a site), and a restore that dropped it would show a shelter's
// "3 beds" gone until the next tap; the serving deployment's --capacity-ttl still decides
// whether it is shown, from its own time. A unit the store already has as in the dump, or
// updated later than the dump's, is left alone (so a second import changes nothing and a restore
// never undoes a newer tap); a unit the store has and the dump lacks stays, as sites do. Each
// write is logged in the capacity log by "import". Closed-report markers are not carried: they
// are derived from the reports, which a dump does not hold.
func importCapacity(ctx context.Context, st Store, orgID string, sites []aidmap.Site) error {
	cs, ok := st.(Capacities)
	if !ok {
		return nil
	}
	for i := range sites {
		s := &sites[i]
		if len(s.Capacity) == 0 {
			continue
		}
		cur, err := st.Site(ctx, s.ID)
		if err != nil {
			return fmt.Errorf("site %s: %w", s.ID, err)
		}
		for _, c := range s.Capacity {
			if slices.ContainsFunc(cur.Capacity, func(e aidmap.Capacity) bool {
				return e.Unit == c.Unit && (e.Updated.After(c.Updated) || e.Updated.Equal(c.Updated) && e.Available == c.Available && e.Maximum == c.Maximum)
			}) {
				continue
			}
			if _, err := cs.SetCapacity(ctx, orgID, s.ID, c, aidmap.VerifiedByImport); err != nil {
				return fmt.Errorf("site %s: %w", s.ID, err)
			}
		}
	}
	return nil
}

// readDump decodes a dump and sends organisations and full batches of sites to items, in
// file order for organisations and per organisation for sites.
func readDump(ctx context.Context, r io.Reader, items chan<- importItem) error {
	send := func(it importItem) error {
		select {
		case items <- it:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), maxDumpLine)
	pending := map[string][]aidmap.Site{}
	var order []string // organisations in the order their first site appeared
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l dumpLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("import: line %d: not a dump line: %v: %w", line, err, aidmap.ErrInvalid)
		}
		switch {
		case line == 1 && (l.Type != "header" || l.Format != DumpFormat):
			return fmt.Errorf("import: line 1: not an aidmap dump (no %q header): %w", DumpFormat, aidmap.ErrInvalid)
		case l.Type == "header":
			if line != 1 {
				return fmt.Errorf("import: line %d: a second header: %w", line, aidmap.ErrInvalid)
			}
			if l.Version > dumpVersion {
				return fmt.Errorf("import: dump format version %d is newer than this aidmap understands (%d); upgrade aidmap: %w", l.Version, dumpVersion, aidmap.ErrInvalid)
			}
			if l.DeploymentKey != nil {
				if err := send(importItem{line: line, key: l.DeploymentKey}); err != nil {
					return err
				}
			}
		case l.Type == "organization" && l.Organization != nil:
			if err := send(importItem{line: line, org: l.Organization}); err != nil {
				return err
			}
		case l.Type == "site" && l.Site != nil:
			org := l.Site.OrganizationID
			if _, ok := pending[org]; !ok {
				order = append(order, org)
			}
			pending[org] = append(pending[org], *l.Site)
			if len(pending[org]) >= importBatch {
				if err := send(importItem{line: line, orgID: org, sites: pending[org]}); err != nil {
					return err
				}
				pending[org] = make([]aidmap.Site, 0, importBatch)
			}
		default:
			return fmt.Errorf("import: line %d: unknown line type %q: %w", line, l.Type, aidmap.ErrInvalid)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("import: line %d is longer than %d bytes: %w", line+1, maxDumpLine, aidmap.ErrInvalid)
		}
		return fmt.Errorf("import: read: %w", err)
	}
	if line == 0 {
		return fmt.Errorf("import: the file is empty: %w", aidmap.ErrInvalid)
	}
	for _, org := range order {
		if len(pending[org]) > 0 {
			if err := send(importItem{line: line, orgID: org, sites: pending[org]}); err != nil {
				return err
			}
		}
	}
	return nil
}
