package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/web"
)

// slugPattern is what an organisation ID may be: it appears in URLs
// (/api/v1/orgs/{org}/uploads), so lower-case letters, digits and inner hyphens only.
var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// runOrg manages organisations: `aidmap org create --name "Food Bank Society" --slug fbs`.
func runOrg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, `Usage: aidmap org create --name "Food Bank Society" --slug fbs [store flags]`)
		return errUsage
	}
	fs := newFlagSet("org create", "Create an organisation (or rename an existing one), so tokens can be issued for it\nand its stewards can upload their sites.", stderr)
	stf := addStoreFlags(fs)
	name := fs.String("name", "", "the organisation's full name, as people know it")
	slug := fs.String("slug", "", "its ID in URLs and files: lower-case letters, digits and hyphens (fbs)")
	website := fs.String("website", "", "its website, shown with its sites")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(*name) == "":
		return accountsUsage(stderr, `--name is required: aidmap org create --name "Food Bank Society" --slug fbs`)
	case !slugPattern.MatchString(*slug):
		return accountsUsage(stderr, fmt.Sprintf("--slug %q: use 1 to 64 lower-case letters, digits and inner hyphens, such as fbs or food-bank-society", *slug))
	}
	st, err := stf.open(ctx, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	org := aidmap.Organization{ID: *slug, Name: strings.TrimSpace(*name), Website: *website}
	if err := st.UpsertOrganization(ctx, org); err != nil {
		return fmt.Errorf("org create: %w", err)
	}
	fmt.Fprintf(stdout, "organisation %s (%s) is ready; issue a token with: aidmap token create --org %s\n", org.ID, org.Name, org.ID)
	return nil
}

