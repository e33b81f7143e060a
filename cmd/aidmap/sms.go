package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
	"github.com/aidmap/aidmap/web"
)

// smsFlags configure the text-message webhooks of serve; all off by default.
type smsFlags struct {
	twilioToken, publicURL, secret, example              *string
	androidKey, androidURL, androidUser, androidPassword *string
	perNumber                                            *int
}

func addSMSFlags(fs *flagSet) smsFlags {
	return smsFlags{
		twilioToken:     fs.String("sms-twilio-token", "", "Twilio auth token: turns on POST /api/v1/sms/twilio and checks X-Twilio-Signature with it; empty leaves it off (404)"),
		publicURL:       fs.String("sms-public-url", "", "scheme and host Twilio calls (https://aid.example.org), which its signature covers; empty takes them from each request"),
		secret:          fs.String("sms-secret", "", "shared secret of POST /api/v1/sms/gateway (self-hosted SMS gateways send it as X-Aidmap-Secret); empty leaves it off (404)"),
		androidKey:      fs.String("sms-android-signing-key", "", "signing key set in SMS Gateway for Android: its webhooks to POST /api/v1/sms/gateway are checked with it (X-Signature); needs --sms-android-url"),
		androidURL:      fs.String("sms-android-url", "", "SMS Gateway for Android's send API, where replies go: http://<phone-ip>:8080 (local) or https://api.sms-gate.app/3rdparty/v1 (cloud)"),
		androidUser:     fs.String("sms-android-user", "", "username of SMS Gateway for Android's send API (shown in the app)"),
		androidPassword: fs.String("sms-android-password", "", "password of SMS Gateway for Android's send API (shown in the app)"),
		perNumber:       fs.Int("sms-rate", 5, "text messages answered per phone number a minute (kept by a salted hash of the number; in PostGIS, shared by replicas)"),
		example:         fs.String("sms-example", "V6A 2K5", "a postal code or place of your area, used in the text-message instructions"),
	}
}

// config returns the webhooks' configuration. Limits, "more" and webhook IDs already
// answered are kept in PostGIS when that is the store (every replica sees them), else in
// memory, under hashes keyed by a salt derived from the deployment key (every replica
// derives the same one). Replies to
// SMS Gateway for Android are sent by workers that stop with ctx; expired rows are swept
// every 10 minutes until then.
func (sf smsFlags) config(ctx context.Context, st store.Store, logger *slog.Logger) (web.SMS, error) {
	if *sf.perNumber < 1 {
		return web.SMS{}, fmt.Errorf("--sms-rate %d: want 1 or more", *sf.perNumber)
	}
	if u := *sf.publicURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return web.SMS{}, fmt.Errorf("--sms-public-url %q: want https://host (the URL Twilio is configured with, without the path)", u)
	}
	cfg := web.SMS{TwilioToken: *sf.twilioToken, PublicURL: *sf.publicURL, Secret: *sf.secret,
		PerNumberPerMinute: *sf.perNumber, Example: *sf.example, AndroidSigningKey: *sf.androidKey, Logger: logger}
	switch {
	case *sf.androidKey != "" && *sf.androidURL == "":
		return web.SMS{}, errors.New("--sms-android-signing-key needs --sms-android-url (with --sms-android-user and --sms-android-password): SMS Gateway for Android does not send a webhook's answer, replies go through its send API")
	case *sf.androidURL != "" && *sf.androidKey == "":
		return web.SMS{}, errors.New("--sms-android-url needs --sms-android-signing-key: the webhooks it answers must be signed (set the key in the app's webhook settings)")
	case *sf.androidURL != "":
		out, err := web.StartAndroidOutbox(ctx, web.AndroidSend{URL: *sf.androidURL, User: *sf.androidUser,
			Password: *sf.androidPassword, Logger: logger})
		if err != nil {
			return web.SMS{}, fmt.Errorf("--sms-android-url, --sms-android-user, --sms-android-password: %w", err)
		}
		cfg.Android = out
	}
	key, err := st.DeploymentKey(ctx)
	if err != nil {
		return web.SMS{}, fmt.Errorf("sms: deployment key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("aidmap: salt of phone number hashes"))
	cfg.Salt = m.Sum(nil)
	// Replicas share PostGIS, so the state lives there (about 1.2 ms of two writes a
	// message, BenchmarkSMSState). SQLite serves one process, whose memory is the faster
	// place: its one writer connection is also the uploads', and each commit is synced (a
	// message took tens of milliseconds on a busy machine, BenchmarkAnswerSQLiteState).
	if pg, ok := st.(*postgis.Store); ok {
		cfg.State = pg
		go sweepSMS(ctx, pg, logger)
	}
	return cfg, nil
}

// sweepSMS deletes the store's expired SMS rows every 10 minutes until ctx ends. Each replica
// sweeps; a sweep that finds nothing costs one indexed query.
func sweepSMS(ctx context.Context, st store.SMSState, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := st.SweepSMS(ctx, time.Now()); err != nil && ctx.Err() == nil {
				logger.Warn("sms: expired rows not swept", "error", err)
			}
		}
	}
}
