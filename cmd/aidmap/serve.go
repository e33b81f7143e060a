package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/feed"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
	"github.com/aidmap/aidmap/store/sqlite"
	"github.com/aidmap/aidmap/web"
)

// storeFlags select the store; every command that touches data has them.
type storeFlags struct {
	dataDir     *string
	databaseURL *string
	migrate     *bool
}

func addStoreFlags(fs *flagSet) storeFlags {
	sf := storeFlags{
		dataDir:     fs.String("data-dir", "aidmap-data", "directory of the embedded SQLite store (created if missing); unused with --database-url"),
		databaseURL: fs.String("database-url", "", "PostgreSQL+PostGIS URL (postgres://user:pass@host:5432/db); empty uses the embedded store; DATABASE_URL works too"),
		migrate:     fs.Bool("migrate", true, "apply schema migrations when opening the store"),
	}
	if *sf.databaseURL == "" {
		*sf.databaseURL = os.Getenv("DATABASE_URL")
	}
	return sf
}

// open opens the configured store: PostGIS when a database URL is given, else the embedded
// SQLite store in the data directory.
func (sf storeFlags) open(ctx context.Context, logger *slog.Logger) (store.Store, error) {
	if url := *sf.databaseURL; url != "" {
		opts := []postgis.Option{postgis.WithLogger(logger)}
		if !*sf.migrate {
			opts = append(opts, postgis.WithoutMigrate())
		}
		st, err := postgis.Open(ctx, url, opts...)
		if err != nil {
			return nil, err // postgis says what to check, without the password
		}
		return st, nil
	}
	dir := *sf.dataDir
	if dir == "" {
		return nil, errors.New("--data-dir is empty; give a directory for the embedded store")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w (set --data-dir or AIDMAP_DATA_DIR to a writable directory)", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	return st, nil
}

// describe names the store for people, never printing a password.
func (sf storeFlags) describe() string {
	if *sf.databaseURL != "" {
		return "PostGIS"
	}
	return "SQLite in " + filepath.Join(*sf.dataDir, "aidmap.db")
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "Run the HTTP server: the map at /, the API under /api/v1, /healthz, /readyz and /metrics.", stderr)
	addr := fs.String("addr", ":8080", "address to listen on, host:port (port 0 picks a free port)")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics on this address only (such as 127.0.0.1:9090), not on --addr; keep it private. Empty serves it on --addr")
	profile := fs.Bool("pprof", false, "also serve Go's profiler (/debug/pprof/) on --metrics-addr, never on --addr: for finding where a server's time goes")
	stf := addStoreFlags(fs)
	loadDemo := fs.Bool("demo", true, "load the generated demo dataset when the store is empty")
	demoSites := fs.Int("demo-sites", 300, "number of sites in the demo dataset")
	demoSpread := fs.String("demo-spread", "vancouver", "where demo sites are: vancouver, or world (around real cities worldwide, for load tests)")
	defaultView := fs.String("default-view", "", "where the map opens when its link names no place: LAT,LON[,ZOOM] of the area served, e.g. 49.2827,-123.1207,12; empty opens on the sites' extent")
	syncEvery := fs.Duration("sync-interval", time.Second, "how often the index checks the store for changes")
	shutdown := fs.Duration("shutdown-timeout", 15*time.Second, "how long to let requests finish on SIGTERM/SIGINT")
	gf := addGeocoderFlags(fs)
	bf := addBasemapFlags(fs)
	lf := addLogFlags(fs)
	logRequests := fs.Float64("log-requests", 1, "share of requests logged at info level, 0 to 1 (0.01: one in a hundred); answers with a server error (5xx) and requests slower than --log-slow are always logged")
	logSlow := fs.Duration("log-slow", time.Second, "a request taking at least this long is always logged, at warn level")
	uf := addUploadFlags(fs)
	ff := addFreshFlags(fs)
	smsf := addSMSFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	bm, err := bf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer bm.Close()
	var view *web.View
	if *defaultView != "" {
		v, err := web.ParseView(*defaultView)
		if err != nil {
			return fmt.Errorf("--default-view: %w", err)
		}
		view = &v
	}
	if *logRequests < 0 || *logRequests > 1 {
		return fmt.Errorf("--log-requests %g: want a share from 0 to 1", *logRequests)
	}
	if *logSlow <= 0 {
		return fmt.Errorf("--log-slow %s: want a positive duration such as 500ms", *logSlow)
	}
	if *profile && *metricsAddr == "" {
		return errors.New("--pprof needs --metrics-addr: the profiler is served only on the private metrics address")
	}
	staleAfter, hideAfter, err := ff.policy()
	if err != nil {
		return err
	}
	if *demoSpread != "vancouver" && *demoSpread != "world" {
		return fmt.Errorf("--demo-spread %q: want vancouver or world", *demoSpread)
	}
	if *demoSites < 1 || *demoSites > 2_000_000 {
		return fmt.Errorf("--demo-sites %d: want 1 to 2000000", *demoSites)
	}

	st, err := stf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()

	pub, err := publisher(ctx, st)
	if err != nil {
		return err
	}
	if *loadDemo {
		if err := seedDemo(ctx, st, *demoSites, *demoSpread, logger); err != nil {
			return err
		}
	}

	follower := feed.New(st, pub, logger, *syncEvery)
	follower.SetHideAfter(hideAfter, nil)
	if err := follower.Load(ctx); err != nil {
		return err
	}
	runCtx, stopFollower := context.WithCancel(context.Background())
	defer stopFollower()
	go follower.Run(runCtx)

	geocoder, gazVersion, err := gf.open(ctx, st, logger)
	if err != nil {
		return err
	}
	if gz, ok := st.(store.Gazetteer); ok {
		// Points imported by "aidmap gazetteer import" in another process show up within a
		// few sync intervals, without a restart.
		go geocode.Follow(runCtx, gz, geocoder.Embedded(), gazVersion, max(5*time.Second, *syncEvery), logger)
	}

	uploads, err := uf.config(st, ingestGeocoder{geocoder, aidmap.PrecisionStreet})
	if err != nil {
		return err
	}
	smsConfig, err := smsf.config(runCtx, st, logger)
	if err != nil {
		return err
	}
	srv := web.NewServer(web.Config{Source: follower, Store: st, Logger: logger, Version: buildVersion(), Geocoder: geocoder, Basemap: bm,
		Uploads: uploads, PublicPerMinute: *uf.publicRate, DefaultView: view, SeparateMetrics: *metricsAddr != "",
		Freshness: ff.freshness(staleAfter, hideAfter), Reports: ff.reports(reportStore(st), pub), SMS: smsConfig,
		RequestLog: requestLog(*logRequests, *logSlow)})
	// Uploads are claimed from the store by whichever replica is free, and those left running
	// by a process that died (kill -9) are marked abandoned: now, and every so often.
	go srv.RunUploads(runCtx)
	if cs, ok := st.(store.Capacities); ok {
		go pruneCapacityLog(runCtx, cs, *ff.logKeep, pruneEvery, time.Now, logger)
	}
	httpServer := web.NewHTTPServer(*addr, srv.Handler(), logger)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr or AIDMAP_ADDR)", *addr, err)
	}
	logger.Info("listening", "url", "http://"+displayAddr(ln.Addr()), "sites", follower.Index().Len(), "address_points", geocoder.Embedded().Gazetteer().Len(), "store", stf.describe(), "version", buildVersion())

	served := make(chan error, 2)
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w (choose another with --metrics-addr or AIDMAP_METRICS_ADDR)", *metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		if *profile {
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		}
		metricsServer := web.NewHTTPServer(*metricsAddr, mux, logger)
		defer metricsServer.Close()
		logger.Info("metrics", "url", "http://"+displayAddr(mln.Addr())+"/metrics")
		go func() {
			if err := metricsServer.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				served <- fmt.Errorf("metrics: %w", err)
			}
		}()
	}
	go func() { served <- httpServer.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", *shutdown)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	// Uploads still running finish, or when the timeout ends them, are rolled back and put
	// back in the queue for another replica or the next start.
	if err := srv.ShutdownUploads(shutdownCtx); err != nil {
		logger.Warn("uploads still running at shutdown were stopped and put back in the queue; nothing of them was written", "err", err)
	}
	logger.Info("stopped")
	return nil
}

