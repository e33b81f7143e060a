package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"
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
