package store

import (
	"context"
	"fmt"
	"time"
)

// The geocode cache (Gazetteer's GeocodeCache and PutGeocodeCache) is one table both engines
// keep alike. Keys are stored as bytes (bytea, BLOB), so any bytes, NUL included, compare
// exactly.

// GeocodeCache returns the cached value for key, or an error wrapping aidmap.ErrNotFound.
func (q Queries) GeocodeCache(ctx context.Context, key string) ([]byte, error) {
	var value []byte
	if err := q.reader.QueryRow(ctx, `SELECT value FROM geocode_cache WHERE key = $1`, []byte(key)).Scan(&value); err != nil {
		return nil, q.fail(fmt.Errorf("geocode cache: %w", err))
	}
	if value == nil {
		value = []byte{}
	}
	return value, nil
}

// PutGeocodeCache stores value under key, replacing any previous value.
func (q Queries) PutGeocodeCache(ctx context.Context, key string, value []byte) error {
	if err := CheckGeocodeCache(key, value); err != nil {
		return q.fail(fmt.Errorf("put geocode cache: %w", err))
	}
	if value == nil {
		value = []byte{} // NOT NULL: nil would be stored as NULL
	}
	_, err := q.writer.Exec(ctx, `
		INSERT INTO geocode_cache (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		[]byte(key), value, time.Now())
	if err != nil {
		return q.fail(fmt.Errorf("put geocode cache: %w", err))
	}
	return nil
}
