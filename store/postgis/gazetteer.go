package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Gazetteer = (*Store)(nil)

// lockGazetteer is the first advisory lock key of gazetteer imports (the second is lockKey):
// one import at a time per store, so two imports of the same source cannot both delete the
// old blocks and both insert theirs.
const lockGazetteer int32 = 0x61696403

// GazetteerChannel is the NOTIFY channel on which every committed ReplaceAddressPoints
// announces the new gazetteer version (the payload, in decimal), so a server that LISTENs can
// reload at once instead of at its next poll of GazetteerVersion. A store in a schema (see
// WithSchema) uses GazetteerChannel + "_" + schema, cut to 63 bytes. Like the site feed's
// notifications, they are only a wake-up: a missed one merely waits for the next poll.
const GazetteerChannel = "aidmap_gazetteer"

func (s *Store) gazetteerChannel() string {
	if s.opts.schema == "" {
		return GazetteerChannel
	}
	return truncate(GazetteerChannel+"_"+s.opts.schema, 63)
}

// ReplaceAddressPoints replaces the points of source in one transaction: it deletes the old
// blocks and COPYs the new ones straight into address_blocks as next yields them (readers keep
// seeing the old ones until the commit), then advances the gazetteer version. It holds the
// gazetteer lock throughout, so concurrent imports wait for each other; site writes and
// readers never wait for it.
func (s *Store) ReplaceAddressPoints(ctx context.Context, source string, next func() ([]aidmap.AddressPoint, error)) (int, int64, error) {
	if err := store.CheckSource(source); err != nil {
		return 0, 0, fmt.Errorf("postgis: replace address points: %w", err)
	}
	n, v, err := s.replaceAddressPoints(ctx, source, next)
	if err != nil {
		return 0, 0, fmt.Errorf("postgis: replace address points %q: %w", source, unavailable(ctx, err))
	}
	return n, v, nil
}

func (s *Store) replaceAddressPoints(ctx context.Context, source string, next func() ([]aidmap.AddressPoint, error)) (int, int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockGazetteer, s.lockKey); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM address_blocks WHERE source = $1`, source); err != nil {
		return 0, 0, err
	}
	src := &blockSource{ctx: ctx, source: source, blocks: store.NewAddressBlocks(next)}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"address_blocks"}, []string{"source", "seq", "points", "data"}, src)
	if src.err != nil {
		// pgx reports a failed source as the server's "COPY from stdin failed": the cause
		// (next's error, an invalid point, ctx) is the one to return.
		return 0, 0, src.err
	}
	if err != nil {
		return 0, 0, err
	}
	// A cancellation that came after the last block still undoes the import.
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	var v int64
	if err := tx.QueryRow(ctx, `UPDATE gazetteer_version SET version = version + 1 RETURNING version`).Scan(&v); err != nil {
		return 0, 0, err
	}
	// Delivered at commit, and only if it commits.
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.gazetteerChannel(), strconv.FormatInt(v, 10)); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, err
	}
	return src.blocks.Points(), v, nil
}

// blockSource feeds encoded blocks to CopyFrom (which calls it from a goroutine of its own,
// one call at a time).
type blockSource struct {
	ctx    context.Context
	source string
	blocks *store.AddressBlocks
	seq    int32
	data   []byte // the current block; its buffer is reused: CopyFrom encodes a row before the next Next
	points int
	vals   [4]any
	err    error
}

func (b *blockSource) Next() bool {
	if b.err != nil {
		return false
	}
	if b.data != nil {
		b.seq++
	}
	var err error
	b.data, b.points, err = b.blocks.Next(b.ctx, b.data[:0])
	if errors.Is(err, io.EOF) {
		return false
	}
	if err != nil {
		b.err = err
		return false
	}
	return true
}

func (b *blockSource) Values() ([]any, error) {
	b.vals = [4]any{b.source, b.seq, int32(b.points), b.data}
	return b.vals[:], nil
}

func (b *blockSource) Err() error { return b.err }

// eachBlockFetch is how many blocks (of up to store.AddressBlockPoints points, about 30 KB)
// EachAddressPoint fetches from its cursor at a time.
const eachBlockFetch = 32

// EachAddressPoint streams every point through a server-side cursor inside one REPEATABLE
// READ, read-only transaction, so the points and the returned version are one consistent
// snapshot however long fn takes, and stopping early costs nothing. fn is called from the
// calling goroutine.
func (s *Store) EachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (int64, error) {
	v, err := s.eachAddressPoint(ctx, fn)
	if err != nil {
		return 0, fmt.Errorf("postgis: each address point: %w", err)
	}
	return v, nil
}

func (s *Store) eachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (int64, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, unavailable(ctx, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// The first query fixes the snapshot the cursor reads.
	var v int64
	if err := tx.QueryRow(ctx, sqlGazetteerVersion).Scan(&v); err != nil {
		return 0, unavailable(ctx, err)
	}
	if _, err := tx.Exec(ctx, `DECLARE each_block NO SCROLL CURSOR FOR SELECT source, seq, data FROM address_blocks ORDER BY source, seq`); err != nil {
		return 0, unavailable(ctx, err)
	}
	fetch := `FETCH ` + strconv.Itoa(eachBlockFetch) + ` FROM each_block`
	points := make([]aidmap.AddressPoint, 0, store.AddressBlockPoints)
	for {
		rows, err := tx.Query(ctx, fetch)
		if err != nil {
			return 0, unavailable(ctx, err)
		}
		n := 0
		for rows.Next() {
			n++
			var (
				source string
				seq    int32
				data   []byte
			)
			if rows.FieldDescriptions()[2].Format == pgx.BinaryFormatCode {
				// Not copied: the decoder copies what it keeps.
				if err := rows.Scan(&source, &seq, nil); err != nil {
					rows.Close()
					return 0, unavailable(ctx, err)
				}
				data = rows.RawValues()[2]
			} else if err := rows.Scan(&source, &seq, &data); err != nil { // hex text: let pgx decode it
				rows.Close()
				return 0, unavailable(ctx, err)
			}
			if points, err = store.DecodeAddressBlock(points[:0], data); err != nil {
				rows.Close()
				return 0, fmt.Errorf("source %q block %d: %w", source, seq, err)
			}
			for i := range points {
				if err := fn(points[i]); err != nil {
					rows.Close()
					return 0, err
				}
			}
			if err := ctx.Err(); err != nil {
				rows.Close()
				return 0, err
			}
		}
		if err := rows.Err(); err != nil {
			return 0, unavailable(ctx, err)
		}
		if n < eachBlockFetch {
			return v, nil
		}
	}
}

const sqlGazetteerVersion = `SELECT version FROM gazetteer_version`

// GazetteerVersion returns the version of the latest import, 0 before the first.
func (s *Store) GazetteerVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, sqlGazetteerVersion).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgis: gazetteer version: %w", unavailable(ctx, err))
	}
	return v, nil
}
