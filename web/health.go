package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// handleHealth says the process is alive; it checks nothing else, so an orchestrator does not
// restart a replica just because its database is down.
// Its body is a constant: it is the floor of what an HTTP answer costs here (scripts/bench
// measures it beside the queries).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(healthBody)))
	_, _ = w.Write(healthBody)
}

var healthBody = []byte(`{"status":"ok"}` + "\n")

// handleReady says whether this replica should get traffic: the index is loaded and the store
// answers. With the store down the replica still answers reads from memory, so it reports
// "degraded" with 503 and the reason, and a load balancer may choose to keep it.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{
		"index_loaded":  s.source.Loaded(),
		"index_sites":   s.source.Index().Len(),
		"index_version": s.source.Index().Version(),
		"store":         "ok",
	}
	status := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.metrics.storeErrors.Inc()
		body["store"] = "unreachable"
		body["status"] = "degraded"
		status = http.StatusServiceUnavailable
	}
	if !s.source.Loaded() {
		body["status"] = "starting"
		status = http.StatusServiceUnavailable
	}
	if status == http.StatusOK {
		body["status"] = "ready"
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
