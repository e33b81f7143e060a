package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/geocode/points"
	"github.com/aidmap/aidmap/geocode/remote"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/store"
)

// geocoderFlags configure the geocoder of serve, ingest and geocode.
type geocoderFlags struct {
	providers *string
	userAgent *string
	email     *string
}

func addGeocoderFlags(fs *flagSet) geocoderFlags {
	return geocoderFlags{
		providers: fs.String("geocoder", "", "external geocoders asked when the embedded one has no address-level answer, comma-separated KIND=URL with KIND nominatim, pelias or photon (e.g. nominatim=https://nominatim.example.org); empty: embedded only, nothing leaves the machine"),
		userAgent: fs.String("geocoder-user-agent", "", "User-Agent sent to external geocoders (Nominatim's policy asks for one that identifies your deployment); empty: aidmap/VERSION"),
		email:     fs.String("geocoder-email", "", "contact email sent to Nominatim with each request, as its usage policy asks of heavy users"),
	}
}

// remotes builds the configured external providers.
func (gf geocoderFlags) remotes() ([]geocode.Provider, error) {
	var out []geocode.Provider
	for _, spec := range strings.Split(*gf.providers, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		kind, url, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("--geocoder %q: want KIND=URL, such as nominatim=https://nominatim.example.org", spec)
		}
		ua := *gf.userAgent
		if ua == "" {
			ua = "aidmap/" + buildVersion() + " (+https://github.com/aidmap/aidmap)"
		}
		p, err := remote.New(strings.ToLower(strings.TrimSpace(kind)), strings.TrimSpace(url), remote.Options{UserAgent: ua, Email: *gf.email})
		if err != nil {
			return nil, fmt.Errorf("--geocoder %q: %w", spec, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// open builds the geocoder over the store's gazetteer, loading its points now. It returns the
// gazetteer version loaded, for geocode.Follow.
func (gf geocoderFlags) open(ctx context.Context, st store.Store, logger *slog.Logger) (*geocode.Geocoder, int64, error) {
	rs, err := gf.remotes()
	if err != nil {
		return nil, 0, err
	}
	gz, ok := st.(store.Gazetteer)
	if !ok {
		return geocode.NewGeocoder(nil, rs, nil, logger), 0, nil
	}
	g, version, err := geocode.Load(ctx, gz)
	if err != nil {
		return nil, 0, err
	}
	return geocode.NewGeocoder(geocode.NewEmbedded(g), rs, gz, logger), version, nil
}

// ingestGeocoder adapts the geocoder to what the ingest pipeline asks: one place for an
// address, or a reason why there is none. A match coarser than minPrecision is refused: a
// food bank pinned at the centre of its town sends people to the wrong place, and "never
// invent a location" outweighs "on the map".
type ingestGeocoder struct {
	g            *geocode.Geocoder
	minPrecision aidmap.Precision
}

func (a ingestGeocoder) Geocode(ctx context.Context, address aidmap.Address) (geocode.Result, error) {
	rs, err := a.g.Geocode(ctx, geocode.Request{Address: address})
	if err != nil {
		return geocode.Result{}, err
	}
	best, ok := geocode.Best(rs)
	if !ok {
		labels := make([]string, 0, 3)
		for _, r := range rs[:min(3, len(rs))] {
			labels = append(labels, fmt.Sprintf("%q", r.Label))
		}
		return geocode.Result{}, &ingest.NotLocatedError{Detail: fmt.Sprintf("the address is ambiguous: it could be %s; add the city, province or postal code",
			strings.Join(labels, " or "))}
	}
	if !best.Precision.AtLeast(a.minPrecision) {
		return geocode.Result{}, &ingest.NotLocatedError{Detail: fmt.Sprintf("only the %s could be located (%s), and a pin there would send people to the wrong place; give coordinates or a fuller address, load address points with aidmap gazetteer import, or accept coarser pins with --min-precision",
			strings.ReplaceAll(string(best.Precision), "_", " "), best.Label)}
	}
	return best, nil
}

// Check places an address with the embedded geocoder only, for the pipeline's check of the
// coordinates a file gives: never an outside service, and nothing coarser than the street.
func (a ingestGeocoder) Check(ctx context.Context, address aidmap.Address) (geocode.Result, bool) {
	if a.g.Embedded().Gazetteer().Len() == 0 {
		return geocode.Result{}, false // no address points: nothing to check against
	}
	rs, err := a.g.Embedded().Geocode(ctx, geocode.Request{Address: address})
	if err != nil {
		return geocode.Result{}, false
	}
	best, ok := geocode.Best(rs)
	if !ok || !best.Placed() {
		return geocode.Result{}, false
	}
	return best, true
}

const geocodeSummary = `Look up an address or place the way aidmap places sites and the map's search box does:
the embedded gazetteer (address points imported with "aidmap gazetteer import"), then postal
codes and localities shipped in the binary, then any --geocoder configured.

Prints the best match, its precision (address, interpolated, street, postal_code, locality),
confidence (0 to 1) and the label it matched.`

func runGeocode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(`geocode "ADDRESS"`, geocodeSummary, stderr)
	sf := addStoreFlags(fs)
	gf := addGeocoderFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON, for machines")
	all := fs.Bool("all", false, "print every candidate, not just the best")
	words, err := fs.parseWithArgs(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		if err == fs.err {
			fmt.Fprintf(stderr, "aidmap geocode: %v\n", err)
		}
		return errUsage
	}
	text := strings.TrimSpace(strings.Join(words, " "))
	if text == "" {
		fmt.Fprintln(stderr, `aidmap geocode: give an address: aidmap geocode "203-5171 221A Street, Langley BC"`)
		return errUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	g, _, err := gf.open(ctx, st, logger)
	if err != nil {
		return err
	}
	rs, err := g.Geocode(ctx, geocode.Request{Text: text, Limit: 10})
	if err != nil {
		if errors.Is(err, aidmap.ErrNotFound) {
			if *asJSON {
				fmt.Fprintln(stdout, `{"results":[]}`)
			}
			return fmt.Errorf("geocode: no match for %q", text)
		}
		return err
	}
	best, clear := geocode.Best(rs)
	if !*all {
		rs = rs[:1]
	}
	if *asJSON {
		type out struct {
			Lat        float64 `json:"lat"`
			Lon        float64 `json:"lon"`
			Precision  string  `json:"precision"`
			Confidence float64 `json:"confidence"`
			Label      string  `json:"label"`
			Source     string  `json:"source"`
			Note       string  `json:"note,omitempty"`
		}
		doc := struct {
			Results   []out `json:"results"`
			Ambiguous bool  `json:"ambiguous"`
		}{Ambiguous: !clear}
		for _, r := range rs {
			doc.Results = append(doc.Results, out{r.Lat, r.Lon, string(r.Precision), round(r.Confidence, 2), r.Label, r.Source, r.Note})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	for i, r := range rs {
		fmt.Fprintf(stdout, "%.6f,%.6f  %s  confidence %.2f  %s  (%s)\n", r.Lat, r.Lon, r.Precision, r.Confidence, r.Label, r.Source)
		if i == 0 && r.Note != "" {
			fmt.Fprintf(stdout, "  note: %s\n", r.Note)
		}
	}
	if !clear && !*all {
		fmt.Fprintf(stdout, "  ambiguous: other places match almost as well (%q is the best guess); add a city, province or postal code, or see --all\n", best.Label)
	}
	return nil
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

const gazetteerSummary = `Manage the embedded geocoder's address points.

  aidmap gazetteer import FILE   load address points: OpenAddresses CSV or GeoJSON lines
                                 (.csv, .geojson, also .gz/.zip), OpenStreetMap .osm.pbf or .osm
                                 extracts, or any CSV with lon/lat/number/street columns
                                 (--columns). The file's points replace those previously
                                 imported under the same --source (default: the file name);
                                 other sources stay. One transaction: a failure changes nothing.
                                 A running server picks the new points up without a restart.`

func runGazetteer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "gazetteer", gazetteerSummary, map[string]runFunc{"import": runGazetteerImport}, args, stdout, stderr)
}

func runGazetteerImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gazetteer import FILE", gazetteerSummary, stderr)
	sf := addStoreFlags(fs)
	source := fs.String("source", "", "name the points are kept under; importing again under the same name replaces them (default: the file's name)")
	format := fs.String("format", "", "openaddresses, geojsonl, osm.pbf or osm; empty detects it from the name and content")
	country := fs.String("country", "", "ISO country code (CA, US, GB...) for points whose file does not say")
	columns := fs.String("columns", "", "for other CSV layouts: our field=their column, comma-separated, e.g. lon=longitude,lat=latitude,number=civic_number,street=std_street")
	prog := fs.String("progress", "auto", "progress on standard error: auto, bar, lines or none")
	files, err := fs.parseWithArgs(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		if err == fs.err {
			fmt.Fprintf(stderr, "aidmap gazetteer import: %v\n", err)
		}
		return errUsage
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "aidmap gazetteer import: give one file: aidmap gazetteer import FILE")
		return errUsage
	}
	opts := points.Options{Format: *format, Country: strings.ToUpper(*country)}
	if *columns != "" {
		opts.Columns = map[string]string{}
		for _, kv := range strings.Split(*columns, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				fmt.Fprintf(stderr, "aidmap gazetteer import: --columns %q: want field=column pairs\n", kv)
				return errUsage
			}
			opts.Columns[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	name := *source
	if name == "" {
		name = filepath.Base(files[0])
	}
	var size int64
	if fi, err := os.Stat(files[0]); err == nil {
		size = fi.Size()
	}
	bar := newByteProgress(stderr, *prog, size)
	opts.Progress = bar.update
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	gz, ok := st.(store.Gazetteer)
	if !ok {
		return errors.New("gazetteer import: this store cannot keep address points")
	}
	r, closer, err := points.OpenFile(ctx, files[0], opts)
	if err != nil {
		return fmt.Errorf("gazetteer import: %w", err)
	}
	defer closer.Close()
	start := time.Now()
	n, version, err := gz.ReplaceAddressPoints(ctx, name, r.Next)
	bar.done()
	sum := r.Summary()
	if err != nil {
		return fmt.Errorf("gazetteer import %s: %w (nothing was changed)", files[0], err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "%s: %s points imported as %q (%s rows read, %s rejected) in %s, %s points/s; gazetteer version %d\n",
		files[0], thousands(n), name, thousands(sum.Read), thousands(sum.Rejected), took.Round(time.Millisecond),
		thousands(int(float64(n)/max(took.Seconds(), 1e-9))), version)
	if sum.Rejected > 0 {
		fmt.Fprintln(stdout, "rejected rows by reason:")
		for reason, count := range sum.Reasons {
			fmt.Fprintf(stdout, "  %8s  %s\n", thousands(count), reason)
		}
		const shown = 10
		for i, e := range sum.Examples {
			if i == shown {
				fmt.Fprintf(stdout, "  ... and %s more rejected rows\n", thousands(sum.Rejected-shown))
				break
			}
			// Rejection.String names the element ("node/42") for OpenStreetMap, whose
			// elements have no line, and the line for tables.
			fmt.Fprintf(stdout, "  %s\n", e)
		}
	}
	return nil
}

// byteProgress shows how far through a file an import is.
type byteProgress struct {
	p    *progress
	size int64
}

func newByteProgress(w io.Writer, mode string, size int64) *byteProgress {
	return &byteProgress{p: newProgress(w, mode), size: size}
}

func (b *byteProgress) update(read int64) {
	p := b.p
	if p.off {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	line := fmt.Sprintf("importing: %s MB read", thousands(int(read>>20)))
	if b.size > 0 {
		line = fmt.Sprintf("importing: %3d%% of %s MB, %s", min(100, read*100/b.size), thousands(int(b.size>>20)), now.Sub(p.start).Round(time.Second))
	}
	p.show("aidmap gazetteer", line)
}

func (b *byteProgress) done() { b.p.done() }
