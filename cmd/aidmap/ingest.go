package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/aidmap/aidmap/ingest/table"
	"github.com/aidmap/aidmap/store"
)

const ingestSummary = `Load a list of sites into the store that serve uses, as the sites of one organisation:
CSV/TSV, Excel (.xlsx), GeoJSON, or Open Referral HSDS (JSON, or a datapackage as a zip or a folder).
Re-loading the same file changes nothing. The whole file is written in one transaction: if
anything fails, the data already there stays exactly as it was. FILE - reads standard input.

The report (summary, then every rejected row and warning with its row number, field, value
and reason) goes to standard output, or to --report. The organisation must exist: on a first
upload give --org-name "Full Name" to create it.

Exit status: 0 when the file was read (even with rejected rows), 1 when it could not be read or
the write failed (nothing was changed), 2 when the command line is wrong.`

// ingestFlags are the flags of aidmap ingest.
type ingestFlags struct {
	store        storeFlags
	geocoder     geocoderFlags
	org          *string
	orgName      *string
	dryRun       *bool
	mode         *string
	mapping      *string
	format       *string
	timezone     *string
	report       *string
	reportFormat *string
	progress     *string
	minPrecision *string
	sheet        *string
	force        *bool
	confirm      *int
	verify       *bool
}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest FILE --org ORG", ingestSummary, stderr)
	f := ingestFlags{
		store:        addStoreFlags(fs),
		geocoder:     addGeocoderFlags(fs),
		org:          fs.String("org", "", "ID of the organisation whose sites the file lists (a short slug such as foodbank-van)"),
		orgName:      fs.String("org-name", "", "create the organisation with this name if it does not exist yet"),
		dryRun:       fs.Bool("dry-run", false, "read and check the file and report what would change, without writing"),
		mode:         fs.String("mode", "merge", "merge: add and update the file's sites; replace: also retire the organisation's sites missing from the file"),
		mapping:      fs.String("mapping", "", "JSON file mapping our fields to the file's columns, for headers aidmap does not recognise"),
		format:       fs.String("format", "", "file format: csv, xlsx, geojson, hsds or icarol (a 211 export of agencies, sites and programs); empty detects it from the content and name"),
		timezone:     fs.String("timezone", "", "IANA time zone of the file's opening hours, such as America/Toronto"),
		report:       fs.String("report", "", "also write the report to this file (- for standard output)"),
		reportFormat: fs.String("report-format", "", "json or text; empty: json for --report files, text on the screen"),
		sheet:        fs.String("sheet", "", "for a spreadsheet (.xlsx): the sheet to read; empty reads the first sheet with data"),
		minPrecision: fs.String("min-precision", "street", "coarsest geocoded pin accepted for rows without coordinates: address, interpolated, street, postal_code or locality"),
		progress:     fs.String("progress", "auto", "progress on standard error: auto (a bar on a terminal, plain lines otherwise), bar, lines or none"),
		force:        fs.Bool("force", false, "let a replace retire more than half of the organisation's sites, or all of them, without --confirm-retire"),
		confirm:      fs.Int("confirm-retire", 0, "let a replace retire exactly this many sites even when that is more than half of the organisation's (the number a --dry-run or a refused run reports)"),
		verify:       fs.Bool("verify", false, "count the file as a verification of every site it lists, changed or not (verified by \"import\" on the file's date)"),
	}
	files, err := fs.parseWithArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		if err == fs.err { // a bad AIDMAP_* value; flag has printed any other problem already
			return usageError(stderr, err.Error())
		}
		return errUsage
	}
	opts, err := f.options(files)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	return ingestFile(ctx, f, files[0], opts, stdout, stderr)
}

// usageError prints msg and returns errUsage, so aidmap exits with status 2.
func usageError(stderr io.Writer, msg string) error {
	fmt.Fprintf(stderr, "aidmap ingest: %s\nRun aidmap ingest -h for help.\n", msg)
	return errUsage
}

