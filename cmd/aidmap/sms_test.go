package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aidmap/aidmap/store/sqlite"
)

// TestSMSFlags: the Android gateway's flags come as a set; with SQLite (one process) the
// webhooks keep their state in memory, under a salt every replica would derive alike from the
// deployment key.
func TestSMSFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, ""},
		{[]string{"--sms-android-signing-key", "k"}, "needs --sms-android-url"},
		{[]string{"--sms-android-url", "http://192.168.1.5:8080"}, "needs --sms-android-signing-key"},
		{[]string{"--sms-android-signing-key", "k", "--sms-android-url", "http://192.168.1.5:8080"}, "username and a password"},
		{[]string{"--sms-android-signing-key", "k", "--sms-android-url", "192.168.1.5:8080", "--sms-android-user", "sms", "--sms-android-password", "p"}, "want http(s)://"},
		{[]string{"--sms-android-signing-key", "k", "--sms-android-url", "http://192.168.1.5:8080", "--sms-android-user", "sms", "--sms-android-password", "p"}, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := newFlagSet("serve", "", &bytes.Buffer{})
			sf := addSMSFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := sf.config(ctx, st, slog.New(slog.DiscardHandler))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.State != nil || len(cfg.Salt) != 32 {
				t.Errorf("state %v, salt of %d bytes: want memory and a 32-byte salt", cfg.State, len(cfg.Salt))
			}
			if (cfg.Android != nil) != (cfg.AndroidSigningKey != "") {
				t.Errorf("android outbox %v with signing key %q", cfg.Android, cfg.AndroidSigningKey)
			}
			again, _ := sf.config(ctx, st, nil)
			if !bytes.Equal(again.Salt, cfg.Salt) {
				t.Error("the salt differs between two configurations of one store")
			}
		})
	}
}
