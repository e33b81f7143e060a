// Package pgtest starts throwaway PostgreSQL+PostGIS clusters for tests that must control the
// server itself: stop it under load, start it again, kill it. Tests that only need a database
// use the cluster scripts/test starts (AIDMAP_TEST_DATABASE_URL) instead.
//
// A cluster lives in a fresh temporary directory, listens on a free loopback port, trusts local
// connections and is removed when the test ends. initdb refuses to run as root, so as root the
// server runs as the "postgres" system user that Debian's package creates.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Cluster is one running (or stopped) PostgreSQL server.
type Cluster struct {
	t    testing.TB
	bin  string // directory of initdb, pg_ctl, postgres
	dir  string // data directory (and unix socket directory)
	port int
	as   string // system user to run as, "" for the current one
}

// Available reports why clusters cannot be started here, or "" when they can.
func Available() string {
	if _, err := binDir(); err != nil {
		return err.Error()
	}
	return ""
}

// Start initialises and starts a cluster. When PostgreSQL is not installed it skips the test,
// unless CI is set: CI must run every test (scripts/test installs PostgreSQL).
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pgtest: %v (scripts/test installs it)", err)
		}
		t.Skipf("pgtest: %v; run ./scripts/test to install it", err)
	}
	c := &Cluster{t: t, bin: bin}
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		c.as = "postgres"
	}
	// Not t.TempDir: its parents are private to the test's user, and the server may run as
	// another one.
	c.dir, err = os.MkdirTemp("", "aidmap-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.pgctl("stop", "-m", "immediate") // may already be stopped
		os.RemoveAll(c.dir)
	})
	if c.as != "" {
		c.run("chown", "-R", c.as, c.dir)
	}
	c.port = freePort(t)
	c.must(c.command(filepath.Join(bin, "initdb"), "-D", c.dir, "-U", "aidmap", "--auth=trust", "-E", "UTF8", "--locale=C"))
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nfull_page_writes = off\nsynchronous_commit = off\nmax_connections = 100\n", c.port, c.dir)
	c.appendConf(conf)
	c.Start()
	c.Psql("postgres", "CREATE DATABASE aidmap")
	return c
}

// URL returns the connection URL of database db.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://aidmap@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Start starts the server (again) on the same port and data.
func (c *Cluster) Start() {
	c.t.Helper()
	c.must(c.pgctl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log")))
}

// Stop stops the server the fast way: open connections are cut, as in a real outage.
func (c *Cluster) Stop() {
	c.t.Helper()
	c.must(c.pgctl("stop", "-w", "-m", "fast"))
}

// Psql runs SQL in database db as the superuser.
func (c *Cluster) Psql(db, sql string) string {
	c.t.Helper()
	psql := filepath.Join(c.bin, "psql")
	cmd := c.command(psql, "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "aidmap", "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (c *Cluster) appendConf(s string) {
	f, err := os.OpenFile(filepath.Join(c.dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *Cluster) pgctl(args ...string) *exec.Cmd {
	return c.command(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.dir}, args...)...)
}

// command runs name as the cluster's system user.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	if c.as == "" {
		return exec.Command(name, args...)
	}
	return exec.Command("runuser", append([]string{"-u", c.as, "--", name}, args...)...)
}

func (c *Cluster) must(cmd *exec.Cmd) {
	c.t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("%v: %v\n%s\n%s", cmd.Args, err, out, log)
	}
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	c.must(exec.Command(name, args...))
}

// binDir finds the newest installed PostgreSQL server's binaries (Debian's layout first).
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