// options checks the command line and turns it into pipeline options.
func (f ingestFlags) options(files []string) (ingest.Options, error) {
	var opts ingest.Options
	switch {
	case len(files) == 0:
		return opts, errors.New("give the file to load: aidmap ingest FILE --org ORG")
	case len(files) > 1:
		return opts, fmt.Errorf("give one file at a time (got %d: %s)", len(files), strings.Join(files, ", "))
	case *f.org == "":
		return opts, errors.New("--org is required: the ID of the organisation whose sites the file lists")
	}
	mode, err := ingest.ParseMode(*f.mode)
	if err != nil {
		return opts, fmt.Errorf("--mode %q: want merge or replace", *f.mode)
	}
	if *f.timezone != "" {
		if _, err := aidmap.LoadLocation(*f.timezone); err != nil {
			return opts, fmt.Errorf("--timezone %q: not an IANA time zone name such as America/Toronto", *f.timezone)
		}
	}
	switch *f.reportFormat {
	case "", "json", "text":
	default:
		return opts, fmt.Errorf("--report-format %q: want json or text", *f.reportFormat)
	}
	switch ingest.Format(*f.format) {
	case "", ingest.FormatCSV, ingest.FormatGeoJSON, ingest.FormatHSDS, ingest.FormatXLSX, ingest.FormatICarol:
	default:
		return opts, fmt.Errorf("--format %q: want csv, xlsx, geojson, hsds or icarol (or nothing, to detect it)", *f.format)
	}
	if p := aidmap.Precision(*f.minPrecision); !p.Valid() || p == aidmap.PrecisionExact { // a geocoded pin is never exact
		return opts, fmt.Errorf("--min-precision %q: want address, interpolated, street, postal_code or locality", *f.minPrecision)
	}
	switch *f.progress {
	case "auto", "bar", "lines", "none":
	default:
		return opts, fmt.Errorf("--progress %q: want auto, bar, lines or none", *f.progress)
	}
	if *f.confirm < 0 {
		return opts, fmt.Errorf("--confirm-retire %d: want the number of sites the upload retires", *f.confirm)
	}
	share := store.DefaultMaxRetireShare
	if *f.force {
		share = 0
	}
	var verifiedBy string
	var verifiedAt time.Time
	if *f.verify {
		// The file's date: when its content was last confirmed, as far as aidmap can tell.
		fi, err := os.Stat(files[0])
		if err != nil {
			return opts, fmt.Errorf("--verify: %w", err)
		}
		verifiedBy, verifiedAt = aidmap.VerifiedByImport, fi.ModTime().UTC()
		if now := time.Now().UTC(); verifiedAt.After(now) {
			verifiedAt = now // a clock ahead on the machine that wrote the file
		}
	}
	return ingest.Options{
		VerifiedBy:     verifiedBy,
		VerifiedAt:     verifiedAt,
		Org:            *f.org,
		OrgName:        strings.TrimSpace(*f.orgName),
		Mode:           mode,
		DryRun:         *f.dryRun,
		Timezone:       *f.timezone,
		File:           files[0],
		Format:         ingest.Format(*f.format),
		MaxRetireShare: share,
		ConfirmRetire:  *f.confirm,
	}, nil
}

// ingestFile runs the upload and writes its report. Usage problems found on the way (an
// unknown organisation, a bad mapping file) return errUsage; a file that cannot be read or a
// failed write return an error (status 1).
func ingestFile(ctx context.Context, f ingestFlags, name string, opts ingest.Options, stdout, stderr io.Writer) error {
	// Today, where the organisation is, decides which HSDS schedules and holidays are current.
	today := time.Now()
	if opts.Timezone != "" {
		if loc, err := aidmap.LoadLocation(opts.Timezone); err == nil {
			today = today.In(loc)
		}
	}
	ro := formats.Options{Name: name, Format: opts.Format, Sheet: *f.sheet, Today: today}
	if *f.mapping != "" {
		mf, err := os.Open(*f.mapping)
		if err != nil {
			return usageError(stderr, fmt.Sprintf("--mapping: %v", err))
		}
		m, err := table.ParseMapping(mf)
		mf.Close()
		if err != nil {
			return usageError(stderr, fmt.Sprintf("--mapping %s: %v", *f.mapping, err))
		}
		ro.Table.Mapping = m
	}

	var in io.Reader = os.Stdin
	folder := false
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		defer file.Close()
		if fi, err := file.Stat(); err == nil {
			folder = fi.IsDir()
			ro.At, ro.Size = file, fi.Size()
		}
		in = file
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := f.store.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Organization(ctx, opts.Org); errors.Is(err, aidmap.ErrNotFound) && opts.OrgName == "" {
		return usageError(stderr, fmt.Sprintf("organisation %q does not exist in %s. Check --org, or create it on this first upload with --org-name \"Full Name\"", opts.Org, f.store.describe()))
	}

	var (
		src    ingest.Reader
		format ingest.Format
	)
	if folder { // an HSDS datapackage unpacked: datapackage.json and its CSV files
		src, format, err = formats.OpenFolder(name, ro)
	} else {
		src, format, err = formats.NewReader(in, ro)
	}
	if err != nil {
		rep := &ingest.Report{Organization: opts.Org, Mode: opts.Mode, DryRun: opts.DryRun,
			File: ingest.FileReport{Name: name, Format: format}, Problems: []ingest.Entry{}}
		return finish(f, rep, fmt.Errorf("could not read %s: %w", name, err), stdout, stderr)
	}
	opts.Format = format
	prog := newProgress(stderr, *f.progress)
	opts.Progress = prog.update
	geocoder, _, err := f.geocoder.open(ctx, st, logger)
	if err != nil {
		return err
	}
	w, record := recordedWriter(st, opts, name)
	rep, err := ingest.Run(ctx, src, w, ingestGeocoder{geocoder, aidmap.Precision(*f.minPrecision)}, opts)
	prog.done()
	record(rep, err)
	if err != nil {
		var (
			fe *ingest.FileError
			re *store.RetireError
		)
		switch {
		case errors.Is(err, ingest.ErrNoOrganization):
			return usageError(stderr, err.Error())
		case errors.As(err, &re):
			err = fmt.Errorf("%w with --confirm-retire %d (or --force)", re, re.Retire)
		case errors.As(err, &fe):
			err = fmt.Errorf("could not read %s: %w", name, err)
		case ctx.Err() != nil:
			err = fmt.Errorf("interrupted: %w", ctx.Err())
		}
	}
	return finish(f, rep, err, stdout, stderr)
}

