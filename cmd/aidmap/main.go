// Command aidmap turns community groups' lists of essential services into a live map and API.
// It is the only main package and the only place that reads flags and the environment: it
// wires the store, the index follower and the HTTP server together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise it comes
// from the module's build information.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v // a tagged or pseudo-version already names the commit
	}
	v := "devel"
	rev, modified := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += "+" + rev
		if modified {
			v += ".dirty"
		}
	}
	return v
}

// runFunc runs a command with its arguments (the command's name left out).
type runFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// command is one subcommand of aidmap.
type command struct {
	name    string
	summary string
	run     runFunc
}

// dispatch runs the subcommand args[0] of a command group ("aidmap tiles export"), printing
// the group's summary for help or an unknown subcommand.
func dispatch(ctx context.Context, group, summary string, subs map[string]runFunc, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, summary)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	if run, ok := subs[args[0]]; ok {
		return run(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "aidmap %s: unknown subcommand %q\n\n%s\n", group, args[0], summary)
	return errUsage
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server: map, API, health and metrics", runServe},
		{"basemap", "build an offline street basemap (PMTiles) from an OpenStreetMap extract", runBasemap},
		{"ingest", "load an organisation's list of sites (CSV, GeoJSON, HSDS) into the store, with a report", runIngest},
		{"gazetteer", "import address points (OpenAddresses, OpenStreetMap) for the embedded geocoder", runGazetteer},
		{"geocode", "look up an address or place: point, precision, confidence and matched label", runGeocode},
		{"migrate", "apply the store's schema migrations and exit", runMigrate},
		{"tiles", "write the sites layer as vector tiles: tiles export writes a PMTiles archive", runTiles},
		{"org", "create an organisation whose stewards upload over HTTP: org create --name NAME --slug ID", runOrg},
		{"token", "issue, list and revoke API tokens: token create --org ID, token list, token revoke ID", runToken},
		{"export", "write the whole store as an NDJSON dump (to move it to another store)", runExport},
		{"import", "read a dump written by export into the store", runImport},
		{"version", "print the version", runVersion},
		{"help", "show help for aidmap or one of its commands", runHelp},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "aidmap:", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2 - boolInt(!errors.Is(err, errUsage)))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errUsage means the command line was wrong; usage has already been printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		usage(stdout)
		return nil
	}
	if name == "-v" || name == "--version" {
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "aidmap: unknown command %q\n\n", name)
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `aidmap serves a map and API of essential services (food banks, free meals,
shelters, clinics...) from the lists community groups keep.

Usage:
  aidmap <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "aidmap help <command>" or "aidmap <command> -h" for a command's flags.
Every flag can also be set with the AIDMAP_* environment variable shown beside it.
`)
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stdout, "aidmap", buildVersion())
	return nil
}

func runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" && c.name != "version" {
			err := c.run(ctx, []string{"-h"}, stdout, stdout)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	if args[0] == "help" || args[0] == "version" {
		usage(stdout)
		return nil
	}
	return fmt.Errorf("unknown command %q; run aidmap help", args[0])
}
