// Package web is aidmap's HTTP interface: the JSON/GeoJSON API, health and metrics endpoints
// and the embedded map app. Handlers parse and validate input, ask the in-memory index (or the
// store, for writes and readiness) and encode; they hold no SQL and no state of their own.
//
// What it may import (the store contract, never an engine) is in ARCHITECTURE.md, checked by
// internal/archtest; only cmd wires concrete types into it.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/basemap"
	"github.com/aidmap/aidmap/fonts"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store"
)

// Source is what the server publishes: the current index snapshot and the organisations its
// sites belong to. feed.Follower implements it.
type Source interface {
	// Index returns the current snapshot; never nil.
	Index() *geo.Index
	// Organization returns a known organisation by ID.
	Organization(id string) (aidmap.Organization, bool)
	// Demo reports whether the published sites include generated demo data.
	Demo() bool
	// Loaded reports whether the index has been built from the store at least once.
	Loaded() bool
}

// Pinger reports whether the system of record can be reached.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config holds a Server's dependencies and settings.
type Config struct {
	Source  Source
	Store   Pinger
	Logger  *slog.Logger
	Version string // the binary's version, shown by /api/v1/info
	// Geocoder answers /api/v1/geocode; nil makes it 503.
	Geocoder Geocoder
	// Static overrides the embedded app (tests); nil means the embedded web/static.
	Static fs.FS
	// Fonts serves /fonts (map label glyphs); nil means the fonts embedded in the binary.
	Fonts *fonts.Library
	// Basemap is served at /tiles/basemap; nil means the embedded world overview.
	Basemap *basemap.Archive
	// Uploads enables the organisations' API (/api/v1/orgs/...) and /manage (see Uploads).
	Uploads Uploads
	// PublicPerMinute limits requests to the public API per client IP a minute; 0 is no limit.
	PublicPerMinute int
	// DefaultView is where the page opens when its URL names no view: the deployment's area.
	// Nil opens on the data's extent.
	DefaultView *View
	// SMS configures the text-message webhooks (off when empty); GET /api/v1/text is always on.
	SMS SMS
	// SeparateMetrics leaves /metrics off Handler: MetricsHandler serves it on an address of
	// its own, kept private (serve --metrics-addr).
	SeparateMetrics bool
	// Freshness marks listings nobody checked for a while as stale (see Freshness).
	Freshness Freshness
	// Reports enables "report a problem" and the organisations' corrections inbox.
	Reports Reports
	// RequestLog samples the request log (serve --log-requests, --log-slow).
	RequestLog RequestLog
}

// Server serves aidmap over HTTP.
type Server struct {
	source     Source
	sites      siteCache // list responses' encoded sites, per snapshot
	store      Pinger
	logger     *slog.Logger
	version    string
	geocoder   Geocoder
	static     fs.FS
	fonts      *fonts.Library
	basemap    *basemap.Archive
	metrics    *metrics
	reqLog     *requestLog
	handler    http.Handler
	up         *uploads // nil: no organisations' API
	public     int      // PublicPerMinute
	view       *View    // DefaultView
	sepMetrics bool     // SeparateMetrics
	fresh      Freshness
	reports    *reports // nil: reports are off
	text       *textService
	scores     scorecards // the organisations' feed-quality scorecards (scorecard.go)
	places     *placeView // one place, many providers (places.go)
}

