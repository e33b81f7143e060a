package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// flagSet wraps flag.FlagSet so that every flag takes its default from an AIDMAP_*
// environment variable and its help line names that variable.
type flagSet struct {
	*flag.FlagSet
	env map[string]string // flag name → environment variable
	err error             // first bad environment value
}

func newFlagSet(name, summary string, out io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), env: map[string]string{}}
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: aidmap %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := f.DefValue
			if _, isString := f.Value.(*stringValue); isString || def == "" {
				def = strconv.Quote(def)
			}
			fmt.Fprintf(out, "  --%s\n        %s (default %s, env %s)\n", f.Name, f.Usage, def, fs.env[f.Name])
		})
	}
	return fs
}

func envName(flagName string) string {
	return "AIDMAP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

type stringValue string

func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }
func (s *stringValue) String() string     { return string(*s) }

// String defines a string flag whose default may come from the environment.
func (fs *flagSet) String(name, def, usage string) *string {
	env := envName(name)
	fs.env[name] = env
	p := new(string)
	*p = def
	fs.Var((*stringValue)(p), name, usage)
	fs.Lookup(name).DefValue = def
	if v, ok := os.LookupEnv(env); ok {
		*p = v
	}
	return p
}

// Bool defines a boolean flag whose default may come from the environment.
func (fs *flagSet) Bool(name string, def bool, usage string) *bool {
	env := envName(name)
	fs.env[name] = env
	p := fs.FlagSet.Bool(name, def, usage)
	if v, ok := os.LookupEnv(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil && fs.err == nil {
			fs.err = fmt.Errorf("%s=%q: want true or false", env, v)
		}
		*p = b
	}
	return p
}

// Int defines an integer flag whose default may come from the environment.
func (fs *flagSet) Int(name string, def int, usage string) *int {
	env := envName(name)
	fs.env[name] = env
	p := fs.FlagSet.Int(name, def, usage)
	if v, ok := os.LookupEnv(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil && fs.err == nil {
			fs.err = fmt.Errorf("%s=%q: want a whole number", env, v)
		}
		*p = n
	}
	return p
}

// Float64 defines a number flag whose default may come from the environment.
func (fs *flagSet) Float64(name string, def float64, usage string) *float64 {
	env := envName(name)
	fs.env[name] = env
	p := fs.FlagSet.Float64(name, def, usage)
	if v, ok := os.LookupEnv(env); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && fs.err == nil {
			fs.err = fmt.Errorf("%s=%q: want a number", env, v)
		}
		*p = f
	}
	return p
}

// Duration defines a duration flag whose default may come from the environment.
func (fs *flagSet) Duration(name string, def time.Duration, usage string) *time.Duration {
	env := envName(name)
	fs.env[name] = env
	p := fs.FlagSet.Duration(name, def, usage)
	if v, ok := os.LookupEnv(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil && fs.err == nil {
			fs.err = fmt.Errorf("%s=%q: want a duration such as 500ms or 2s", env, v)
		}
		*p = d
	}
	return p
}

// Parse parses args, reporting a bad environment value first.
func (fs *flagSet) Parse(args []string) error {
	if err := fs.FlagSet.Parse(args); err != nil {
		return err
	}
	if fs.err != nil {
		return fs.err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; flags are written --name=value", fs.Arg(0))
	}
	return nil
}

// parseWithArgs parses flags that may come before or after positional arguments
// (`aidmap import dump.ndjson --data-dir x`) and returns the positional ones.
func (fs *flagSet) parseWithArgs(args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.FlagSet.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if fs.err != nil {
		return nil, fs.err
	}
	return positional, nil
}

// logFlags are the logging flags every long-running command has.
type logFlags struct {
	level  *string
	format *string
}

func addLogFlags(fs *flagSet) logFlags {
	return logFlags{
		level:  fs.String("log-level", "info", "log level: debug, info, warn or error"),
		format: fs.String("log-format", "text", "log format: text or json"),
	}
}

func (lf logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(*lf.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", *lf.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch *lf.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", *lf.format)
	}
}