// runToken manages API tokens: create (prints the secret once), list and revoke.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "create":
		return runTokenCreate(ctx, args, stdout, stderr)
	case "list":
		return runTokenList(ctx, args, stdout, stderr)
	case "revoke":
		return runTokenRevoke(ctx, args, stdout, stderr)
	}
	fmt.Fprintln(stderr, `Usage:
  aidmap token create --org fbs [--expires 90d] [--role editor|admin]
  aidmap token create --role admin            (deployment-wide admin: every organisation)
  aidmap token list [--org fbs]
  aidmap token revoke ID`)
	return errUsage
}

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token create", "Issue an API token for an organisation's data stewards. The token is printed once:\nonly its SHA-256 is stored, so a lost token is revoked and replaced, never recovered.", stderr)
	stf := addStoreFlags(fs)
	org := fs.String("org", "", "the organisation the token acts for; empty only with --role admin (every organisation)")
	role := fs.String("role", "editor", "editor (uploads and edits sites) or admin")
	expires := fs.String("expires", "90d", "how long the token works: days (90d), a Go duration (720h), or never")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ttl, err := parseExpiry(*expires)
	if err != nil {
		return accountsUsage(stderr, fmt.Sprintf("--expires %q: %v", *expires, err))
	}
	secret, id, hash := store.NewTokenSecret()
	now := time.Now().UTC()
	tok := store.Token{ID: id, OrganizationID: *org, Role: store.Role(*role), Hash: hash, CreatedAt: now}
	if ttl > 0 {
		tok.ExpiresAt = now.Add(ttl)
	}
	if err := tok.Validate(); err != nil {
		return accountsUsage(stderr, fmt.Sprintf("token create: %v", err))
	}
	acc, closeStore, err := openAccounts(ctx, stf, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := acc.CreateToken(ctx, tok); err != nil {
		if errors.Is(err, aidmap.ErrNotFound) {
			return accountsUsage(stderr, fmt.Sprintf("organisation %q does not exist; create it with aidmap org create --slug %s --name \"Full Name\"", *org, *org))
		}
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintln(stdout, secret)
	scope := "organisation " + tok.OrganizationID
	if tok.OrganizationID == "" {
		scope = "every organisation"
	}
	until := "never expires"
	if !tok.ExpiresAt.IsZero() {
		until = "expires " + tok.ExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintf(stderr, "token %s: %s for %s, %s. Keep it now: it is not shown again.\n", tok.ID, tok.Role, scope, until)
	return nil
}

func runTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token list", "List API tokens (never their secrets).", stderr)
	stf := addStoreFlags(fs)
	org := fs.String("org", "", "only this organisation's tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	acc, closeStore, err := openAccounts(ctx, stf, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	toks, err := acc.Tokens(ctx, *org)
	if err != nil {
		return fmt.Errorf("token list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tORG\tROLE\tCREATED\tEXPIRES\tSTATE")
	now := time.Now()
	for _, t := range toks {
		org := t.OrganizationID
		if org == "" {
			org = "*"
		}
		exp := "never"
		if !t.ExpiresAt.IsZero() {
			exp = t.ExpiresAt.Format(time.DateOnly)
		}
		state := "active"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked " + t.RevokedAt.Format(time.DateOnly)
		case t.Usable(now) != nil:
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, org, t.Role, t.CreatedAt.Format(time.DateOnly), exp, state)
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token revoke", "Revoke a token at once: every request made with it is refused from now on.\n\nUsage: aidmap token revoke [flags] ID", stderr)
	stf := addStoreFlags(fs)
	ids, err := fs.parseWithArgs(args)
	if err != nil {
		return err
	}
	if len(ids) != 1 {
		return accountsUsage(stderr, "give the ID of one token to revoke (aidmap token list shows them)")
	}
	acc, closeStore, err := openAccounts(ctx, stf, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := acc.RevokeToken(ctx, ids[0], time.Now().UTC()); err != nil {
		if errors.Is(err, aidmap.ErrNotFound) {
			return accountsUsage(stderr, fmt.Sprintf("no token has the ID %q (aidmap token list shows them)", ids[0]))
		}
		return fmt.Errorf("token revoke: %w", err)
	}
	fmt.Fprintf(stdout, "token %s revoked\n", ids[0])
	return nil
}

// openAccounts opens the store and returns its accounts part, with the function that closes it.
func openAccounts(ctx context.Context, stf storeFlags, stderr io.Writer) (store.Accounts, func(), error) {
	st, err := stf.open(ctx, quietLogger(stderr))
	if err != nil {
		return nil, nil, err
	}
	acc, ok := st.(store.Accounts)
	if !ok {
		st.Close()
		return nil, nil, fmt.Errorf("the %s store keeps no accounts", stf.describe())
	}
	return acc, func() { st.Close() }, nil
}

func quietLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// parseExpiry reads --expires: whole days ("90d"), a Go duration ("720h"), or "never" (0).
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "never" || s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 3660 {
			return 0, errors.New("want a number of days from 1 to 3660, such as 90d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("want days (90d), a duration (720h) or never")
	}
	return d, nil
}

// accountsUsage reports a usage problem of the org and token commands.
func accountsUsage(stderr io.Writer, msg string) error {
	fmt.Fprintf(stderr, "aidmap: %s\n", msg)
	return errUsage
}

// uploadFlags configure the organisations' API of `aidmap serve` (uploads over HTTP).
type uploadFlags struct {
	maxBytes, rows, workers, perToken, publicRate *int
	staleAfter                                    *time.Duration
	fileTTL                                       *string
}

func addUploadFlags(fs *flagSet) uploadFlags {
	return uploadFlags{
		maxBytes:   fs.Int("max-upload-bytes", web.DefaultMaxBodyBytes, "largest upload body accepted over HTTP, in bytes (413 above it)"),
		rows:       fs.Int("upload-rows", web.DefaultMaxRows, "most rows one upload over HTTP may have"),
		workers:    fs.Int("upload-workers", 2, "uploads over HTTP processed at once (each holds its file in memory)"),
		perToken:   fs.Int("upload-rate", 10, "uploads one token may start a minute (429 above it); -1 for no limit"),
		staleAfter: fs.Duration("upload-stale-after", web.DefaultStaleAfter, "an upload whose server has not said it is still running it for this long is marked abandoned (its server died); servers say so every sixth of it"),
		fileTTL:    fs.String("upload-file-ttl", strconv.Itoa(int(web.DefaultFileTTL/(24*time.Hour)))+"d", "how long the file of an abandoned upload is kept for a retry (days such as 7d, or a Go duration); then it is deleted and the upload's record says so"),
		publicRate: fs.Int("rate-limit", 600, "requests a minute one client IP may make to the public API (429 above it); 0 for no limit"),
	}
}

// config returns the server's upload configuration: off when the store keeps no accounts.
func (f uploadFlags) config(st store.Store, g ingest.Geocoder) (web.Uploads, error) {
	switch {
	case *f.maxBytes < 1:
		return web.Uploads{}, fmt.Errorf("--max-upload-bytes %d: want a positive number of bytes", *f.maxBytes)
	case *f.rows < 1:
		return web.Uploads{}, fmt.Errorf("--upload-rows %d: want a positive number", *f.rows)
	case *f.workers < 1 || *f.workers > 64:
		return web.Uploads{}, fmt.Errorf("--upload-workers %d: want 1 to 64", *f.workers)
	case *f.staleAfter < 6*time.Second:
		return web.Uploads{}, fmt.Errorf("--upload-stale-after %s: want 6s or more", *f.staleAfter)
	case *f.publicRate < 0:
		return web.Uploads{}, fmt.Errorf("--rate-limit %d: want 0 (no limit) or more", *f.publicRate)
	}
	// No "never": the file of an abandoned upload is the organisation's data, not to be kept
	// for ever by a store nobody looks into.
	fileTTL, err := parseAge(*f.fileTTL)
	if err != nil || fileTTL < time.Minute {
		return web.Uploads{}, fmt.Errorf("--upload-file-ttl %q: want days (7d) or a duration (168h) of at least 1m", *f.fileTTL)
	}
	acc, ok := st.(web.AccountStore)
	if !ok {
		return web.Uploads{}, nil
	}
	return web.Uploads{Store: acc, Geocoder: g, MaxBodyBytes: int64(*f.maxBytes), MaxRows: *f.rows,
		Workers: *f.workers, PerTokenPerMinute: *f.perToken, StaleAfter: *f.staleAfter, FileTTL: fileTTL}, nil
}
