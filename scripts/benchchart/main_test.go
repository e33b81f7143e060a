package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestPointsDeterministicAndNearCities(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tsv"), filepath.Join(dir, "b.tsv")
	for _, f := range []string{a, b} {
		if err := runPoints([]string{"-n", "500", "-seed", "7", "-out", f}); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) || len(da) == 0 {
		t.Fatal("the same seed gave different points")
	}
	lines := strings.Split(strings.TrimSpace(string(da)), "\n")
	if len(lines) != 500 || !strings.HasPrefix(lines[0], "1\t") || !strings.HasPrefix(lines[499], "500\t") {
		t.Fatalf("want 500 numbered lines, got %d: %q ... %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

func TestPgLat(t *testing.T) {
	f := filepath.Join(t.TempDir(), "log.1")
	var s strings.Builder
	for i := 1; i <= 100; i++ { // 1 ms to 100 ms
		s.WriteString("0 " + strconv.Itoa(i) + " " + strconv.Itoa(i*1000) + " 0 1700000000 123456\n")
	}
	s.WriteString("0 101 failed 0 1700000000 123456\n")
	os.WriteFile(f, []byte(s.String()), 0o644)
	var out bytes.Buffer
	if err := runPgLat([]string{f}, &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "100 1 50.500 50.000 99.000\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestChartAndTables(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "results.csv")
	csv := "system,query,concurrency,seconds,requests,rps,p50_ms,p99_ms,errors\n" +
		"postgis,knn10,1,10,10000,1000,0.9,2,0\n" +
		"postgis,knn10,2,10,16000,1600,1.1,3,0\n" +
		"aidmap,nearest10,1,10,90000,9000,0.1,0.4,0\n" +
		"aidmap,nearest10,2,10,150000,15000,0.12,0.5,0\n" +
		"aidmap,healthz,2,10,200000,20000,0.08,0.3,0\n"
	os.WriteFile(in, []byte(csv), 0o644)
	svg, md := filepath.Join(dir, "c.svg"), filepath.Join(dir, "t.md")
	if err := runChart([]string{"-in", in, "-svg", svg, "-md", md, "-title", "N = 1 & more"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(svg)
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
	}
	for _, want := range []string{"N = 1 &amp; more", "PostGIS KNN 10", "aidmap HTTP nearest-10", "<polyline"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	tab, _ := os.ReadFile(md)
	for _, want := range []string{"| 1 | 9,000 | 0.10 ms | 0.40 ms | 1,000 | 0.90 ms | 2.00 ms | 9.0× |", "| 2 | 15,000 |", "9.4×", "| 75% |",
		"| nearest-10 / `/healthz`, 2 clients | ≥ 65% | 75% (of 20,000) | yes |", "| nearest-10 req/s, 2 clients | ≥ 15,000 | 15,000 | yes |"} {
		if !strings.Contains(string(tab), want) {
			t.Errorf("tables lack %q:\n%s", want, tab)
		}
	}
}

func TestLogTicks(t *testing.T) {
	got := logTicks(1700, 26000)
	if got[0] != 1000 || got[len(got)-1] != 50000 {
		t.Fatalf("logTicks(1700, 26000) = %v", got)
	}
}