// finish writes the report where it was asked for and returns the upload's error, if any,
// saying that nothing was changed.
func finish(f ingestFlags, rep *ingest.Report, runErr error, stdout, stderr io.Writer) error {
	if runErr != nil {
		rep.Error = runErr.Error()
	}
	format := *f.reportFormat
	if format == "" {
		format = "json"
	}
	text := stdout // where people read the text report
	switch *f.report {
	case "":
	case "-":
		text = stderr
		if format == "text" {
			text = nil // standard output already has it
		}
		if err := writeReport(stdout, rep, format); err != nil {
			return fmt.Errorf("ingest: write report: %w", err)
		}
	default:
		// 0600: the report quotes the file's values, confidential sites' addresses included.
		out, err := os.OpenFile(*f.report, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err == nil {
			err = writeReport(out, rep, format)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("ingest: write report %s: %w", *f.report, err)
		}
	}
	if text != nil && (runErr == nil || rep.Summary.RowsRead > 0) {
		if err := rep.WriteText(text); err != nil {
			return fmt.Errorf("ingest: write report: %w", err)
		}
	}
	if runErr != nil {
		return fmt.Errorf("ingest: %w (nothing was changed)", runErr)
	}
	return nil
}

func writeReport(w io.Writer, rep *ingest.Report, format string) error {
	if format == "text" {
		return rep.WriteText(w)
	}
	return rep.WriteJSON(w)
}

// progress shows how an upload is going on standard error: one line rewritten in place on a
// terminal, a plain line every few seconds otherwise (logs, CI).
type progress struct {
	w       io.Writer
	bar     bool
	off     bool
	start   time.Time
	last    time.Time
	every   time.Duration
	phase   string
	drawn   bool
	lastLen int
}

func newProgress(w io.Writer, mode string) *progress {
	p := &progress{w: w, start: time.Now()}
	switch mode {
	case "none":
		p.off = true
	case "bar":
		p.bar = true
	case "auto":
		p.bar = isTerminal(w)
	}
	p.every = 5 * time.Second
	if p.bar {
		p.every = 100 * time.Millisecond
	}
	p.last = p.start
	return p
}

// isTerminal reports whether w is a character device (a terminal), without a dependency.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) update(pr ingest.Progress) {
	if p.off {
		return
	}
	now := time.Now()
	changed := pr.Phase != p.phase
	p.phase = pr.Phase
	if pr.Phase == "done" || (!changed || !p.bar) && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(pr.Rows) / secs
	}
	p.show("aidmap ingest", fmt.Sprintf("%s: %s rows read, %s rows/s, %s", pr.Phase, thousands(pr.Rows), thousands(int(rate)), now.Sub(p.start).Round(time.Second)))
}

// show draws line: over the previous one on a terminal, else as a line of its own after
// the command's name.
func (p *progress) show(command, line string) {
	if p.bar {
		pad := ""
		if n := p.lastLen - len(line); n > 0 {
			pad = strings.Repeat(" ", n)
		}
		fmt.Fprintf(p.w, "\r%s%s", line, pad)
		p.lastLen, p.drawn = len(line), true
		return
	}
	fmt.Fprintf(p.w, "%s: %s\n", command, line)
}

// done clears the progress line from the terminal.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastLen))
	}
}

// thousands writes n with comma separators: 1234567 → 1,234,567.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
