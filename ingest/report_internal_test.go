package ingest

import (
	"bytes"
	"strings"
	"testing"
)

func TestReportTextLimits(t *testing.T) {
	rep := newReport(Options{Org: "o"})
	long := strings.Repeat("very long value ", 20)
	var ps []Problem
	for i := 2; i < 200; i += 2 {
		ps = append(ps, Problem{Severity: Rejected, Row: i, Field: "address", Value: long, Reason: ReasonNotLocated})
	}
	rep.add(ps)
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, long) || !strings.Contains(out, "…") {
		t.Error("long values are not truncated")
	}
	if !strings.Contains(out, "and 59 more (see the JSON report)") {
		t.Errorf("row list not cut at %d:\n%s", textRows, out)
	}
	if strings.Count(out, "    row ") != textExamples {
		t.Errorf("got %d example rows, want %d", strings.Count(out, "    row "), textExamples)
	}
}

func TestRowRanges(t *testing.T) {
	entries := func(rows ...int) []Entry {
		var out []Entry
		for _, r := range rows {
			out = append(out, Entry{Row: r})
		}
		return out
	}
	tests := []struct {
		rows  []int
		limit int
		want  string
		more  int
	}{
		{[]int{5}, 10, "5", 0},
		{[]int{2, 3, 4, 5, 9, 12, 13}, 10, "2-5, 9, 12-13", 0},
		{[]int{2, 2, 3, 7, 7}, 10, "2-3, 7", 0},
		{[]int{2, 4, 6, 8}, 2, "2, 4", 2},
		{[]int{2, 3, 4, 6, 6, 8}, 1, "2-4", 2},
	}
	for _, tt := range tests {
		got, more := rowRanges(entries(tt.rows...), tt.limit)
		if got != tt.want || more != tt.more {
			t.Errorf("rowRanges(%v, %d): got %q, %d; want %q, %d", tt.rows, tt.limit, got, more, tt.want, tt.more)
		}
	}
}
