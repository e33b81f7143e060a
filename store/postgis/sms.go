package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.SMSState = (*Store)(nil)

// HitSMS counts one event under key in its current window (store.SMSState). INSERT … ON
// CONFLICT DO UPDATE takes the row's lock, so hits from every replica are counted.
func (s *Store) HitSMS(ctx context.Context, key []byte, now time.Time, window time.Duration) (int, error) {
	if err := store.CheckSMS(key, nil); err != nil {
		return 0, fmt.Errorf("postgis: hit sms: %w", err)
	}
	if window <= 0 {
		return 0, fmt.Errorf("postgis: hit sms: window %v: %w", window, aidmap.ErrInvalid)
	}
	var n int
	err := s.pool.QueryRow(ctx, `INSERT INTO sms_state AS s (key, hits, window_end, expires) VALUES ($1, 1, $2, $2)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN s.window_end > $3 THEN s.hits + 1 ELSE 1 END,
			window_end = CASE WHEN s.window_end > $3 THEN s.window_end ELSE $2 END,
			expires = greatest(s.expires, $2)
		RETURNING hits`, key, now.Add(window), now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgis: hit sms: %w", unavailable(ctx, err))
	}
	return n, nil
}

// PutSMSSession stores a number's last search (store.SMSState).
func (s *Store) PutSMSSession(ctx context.Context, key, data []byte, expires time.Time) error {
	if err := store.CheckSMS(key, data); err != nil {
		return fmt.Errorf("postgis: put sms session: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sms_state AS s (key, session, session_expires, expires) VALUES ($1, $2, $3, $3)
		ON CONFLICT (key) DO UPDATE SET session = $2, session_expires = $3, expires = greatest(s.expires, $3)`,
		key, data, expires)
	if err != nil {
		return fmt.Errorf("postgis: put sms session: %w", unavailable(ctx, err))
	}
	return nil
}

// SMSSession returns a number's last search unless it expired (store.SMSState).
func (s *Store) SMSSession(ctx context.Context, key []byte, now time.Time) ([]byte, error) {
	if err := store.CheckSMS(key, nil); err != nil {
		return nil, fmt.Errorf("postgis: sms session: %w", err)
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT session FROM sms_state WHERE key = $1 AND session IS NOT NULL AND session_expires > $2`,
		key, now).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgis: sms session: %w", aidmap.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgis: sms session: %w", unavailable(ctx, err))
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// SweepSMS deletes the expired rows (store.SMSState).
func (s *Store) SweepSMS(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sms_state WHERE expires <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgis: sweep sms: %w", unavailable(ctx, err))
	}
	return tag.RowsAffected(), nil
}
