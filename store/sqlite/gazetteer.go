package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Gazetteer = (*Store)(nil)

// gazetteerBuffer is how many bytes of encoded blocks ReplaceAddressPoints keeps in memory
// before it takes the write lock. SQLite has one writer per database: while an import holds
// the lock, `aidmap serve` in another process cannot write sites and gives up after
// busyTimeout. Encoding first (about 30 bytes a point, so 64 MiB is about two million points)
// and writing at the end holds the lock for the writes alone, not for the reading and parsing
// of the input file behind next. A larger import takes the lock once the buffer is full and
// streams the rest, so memory stays bounded. A variable so tests can exercise both paths.
var gazetteerBuffer = 64 << 20

const sqlGazetteerVersion = `SELECT value FROM meta WHERE key = 'gazetteer_version'`

// ReplaceAddressPoints replaces the points of source in one transaction; see store.Gazetteer
// and gazetteerBuffer.
func (s *Store) ReplaceAddressPoints(ctx context.Context, source string, next func() ([]aidmap.AddressPoint, error)) (int, int64, error) {
	if err := store.CheckSource(source); err != nil {
		return 0, 0, fmt.Errorf("sqlite: replace address points: %w", err)
	}
	n, v, err := s.replaceAddressPoints(ctx, source, next)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: replace address points %q: %w", source, unavailable(ctx, err))
	}
	return n, v, nil
}

type addressBlock struct {
	data   []byte
	points int
}

func (s *Store) replaceAddressPoints(ctx context.Context, source string, next func() ([]aidmap.AddressPoint, error)) (int, int64, error) {
	blocks := store.NewAddressBlocks(next)
	var (
		buffered []addressBlock
		size     int
		tx       *sql.Tx
		insert   *sql.Stmt
		seq      int64
	)
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	write := func(b addressBlock) error {
		_, err := insert.ExecContext(ctx, source, seq, b.points, b.data)
		seq++
		return err
	}
	// begin takes the write lock, removes the source's old points and writes what is buffered.
	begin := func() error {
		var err error
		if tx, err = s.db.BeginTx(ctx, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM address_blocks WHERE source = ?`, source); err != nil {
			return err
		}
		if insert, err = tx.PrepareContext(ctx, `INSERT INTO address_blocks (source, seq, points, data) VALUES (?, ?, ?, ?)`); err != nil {
			return err
		}
		for _, b := range buffered {
			if err := write(b); err != nil {
				return err
			}
		}
		buffered = nil
		return nil
	}

	var buf []byte // reused once blocks are written as they come
	for {
		data, points, err := blocks.Next(ctx, buf[:0])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		if tx != nil {
			if err := write(addressBlock{data, points}); err != nil {
				return 0, 0, err
			}
			buf = data
			continue
		}
		buffered = append(buffered, addressBlock{data, points})
		if size += len(data); size > gazetteerBuffer {
			if err := begin(); err != nil {
				return 0, 0, err
			}
		}
	}
	if tx == nil {
		if err := begin(); err != nil {
			return 0, 0, err
		}
	}
	// A cancellation that came after the last block still undoes the import.
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	var v int64
	err := tx.QueryRowContext(ctx, `UPDATE meta SET value = value + 1 WHERE key = 'gazetteer_version' RETURNING value`).Scan(&v)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	tx = nil
	return blocks.Points(), v, nil
}

// EachAddressPoint streams every point from one read transaction, so the points and the
// returned version are one consistent snapshot (WAL lets an import go on meanwhile). fn is
// called from the calling goroutine.
func (s *Store) EachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (int64, error) {
	v, err := s.eachAddressPoint(ctx, fn)
	if err != nil {
		return 0, fmt.Errorf("sqlite: each address point: %w", err)
	}
	return v, nil
}

func (s *Store) eachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (int64, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, unavailable(ctx, err)
	}
	defer tx.Rollback()
	// The first read fixes the snapshot the rows below come from.
	var v int64
	if err := tx.QueryRowContext(ctx, sqlGazetteerVersion).Scan(&v); err != nil {
		return 0, unavailable(ctx, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT source, seq, data FROM address_blocks ORDER BY source, seq`)
	if err != nil {
		return 0, unavailable(ctx, err)
	}
	defer rows.Close()
	var (
		source string
		seq    int64
		data   sql.RawBytes // not copied: the decoder copies what it keeps
		points = make([]aidmap.AddressPoint, 0, store.AddressBlockPoints)
	)
	for rows.Next() {
		if err := rows.Scan(&source, &seq, &data); err != nil {
			return 0, err
		}
		if points, err = store.DecodeAddressBlock(points[:0], data); err != nil {
			return 0, fmt.Errorf("source %q block %d: %w", source, seq, err)
		}
		for i := range points {
			if err := fn(points[i]); err != nil {
				return 0, err
			}
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, unavailable(ctx, err)
	}
	return v, nil
}

// GazetteerVersion returns the version of the latest import, 0 before the first.
func (s *Store) GazetteerVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.rdb.QueryRowContext(ctx, sqlGazetteerVersion).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: gazetteer version: %w", unavailable(ctx, err))
	}
	return v, nil
}
