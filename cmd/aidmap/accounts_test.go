package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
)

// aidmapCmd runs the built binary and returns its stdout, stderr and exit code.
func aidmapCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run aidmap %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"720h", 720 * time.Hour, true},
		{"never", 0, true},
		{"0d", 0, false},
		{"-5d", 0, false},
		{"9999d", 0, false},
		{"soon", 0, false},
		{"-1h", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseExpiry(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseExpiry(%q): got %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// TestTokenCommands creates an organisation and tokens, lists and revokes them, and checks the
// secret is printed once and never listed.
func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := aidmapCmd(t, "org", "create", "--name", "Food Bank Society", "--slug", "fbs", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "fbs") {
		t.Fatalf("org create: exit %d, %s %s", code, out, errs)
	}
	secret, errs, code := aidmapCmd(t, "token", "create", "--org", "fbs", "--expires", "30d", "--data-dir", dir)
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "aidmap_") || len(secret) != len("aidmap_")+43 {
		t.Fatalf("token create: exit %d, secret %q, %s", code, secret, errs)
	}
	list, _, code := aidmapCmd(t, "token", "list", "--data-dir", dir)
	if code != 0 || strings.Contains(list, secret) || !strings.Contains(list, "editor") || !strings.Contains(list, "active") {
		t.Fatalf("token list: exit %d:\n%s", code, list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if _, errs, code := aidmapCmd(t, "token", "revoke", id, "--data-dir", dir); code != 0 {
		t.Fatalf("token revoke: exit %d: %s", code, errs)
	}
	if list, _, _ := aidmapCmd(t, "token", "list", "--org", "fbs", "--data-dir", dir); !strings.Contains(list, "revoked") {
		t.Errorf("token list after revoke:\n%s", list)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"unknown organisation", []string{"token", "create", "--org", "nope"}, "does not exist"},
		{"editor for everyone", []string{"token", "create"}, "organization_id"},
		{"bad role", []string{"token", "create", "--org", "fbs", "--role", "owner"}, "role"},
		{"bad expiry", []string{"token", "create", "--org", "fbs", "--expires", "soon"}, "--expires"},
		{"unknown token", []string{"token", "revoke", "tok_nope"}, "no token"},
		{"bad slug", []string{"org", "create", "--name", "X", "--slug", "Bad Slug"}, "--slug"},
		{"no name", []string{"org", "create", "--slug", "x"}, "--name"},
		{"no subcommand", []string{"token"}, "Usage"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := aidmapCmd(t, append(tt.args, "--data-dir", dir)...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
}

// TestAccountsEndToEnd: an administrator creates two organisations and their tokens with the
// command line; fbs uploads a file over HTTP to a running server, polls it to the end, sees its
// sites published, edits one, rolls the upload back and sees them gone; other's token is
// refused on every fbs endpoint and nothing of fbs changes.
func TestAccountsEndToEnd(t *testing.T) {
	accountsEndToEnd(t, "--data-dir", t.TempDir())
}

// TestAccountsEndToEndPostGIS runs the same against PostGIS (AIDMAP_TEST_DATABASE_URL), in a
// schema of its own.
func TestAccountsEndToEndPostGIS(t *testing.T) {
	base := os.Getenv("AIDMAP_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("AIDMAP_TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("aidmap_e2e_accounts_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	accountsEndToEnd(t, "--database-url", u.String())
}

func accountsEndToEnd(t *testing.T, storeArgs ...string) {
	for _, org := range [][2]string{{"fbs", "Food Bank Society"}, {"other", "Other Org"}} {
		if _, errs, code := aidmapCmd(t, append([]string{"org", "create", "--slug", org[0], "--name", org[1]}, storeArgs...)...); code != 0 {
			t.Fatalf("org create %s: %s", org[0], errs)
		}
	}
	tokens := map[string]string{}
	for _, org := range []string{"fbs", "other"} {
		out, errs, code := aidmapCmd(t, append([]string{"token", "create", "--org", org}, storeArgs...)...)
		if code != 0 {
			t.Fatalf("token create %s: %s", org, errs)
		}
		tokens[org] = strings.TrimSpace(out)
	}
	base := startServer(t, append([]string{"--demo=false", "--sync-interval", "50ms"}, storeArgs...)...)

	call := func(method, path, token string, body []byte) (int, []byte, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	// eventually polls until ok says the condition holds: the index follows the store a
	// sync interval later, and the upload runs in the background.
	eventually := func(what string, ok func() bool) {
		t.Helper()
		// A hang guard, not a timing test: a busy 2-core machine running the race detector
		// can take well over 10 s to claim, run and index an upload.
		for i := 0; i < 4800; i++ {
			if ok() {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("%s: not after 2 minutes", what)
	}

	csv := "id,name,lat,lon,category,confidential\n" +
		"FB1,Food Bank <b>A</b>,49.2827,-123.1207,food bank,\n" +
		"SH1,Safe House,49.2612,-123.1139,shelter,yes\n" +
		"BAD,,49.2,-123.1,food bank,\n"
	code, b, h := call("POST", "/api/v1/orgs/fbs/uploads?name=sites.csv", tokens["fbs"], []byte(csv))
	if code != 202 || h.Get("Location") == "" {
		t.Fatalf("upload: %d %s", code, b)
	}
	var rec struct {
		ID, Status        string
		Created, Rejected int
		Report            struct {
			Problems []struct{ Row int }
		}
	}
	eventually("upload done", func() bool {
		code, b, _ := call("GET", h.Get("Location"), tokens["fbs"], nil)
		return code == 200 && json.Unmarshal(b, &rec) == nil && rec.Status != "queued" && rec.Status != "running"
	})
	if rec.Status != "done" || rec.Created != 2 || rec.Rejected != 1 || len(rec.Report.Problems) == 0 || rec.Report.Problems[0].Row != 4 {
		t.Fatalf("upload record: %+v", rec)
	}
	fb1, sh1 := aidmap.SiteID("fbs", "FB1"), aidmap.SiteID("fbs", "SH1")
	eventually("FB1 published", func() bool {
		code, _, _ := call("GET", "/api/v1/sites/"+fb1, "", nil)
		return code == 200
	})
	// Its own organisation sees the confidential site exactly.
	code, b, _ = call("GET", "/api/v1/orgs/fbs/sites/"+sh1, tokens["fbs"], nil)
	var own aidmap.Site
	if code != 200 || json.Unmarshal(b, &own) != nil || own.Lat != 49.2612 || own.Lon != -123.1139 || !own.Confidential {
		t.Fatalf("own confidential site: %d %s", code, b)
	}

	// Everything of fbs is refused to other's token, and changes nothing.
	for _, ep := range []struct{ method, path string }{
		{"POST", "/api/v1/orgs/fbs/uploads"},
		{"GET", "/api/v1/orgs/fbs/uploads"},
		{"GET", "/api/v1/orgs/fbs/uploads/" + rec.ID},
		{"POST", "/api/v1/orgs/fbs/uploads/" + rec.ID + "/rollback"},
		{"GET", "/api/v1/orgs/fbs/sites/" + sh1},
		{"PUT", "/api/v1/orgs/fbs/sites/" + fb1},
		{"PATCH", "/api/v1/orgs/fbs/sites/" + fb1},
		{"DELETE", "/api/v1/orgs/fbs/sites/" + fb1},
		{"GET", "/api/v1/orgs/fbs/history"},
	} {
		if code, b, _ := call(ep.method, ep.path, tokens["other"], []byte(`{"status":"closed"}`)); code != 403 {
			t.Errorf("other's token: %s %s: got %d %s, want 403", ep.method, ep.path, code, b)
		}
		if code, _, _ := call(ep.method, ep.path, "", nil); code != 401 {
			t.Errorf("no token: %s %s: got %d, want 401", ep.method, ep.path, code)
		}
	}
	// other's own token cannot reach fbs's sites through its own organisation either.
	if code, _, _ := call("DELETE", "/api/v1/orgs/other/sites/"+fb1, tokens["other"], nil); code != 404 {
		t.Errorf("other deleting fbs's site via its own path: got %d, want 404", code)
	}

	// A small fix, then the rollback of the whole upload is refused (the fix came later)…
	if code, b, _ := call("PATCH", "/api/v1/orgs/fbs/sites/"+fb1, tokens["fbs"], []byte(`{"status":"temporarily_closed"}`)); code != 200 {
		t.Fatalf("PATCH: %d %s", code, b)
	}
	code, b, _ = call("POST", "/api/v1/orgs/fbs/uploads/"+rec.ID+"/rollback", tokens["fbs"], nil)
	if code != 409 {
		t.Fatalf("rollback under a later edit: %d %s, want 409", code, b)
	}
	// …until the fix is rolled back first; then the upload's sites are gone from the map.
	var edits struct{ Uploads []struct{ ID, Mode string } }
	_, b, _ = call("GET", "/api/v1/orgs/fbs/uploads", tokens["fbs"], nil)
	if json.Unmarshal(b, &edits); len(edits.Uploads) != 2 || edits.Uploads[0].Mode != "edit" {
		t.Fatalf("uploads: %s", b)
	}
	for _, id := range []string{edits.Uploads[0].ID, rec.ID} {
		if code, b, _ := call("POST", "/api/v1/orgs/fbs/uploads/"+id+"/rollback", tokens["fbs"], nil); code != 200 {
			t.Fatalf("rollback %s: %d %s", id, code, b)
		}
	}
	eventually("FB1 gone after rollback", func() bool {
		code, _, _ := call("GET", "/api/v1/sites/"+fb1, "", nil)
		return code == 404
	})
	code, b, _ = call("GET", "/api/v1/orgs/fbs/history", tokens["fbs"], nil)
	var hist struct{ History []struct{ Kind string } }
	if json.Unmarshal(b, &hist); code != 200 || len(hist.History) != 6 {
		t.Errorf("history: %d %s, want 6 entries (2 created, 1 edit, its undo, 2 retired)", code, b)
	}

	// A revoked token is refused at once.
	list, _, _ := aidmapCmd(t, append([]string{"token", "list", "--org", "fbs"}, storeArgs...)...)
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if _, errs, code := aidmapCmd(t, append([]string{"token", "revoke", id}, storeArgs...)...); code != 0 {
		t.Fatalf("revoke: %s", errs)
	}
	if code, _, _ := call("GET", "/api/v1/orgs/fbs/uploads", tokens["fbs"], nil); code != 401 {
		t.Errorf("revoked token: got %d, want 401", code)
	}
}