// requestLog turns --log-requests and --log-slow into the server's setting (where 0 means
// none, not the zero value's every request).
func requestLog(share float64, slow time.Duration) web.RequestLog {
	if share == 0 {
		share = -1
	}
	return web.RequestLog{Sample: share, Slow: slow}
}

// displayAddr turns a listener address into one a person can open: the unspecified address
// becomes localhost.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return tcp.String()
}

// seedDemo loads the demo organisation and its generated sites when the store has no data.
func seedDemo(ctx context.Context, st store.Store, n int, spread string, logger *slog.Logger) error {
	v, err := st.Version(ctx)
	if err != nil {
		return fmt.Errorf("check store for data: %w", err)
	}
	if v > 0 {
		return nil
	}
	org := demo.Organization()
	org.CreatedAt = time.Now().UTC()
	if err := st.UpsertOrganization(ctx, org); err != nil {
		return fmt.Errorf("load demo organisation: %w", err)
	}
	var sites []aidmap.Site
	if spread == "world" {
		sites = demo.World(n, 1)
		for i := range sites {
			s := &sites[i]
			s.OrganizationID = org.ID
			s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
		}
	} else {
		sites = demo.Sites(n, 1)
	}

	const batch = 20_000
	for i := 0; i < len(sites); i += batch {
		if _, err := st.UpsertSites(ctx, org.ID, sites[i:min(i+batch, len(sites))]); err != nil {
			return fmt.Errorf("load demo sites: %w", err)
		}
	}
	logger.Info("store was empty: loaded demo data (generated, not real services); start with --demo=false to begin empty", "sites", len(sites))
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "Apply the store's schema migrations and exit (serve also migrates on start).", stderr)
	stf := addStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	*stf.migrate = true
	st, err := stf.open(ctx, slog.New(slog.NewTextHandler(stderr, nil))) // opening a store applies its migrations
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintln(stdout, "migrations applied to", stf.describe())
	return nil
}

// reportStore is the store's reports part, or nil when it has none (reports are then off).
func reportStore(st store.Store) store.Reports {
	rs, _ := st.(store.Reports)
	return rs
}
