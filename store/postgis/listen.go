package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// listenRetry is how long Listen waits before reconnecting after losing its connection
// (pgxlisten waits a minute; a follower should catch up within about a second).
const listenRetry = time.Second

// listenIdle is how long Listen waits for a notification before pinging the server, so a
// connection that died silently (a network cut without a reset) is noticed.
const listenIdle = 30 * time.Second

// Listen calls wake whenever another connection commits a write to this store, until ctx
// ends; it then returns ctx.Err(). It holds a dedicated connection (not one of the pool)
// doing LISTEN on the store's channel. When that connection is lost it reconnects on its own
// about a second later, retrying every second while the database is down.
//
// wake is also called each time listening (re)starts, since notifications sent while no
// connection was listening are lost. Notifications are only a wake-up: the caller must then
// read ChangesSince from the version it has, so calls may be spurious or duplicated and a
// missed one only delays. wake is called from Listen's goroutine and should not block for
// long.
func (s *Store) Listen(ctx context.Context, wake func()) error {
	lost := false // whether the last attempt failed, to log a streak of failures once
	for {
		err := s.listen(ctx, wake, func() {
			if lost {
				s.opts.logger.Info("postgis: listening for changes again", "channel", s.channel)
				lost = false
			}
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !lost {
			s.opts.logger.Warn("postgis: lost the connection listening for changes; reconnecting",
				"channel", s.channel, "err", err, "retry", listenRetry)
			lost = true
		} else {
			s.opts.logger.Debug("postgis: listen: reconnect failed", "channel", s.channel, "err", err)
		}
		t := time.NewTimer(listenRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// listen connects, listens and waits for notifications until the connection fails or ctx
// ends. It calls ready once listening.
func (s *Store) listen(ctx context.Context, wake, ready func()) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = truncate("aidmap listen "+s.opts.schema, 63)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	ready()
	wake()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, s.listenIdle)
		_, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			wake()
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || waitCtx.Err() != nil:
			// Idle: make sure the connection is still alive.
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}
