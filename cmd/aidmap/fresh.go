package main

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// freshFlags are serve's freshness policy: when a listing nobody checked is marked stale, and
// when it leaves the public outputs.
type freshFlags struct {
	staleAfter, hideAfter *string
}

func addFreshFlags(fs *flagSet) freshFlags {
	return freshFlags{
		staleAfter: fs.String("stale-after", "180d", "mark a site stale (\"not checked since\") once it has gone this long without being verified or updated: days (180d), a Go duration (4320h), or 0 for never"),
		hideAfter:  fs.String("hide-after", "0", "take a site off the public map, API and exports once it has gone this long unchecked (its organisation still sees it): days (365d), a Go duration, or 0 for never"),
	}
}

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
	return stale, hide, nil
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