// NewServer returns a server ready to be mounted; it starts nothing.
func NewServer(cfg Config) *Server {
	s := &Server{
		source:   cfg.Source,
		store:    cfg.Store,
		logger:   cfg.Logger,
		geocoder: cfg.Geocoder,
		version:  cfg.Version,
		static:   cfg.Static,
		basemap:  cfg.Basemap,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.static == nil {
		s.static = embeddedStatic()
	}
	s.up, s.public, s.view = newUploads(cfg.Uploads, s.logger), cfg.PublicPerMinute, cfg.DefaultView
	s.fonts = s.loadFonts(cfg.Fonts)
	s.metrics = newMetrics(s.source)
	s.reqLog = newRequestLog(cfg.RequestLog)
	s.sepMetrics = cfg.SeparateMetrics
	s.fresh, s.reports = cfg.Freshness, newReports(cfg.Reports)
	s.text = newTextService(cfg.SMS, s.source, s.geocoder)
	s.places = newPlaceView(s.source, cfg.Uploads.Store)
	s.handler = s.routes()
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler serves the Prometheus metrics (at any path): for an address of their own when
// Config.SeparateMetrics is set. What it counts is the traffic of Handler.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// routes lists every route of the server.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanics, s.observe, securityHeaders, s.singleParams, headAsGet)

	r.Get("/healthz", s.handleHealth)
	r.Get("/readyz", s.handleReady)
	if !s.sepMetrics {
		r.Method(http.MethodGet, "/metrics", s.metrics.handler())
	}

	r.Route("/api/v1", func(r chi.Router) {
		r.Use(apiGzip.handler)
		r.Group(func(r chi.Router) {
			r.Use(limitByIP(s.public), allowAnyOrigin)
			r.Get("/", s.handleInfo)
			r.Get("/info", s.handleInfo)
			r.Get("/categories", s.handleCategories)
			r.Get("/sites", s.streamAll(s.handleSites))
			r.Get("/sites/nearest", s.handleNearest)
			r.Get("/sites/{id}", s.handleSite)
			r.Get("/places/nearest", s.handleNearestPlaces)
			r.Get("/places/{id}", s.handleGetPlace)
			r.Get("/geocode", s.handleGeocode)
			r.With(limitReportsByIP(s.reportsPerIP())).Post("/sites/{id}/reports", s.handleReport)
			r.Get("/reports/challenge", s.handleReportChallenge)
			r.Get("/text", s.handleText)
			r.Get("/scorecard", s.handleScorecards)
			r.Get("/orgs/{org}/scorecard", s.handleScorecard) // public, beside the token-guarded /orgs/{org}/…
		})
		r.Post("/sms/twilio", s.handleTwilio)   // limited per number, not per IP: gateways send
		r.Post("/sms/gateway", s.handleGateway) // every message from one address
		if s.up != nil {
			r.Route("/orgs/{org}", func(r chi.Router) {
				r.Use(s.requireToken)
				r.With(limitByToken(s.up.PerTokenPerMinute)).Post("/uploads", s.handleUpload)
				r.Get("/uploads", s.handleUploads)
				r.Get("/uploads/{id}", s.handleUploadStatus)
				r.Post("/uploads/{id}/rollback", s.handleRollback)
				r.Post("/uploads/{id}/retry", s.handleRetry)
				r.Post("/uploads/{id}/dismiss", s.handleDismiss)
				r.Get("/sites", s.handleOrgSites)
				r.Get("/sites/{id}", s.handleOrgSite)
				r.Put("/sites/{id}", s.handleEditSite)
				r.Patch("/sites/{id}", s.handleEditSite)
				r.Delete("/sites/{id}", s.handleDeleteSite)
				r.Post("/sites/verify", s.handleVerifySites)
				r.Post("/sites/{id}/verify", s.handleVerifySite)
				r.Get("/sites/{id}/capacity", s.handleCapacity)
				r.Put("/sites/{id}/capacity", s.handleSetCapacity)
				r.Delete("/sites/{id}/capacity/{unit}", s.handleRemoveCapacity)
				r.Get("/history", s.handleHistory)
				r.Get("/reports", s.handleInbox)
				r.Post("/reports/{id}/accept", s.handleResolveReport(store.ReportAccepted))
				r.Post("/reports/{id}/dismiss", s.handleResolveReport(store.ReportDismissed))
				r.Get("/places/review", s.handlePlaceReview)
				r.Post("/places/links", s.handlePlaceLink)
			})
		}
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such API endpoint; see the README's API summary"})
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, problem{Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed here"})
		})
	})

	r.With(allowAnyOrigin).Get("/api/openapi.json", s.handleOpenAPI)
	r.Route("/hsds", s.hsdsRoutes)
	r.Route("/ogc", s.ogcRoutes)

	// The page and its files are compressed for slow networks; API responses are compressed
	// too when the client asks (browsers always do), above gzipMinSize (gzip.go).
	compress := pageGzip.handler
	r.Get("/tiles/sites/{z}/{x}/{y}.mvt", s.handleSitesTile())
	r.Get("/fonts/{fontstack}/{range}.pbf", s.handleGlyphs)
	r.Get("/tiles/basemap/{z}/{x}/{y}.{ext}", s.handleArchiveTile(s.basemapArchive))
	r.Get("/tiles/world/{z}/{x}/{y}.{ext}", s.handleArchiveTile(basemap.Default))
	r.With(compress).Get("/tiles/basemap.json", s.handleArchiveTileJSON("basemap", s.basemapArchive))
	r.With(compress).Get("/tiles/world.json", s.handleArchiveTileJSON("world", basemap.Default))
	r.With(compress).Get("/tiles/sites.json", s.handleSitesTileJSON)
	r.With(compress).Get("/", s.handleIndexPage)
	if s.up != nil {
		r.With(compress).Get("/manage", s.handleManagePage)
	}
	r.With(compress).Handle("/static/*", http.StripPrefix("/static/", s.staticHandler()))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such page"})
	})
	return r
}

// The compressors of API answers and of the page and its files; their writers are pooled.
var (
	apiGzip  = newGzipper(gzipMinSize, gzipLevel, "application/json", "application/geo+json", "application/problem+json")
	pageGzip = newGzipper(gzipMinSize, gzipLevel, "text/html", "text/css", "text/javascript", "application/javascript",
		"image/svg+xml", "application/json", "application/geo+json", "application/problem+json")
)

// NewHTTPServer wraps h in an http.Server with timeouts, so a slow or stuck client cannot hold
// connections forever.
func NewHTTPServer(addr string, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// headAsGet routes HEAD requests as GET, so every GET route answers HEAD with the same status
// and headers (ETag and 304, Content-Encoding, CORS) while net/http drops the body: caches and
// link checkers ask with HEAD. No route registers a HEAD handler of its own.
//
// It is chi's middleware.GetHead without the look-ahead: that one asks the top router whether
// a HEAD route exists, and a subrouter's root (/api/v1/, /hsds/, /ogc/) matches the mount's
// any-method stub, so HEAD there reached the subrouter as HEAD and got 405.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RouteMethod = http.MethodGet
			}
		}
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = noReferrer
		h["X-Frame-Options"] = frameDeny
		next.ServeHTTP(w, r)
	})
}

// Header values every response (or every API response) carries, shared rather than allocated
// per request as Header.Set does: a Header's values are only ever replaced or appended to
// (which copies a full slice), never written in place. The keys they are set under must be
// canonical (textproto.CanonicalMIMEHeaderKey), as Set would make them.
var (
	nosniff      = []string{"nosniff"}
	noReferrer   = []string{"no-referrer"}
	frameDeny    = []string{"DENY"}
	anyOrigin    = []string{"*"}
	jsonValue    = []string{"application/json"}
	geoJSONValue = []string{"application/geo+json"}
)
