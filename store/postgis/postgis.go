// Package postgis is the production store: store.Store on PostgreSQL with PostGIS, through
// jackc/pgx/v5 (a pgxpool of connections, plus one dedicated connection per Listen).
//
// Sites keep their exact lat/lon as double precision and a derived geography(Point,4326)
// column (ST_MakePoint(lon, lat): longitude first) for spatial SQL; it has no index, as aidmap
// never queries it (migration 0019 says why and how to add one). Bulk writes COPY a batch
// into a temporary staging table and merge it with one statement.
//
// Versions and the change feed: every write transaction takes a transaction-level advisory
// lock (pg_advisory_xact_lock) before it reads and advances the version counter row, so
// writers are serialised and commit in version order. A reader can therefore never see a
// version while a lower one is still uncommitted, which a plain sequence would allow (two
// transactions take 5 and 6; 6 commits first; a follower reads 6 and skips 5 for ever). The
// lock is held only for the merge, not the COPY, so concurrent uploads still stream in
// parallel. Each write also sends NOTIFY on the store's channel (delivered at commit) so
// followers can wake at once instead of waiting for their next poll; see Listen.
//
// Every write of one organisation (an upload, UpsertSites, an edit or rollback made as an
// upload) also takes that organisation's transaction-level advisory lock (orgLockKey) when it
// begins, so the writes of one organisation run one at a time across every process sharing
// the database, from their first read to their commit; other organisations' uploads still
// stream in parallel. The organisation lock is always taken before the writer lock, and never
// two organisation locks at once, so they cannot deadlock.
//
// Schema changes are numbered SQL files in migrations/, embedded in the binary and applied by
// Open (unless WithoutMigrate) and Migrate, under a session advisory lock so replicas starting
// together do not race.
//
// It imports the domain, the store contract, the standard library and pgx.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Store is a store.Store on a PostgreSQL database with PostGIS.
type Store struct {
	store.Queries // what both engines answer with the same SQL, on the pool

	pool    *pgxpool.Pool
	opts    options
	target  string // user@host:port/database, for messages (never the password)
	channel string // the NOTIFY channel of this store's schema
	lockKey int32  // second key of this store's advisory locks, derived from the schema

	listenIdle time.Duration // listenIdle, shortened by tests
}

var _ store.Store = (*Store)(nil)
var _ store.PlaceDecisions = (*Store)(nil)

// Option changes how Open connects and prepares the database.
type Option func(*options)

type options struct {
	schema          string
	migrate         bool
	createExtension bool
	logger          *slog.Logger
}

// WithSchema keeps the store's tables in the named schema (created by Migrate when missing)
// instead of the connection's default, usually public, so several stores can share one
// database: each test of the conformance suite, or two deployments. PostGIS itself stays in
// public: the connections' search_path is the schema, then public. The schema also names the
// NOTIFY channel and the advisory locks, so stores in different schemas never wait for or wake
// each other.
func WithSchema(name string) Option { return func(o *options) { o.schema = name } }

// WithoutMigrate makes Open check that the schema is up to date instead of migrating it, for
// deployments that run `aidmap migrate` as a separate step. Open then fails when migrations
// are missing, saying so.
func WithoutMigrate() Option { return func(o *options) { o.migrate = false } }

// WithoutCreateExtension stops Migrate from running CREATE EXTENSION postgis when the
// database lacks it: Migrate fails with an error that says how to install it instead. Use it
// when aidmap connects as a role that must not change the database beyond its own tables.
func WithoutCreateExtension() Option { return func(o *options) { o.createExtension = false } }

// WithLogger sets the logger for what the caller cannot see in return values: Listen losing
// and regaining its connection. The default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// connectTimeout bounds each connection attempt when the URL has no connect_timeout.
const connectTimeout = 10 * time.Second

// Advisory lock keys: the first key says what is locked, the second which store (lockKey).
const (
	lockWrite     int32 = 0x61696400 // "aid\0": one writer at a time (UpsertSites)
	lockMigrate   int32 = 0x61696401 // one migrator at a time
	lockExtension int32 = 0x61696402 // one CREATE EXTENSION per database (second key 0)
)

// Open connects to the PostgreSQL database at url (postgres://user:password@host:port/db or a
// key=value string), checks that it can be reached and, unless WithoutMigrate, brings the
// schema up to date (installing PostGIS in the database when it is missing and allowed).
//
// Errors are one line and say what to check; they never contain the password. An unreachable
// server wraps aidmap.ErrUnavailable.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{migrate: true, createExtension: true, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: open: %s", describeParseError(url, err))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if o.schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{o.schema}.Sanitize() + ", public"
	}
	s := &Store{
		opts:    o,
		target:  describeTarget(cfg.ConnConfig),
		channel: "aidmap_changes",
		lockKey: schemaKey(o.schema),

		listenIdle: listenIdle,
	}
	if o.schema != "" {
		// Channel names are identifiers: at most 63 bytes.
		s.channel = truncate("aidmap_changes_"+o.schema, 63)
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	s.Queries = store.NewQueries(s.engine())
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgis: open: %w", s.describeConnectError(ctx, err))
	}
	if o.migrate {
		err = s.Migrate(ctx)
	} else {
		err = s.checkSchema(ctx)
	}
	if err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// schemaKey derives the second advisory lock key from the schema name ("" for the default).
