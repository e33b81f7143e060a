package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.SMSState = (*Store)(nil)

// HitSMS counts one event under key in its current window (store.SMSState). The one writer
// connection makes the upsert atomic.
func (s *Store) HitSMS(ctx context.Context, key []byte, now time.Time, window time.Duration) (int, error) {
	if err := store.CheckSMS(key, nil); err != nil {
		return 0, fmt.Errorf("sqlite: hit sms: %w", err)
	}
	if window <= 0 {
		return 0, fmt.Errorf("sqlite: hit sms: window %v: %w", window, aidmap.ErrInvalid)
	}
	at, end := now.UnixMicro(), now.Add(window).UnixMicro()
	var n int
	err := s.db.QueryRowContext(ctx, `INSERT INTO sms_state (key, hits, window_end, expires) VALUES (?1, 1, ?2, ?2)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN sms_state.window_end > ?3 THEN sms_state.hits + 1 ELSE 1 END,
			window_end = CASE WHEN sms_state.window_end > ?3 THEN sms_state.window_end ELSE ?2 END,
			expires = max(sms_state.expires, ?2)
		RETURNING hits`, key, end, at).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: hit sms: %w", unavailable(ctx, err))
	}
	return n, nil
}

// PutSMSSession stores a number's last search (store.SMSState).
func (s *Store) PutSMSSession(ctx context.Context, key, data []byte, expires time.Time) error {
	if err := store.CheckSMS(key, data); err != nil {
		return fmt.Errorf("sqlite: put sms session: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sms_state (key, session, session_expires, expires) VALUES (?1, ?2, ?3, ?3)
		ON CONFLICT (key) DO UPDATE SET session = ?2, session_expires = ?3, expires = max(sms_state.expires, ?3)`,
		key, data, expires.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlite: put sms session: %w", unavailable(ctx, err))
	}
	return nil
}
