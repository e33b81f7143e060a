package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/web"
)

// freshFlags are serve's freshness policy: when a listing nobody checked is marked stale, and
// when it leaves the public outputs.
type freshFlags struct {
	staleAfter, hideAfter *string
	// Live availability and "reported as possibly closed" (capacity.go in web).
	capacityTTL, closedWindow *string
	closedThreshold           *int
	live                      *web.Freshness // what policy read of them
	// How long the capacity log (who tapped what when) is kept: 0 for ever.
	capacityLogKeep *string
	logKeep         *time.Duration // what policy read of it
	// The proof of work a public report must carry (pow.go in web).
	powBits *int
}

func addFreshFlags(fs *flagSet) freshFlags {
	return freshFlags{
		staleAfter:      fs.String("stale-after", "180d", "mark a site stale (\"not checked since\") once it has gone this long without being verified or updated: days (180d), a Go duration (4320h), or 0 for never"),
		hideAfter:       fs.String("hide-after", "0", "take a site off the public map, API and exports once it has gone this long unchecked (its organisation still sees it): days (365d), a Go duration, or 0 for never"),
		capacityTTL:     fs.String("capacity-ttl", "12h", "show a site's live availability (\"3 beds available\") this long after it was set, then no more: a Go duration (12h), days (1d), or 0 to publish none"),
		closedThreshold: fs.Int("closed-report-threshold", 3, "mark a site \"reported as possibly closed\" once this many distinct people reported it closed (within --closed-report-window, since it was last verified, reports not yet handled); 0 turns the mark off and keeps nothing about who reported"),
		closedWindow:    fs.String("closed-report-window", "7d", "how recent the \"closed\" reports counted by --closed-report-threshold must be: days (7d) or a Go duration"),
		live:            &web.Freshness{},
		capacityLogKeep: fs.String("capacity-log-keep", "30d", "keep the capacity log (who set which live availability when, for the organisation's audit) this long, pruned in the background: days (30d), a Go duration, or 0 to keep it for ever; sites' current availability is never pruned"),
		logKeep:         new(time.Duration),
		powBits:         fs.Int("report-pow-bits", defaultPoWBits, "leading zero bits of the proof of work a \"report a problem\" must carry (SHA-256, solved by the map page: about 2^N hashes, each bit doubles the work); 0 asks for none"),
	}
}

// freshness returns the web's policy: stale, hide (from policy) and the live data's.
func (f freshFlags) freshness(stale, hide time.Duration) web.Freshness {
	p := *f.live
	p.StaleAfter, p.HideAfter = stale, hide
	return p
}

// defaultPoWBits is serve's --report-pow-bits: 2^16 SHA-256 hashes on average, about a second
// on a cheap phone's browser (BENCHMARKS.md), solved while the person fills in the form.
const defaultPoWBits = 16

// reports returns the web's "report a problem" settings over the store rs, keyed from the
// deployment key (pub) so every replica counts reporters alike and takes every replica's
// challenges.
func (f freshFlags) reports(rs store.Reports, pub *aidmap.Publisher) web.Reports {
	return web.Reports{Store: rs, ReporterKey: reporterKey(pub), PoWBits: *f.powBits, PoWKey: pub.Key("report proof of work")}
}

// reporterKey is the key of the hashes that tell "closed" report senders apart: derived from
// the deployment key, so every replica counts one person once.
func reporterKey(pub *aidmap.Publisher) []byte { return pub.Key("report senders") }

// policy reads the flags.
func (f freshFlags) policy() (stale, hide time.Duration, err error) {
	if stale, err = parseAge(*f.staleAfter); err != nil {
		return 0, 0, errors.New("--stale-after " + strconv.Quote(*f.staleAfter) + ": " + err.Error())
	}
	if hide, err = parseAge(*f.hideAfter); err != nil {
		return 0, 0, errors.New("--hide-after " + strconv.Quote(*f.hideAfter) + ": " + err.Error())
	}
	if hide > 0 && stale > 0 && hide <= stale {
		return 0, 0, errors.New("--hide-after must be longer than --stale-after, so a listing is marked stale before it is hidden")
	}
	ttl, err := parseAge(*f.capacityTTL)
	if err != nil {
		return 0, 0, errors.New("--capacity-ttl " + strconv.Quote(*f.capacityTTL) + ": " + err.Error())
	}
	window, err := parseAge(*f.closedWindow)
	if err != nil || window == 0 {
		return 0, 0, errors.New("--closed-report-window " + strconv.Quote(*f.closedWindow) + ": want days (7d) or a duration (168h)")
	}
	if n := *f.closedThreshold; n < 0 || n > aidmap.MaxClosedReports {
		return 0, 0, fmt.Errorf("--closed-report-threshold %d: want 0 (off) to %d", n, aidmap.MaxClosedReports)
	}
	if n := *f.powBits; n < 0 || n > 32 {
		return 0, 0, fmt.Errorf("--report-pow-bits %d: want 0 (none) to 32 (16 takes a cheap phone about a second)", n)
	}
	keep, err := parseAge(*f.capacityLogKeep)
	if err != nil {
		return 0, 0, errors.New("--capacity-log-keep " + strconv.Quote(*f.capacityLogKeep) + ": " + err.Error())
	}
	if keep > 0 && keep < time.Hour {
		return 0, 0, errors.New("--capacity-log-keep " + strconv.Quote(*f.capacityLogKeep) + ": want at least 1h, or 0 to keep it for ever")
	}
	*f.logKeep = keep
	f.live.CapacityTTL, f.live.ClosedThreshold, f.live.ClosedWindow = ttl, *f.closedThreshold, window
	return stale, hide, nil
}

// pruneEvery is how often serve prunes the capacity log: the retention is counted in days, so
// hourly keeps it within an hour of the setting at the cost of one small scan.
const pruneEvery = time.Hour

// pruneCapacityLog deletes the capacity log's entries older than keep at once and then every
// interval, until ctx ends, the way uploads sweep abandoned ones: every replica does it, which
// is safe (the store deletes in batches, a second replica finds nothing left) and needs no
// leader. keep 0 keeps the log for ever and returns at once.
func pruneCapacityLog(ctx context.Context, cs store.Capacities, keep, interval time.Duration, now func() time.Time, logger *slog.Logger) {
	if keep <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := cs.PruneCapacityLog(ctx, now().Add(-keep)); err != nil && ctx.Err() == nil {
			logger.Warn("capacity log: prune old entries", "err", err)
		} else if n > 0 {
			logger.Info("capacity log entries older than --capacity-log-keep deleted", "entries", n, "keep", keep)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// parseAge reads an age: whole days ("180d"), a Go duration ("4320h"), or 0 (never).
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "0" || s == "never" || s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 36600 {
			return 0, errors.New("want a number of days such as 180d, or 0 for never")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("want days (180d), a duration (4320h) or 0 for never")
	}
	return d, nil
}