// orgLockKey is the advisory lock (the one-bigint form, a key space apart from the two-int4
// locks above) of one organisation of this store.
func (s *Store) orgLockKey(orgID string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "aidmap org %d %s", s.lockKey, orgID)
	return int64(h.Sum64())
}

func schemaKey(schema string) int32 {
	h := fnv.New32a()
	h.Write([]byte(schema))
	return int32(h.Sum32())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Close closes every pooled connection, waiting for those in use to be released. Listen uses
// its own connection and stops only when its context ends.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgis: ping %s: %w", s.target, unavailable(ctx, err))
	}
	return nil
}

// describeTarget names the database for messages: user@host:port/database, never the password.
func describeTarget(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s/%s", c.User, net.JoinHostPort(c.Host, fmt.Sprint(c.Port)), c.Database)
}

// passwordInURL finds the password of a postgres:// URL even when the rest does not parse.
var passwordInURL = regexp.MustCompile(`://[^:/@]*:([^@]*)@`)

// passwordInDSN finds the password of a key=value connection string.
var passwordInDSN = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// describeParseError explains an unparsable URL in one line without its password: pgx redacts
// passwords only on a best-effort basis, and url.Parse errors quote the whole URL.
func describeParseError(url string, err error) string {
	reason := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		if inner := errors.Unwrap(pe); inner != nil {
			reason = inner.Error()
		}
	}
	for _, re := range []*regexp.Regexp{passwordInURL, passwordInDSN} {
		for _, m := range re.FindAllStringSubmatch(url, -1) {
			if pw := strings.Trim(m[1], "'"); pw != "" {
				reason = strings.ReplaceAll(reason, pw, "xxxxx")
			}
		}
	}
	return fmt.Sprintf("invalid database URL (%s): want postgres://user:password@host:5432/database",
		oneLine(reason))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// describeConnectError turns a failed first connection into one line that says what to check.
func (s *Store) describeConnectError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("connect to %s: %w", s.target, ctx.Err())
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01": // invalid_password
			return fmt.Errorf("connect to %s: %s: check the user name and password in the database URL", s.target, pgErr.Message)
		case "28000": // invalid_authorization_specification: no pg_hba.conf entry, unknown role
			return fmt.Errorf("connect to %s: %s: check the user name in the database URL and the server's pg_hba.conf", s.target, pgErr.Message)
		case "3D000": // invalid_catalog_name
			return fmt.Errorf("connect to %s: %s: create it (createdb) or fix the database name in the URL", s.target, pgErr.Message)
		}
		if isUnavailable(err) {
			return fmt.Errorf("connect to %s: %s: %w", s.target, pgErr.Message, aidmap.ErrUnavailable)
		}
		return fmt.Errorf("connect to %s: %s (SQLSTATE %s)", s.target, pgErr.Message, pgErr.Code)
	}
	// Network trouble: show the innermost cause, without pgx's prefix.
	reason := err.Error()
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if inner := errors.Unwrap(ce); inner != nil {
			reason = inner.Error()
		}
	}
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		reason = "timed out: " + reason
	}
	return fmt.Errorf("cannot reach PostgreSQL at %s (%s): check that the server is running and the host and port in the database URL: %w",
		s.target, oneLine(reason), aidmap.ErrUnavailable)
}

// unavailable classifies err for callers: when ctx ended the result wraps ctx.Err(); a lost or
// refused connection, a server shutting down or the store being closed wraps
// aidmap.ErrUnavailable; text the database refuses (invalid UTF-8, NUL) wraps ErrInvalid.
func unavailable(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return err
		}
		return fmt.Errorf("%w: %w", cerr, err)
	}
	if isUnavailable(err) {
		return fmt.Errorf("%w: %w", aidmap.ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05") {
		// character_not_in_repertoire, untranslatable_character.
		return fmt.Errorf("%w: %w", aidmap.ErrInvalid, err)
	}
	return err
}

// isUnavailable reports whether err means the database cannot be used right now, as opposed
// to refusing this particular request.
func isUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection_exception
			strings.HasPrefix(pgErr.Code, "53"),                                 // insufficient_resources: disk full, too many connections
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutting down, crashed, starting up
			pgErr.Code == "58030", // io_error
			pgErr.Code == "25006" && strings.Contains(pgErr.Message, "read-only"): // a standby after failover
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.Is(err, puddle.ErrClosedPool) ||
		errors.As(err, &ce) ||
		errors.As(err, &ne) ||
		pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "conn closed")
}
