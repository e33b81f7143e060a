package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// style of one line on the chart.
type style struct {
	color, dash, marker string // marker: "circle" or "square"
}

var styles = map[series]style{
	{"aidmap", "nearest10"}:   {"#d95f02", "", "circle"},
	{"aidmap", "radius2km"}:   {"#d95f02", "6 4", "square"},
	{"postgis", "knn10"}:      {"#336791", "", "circle"},
	{"postgis", "dwithin2km"}: {"#336791", "6 4", "square"},
	{"aidmap", "nearest10gz"}: {"#e7298a", "", "circle"},
	{"postgis", "knn10json"}:  {"#1b9e77", "", "circle"},
	{"aidmap", "bbox"}:        {"#d95f02", "2 3", "circle"},
	{"postgis", "bbox"}:       {"#336791", "2 3", "circle"},
	{"aidmap", "tiles"}:       {"#a6761d", "", "square"},
	{"postgis", "tiles"}:      {"#666666", "", "square"},
	{"aidmap", "healthz"}:     {"#000000", "1 3", "circle"},
}

// Chart geometry, in SVG user units (pixels at 100%).
const (
	chartW, chartH = 1000, 560
	plotTop        = 96
	plotBottom     = 420
	panelW         = 500
	plotLeft       = 78 // within a panel
	plotRight      = 470
)

// drawSVG draws two panels side by side, throughput and p99 latency against client
// concurrency (log₂ x axis, log₁₀ y axes), one line per series, and a legend underneath.
func drawSVG(rows []row, title, subtitle string) string {
	var order []series
	for _, p := range pairs {
		for _, s := range []series{p.aidmap, p.postgis} {
			if !slices.Contains(order, s) {
				order = append(order, s)
			}
		}
	}
	bySeries := map[series][]row{}
	for _, r := range rows {
		s := series{r.system, r.query}
		bySeries[s] = append(bySeries[s], r)
		if !slices.Contains(order, s) {
			order = append(order, s)
		}
	}
	var present []series
	for _, s := range order {
		if rs := bySeries[s]; len(rs) > 0 {
			slices.SortFunc(rs, func(a, b row) int { return a.conc - b.conc })
			present = append(present, s)
		}
	}
	minC, maxC := math.MaxInt, 1
	for _, r := range rows {
		minC, maxC = min(minC, r.conc), max(maxC, r.conc)
	}
	minC = max(minC, 1)
	if maxC == minC {
		maxC = minC * 2
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="30" text-anchor="middle" font-size="19" font-weight="bold" fill="#222">%s</text>`+"\n", chartW/2, html.EscapeString(title))
	if subtitle != "" {
		fmt.Fprintf(&b, `<text x="%d" y="54" text-anchor="middle" font-size="13" fill="#555">%s</text>`+"\n", chartW/2, html.EscapeString(subtitle))
	}
	panels := []struct {
		title, yLabel string
		value         func(row) float64
	}{
		{"Throughput (higher is better)", "requests / s (log scale)", func(r row) float64 { return r.rps }},
		{"p99 latency (lower is better)", "p99 latency, ms (log scale)", func(r row) float64 { return r.p99 }},
	}
	for i, p := range panels {
		drawPanel(&b, float64(i*panelW), p.title, p.yLabel, p.value, present, bySeries, minC, maxC)
	}
	drawLegend(&b, present)
	b.WriteString("</svg>\n")
	return b.String()
}

func drawPanel(b *strings.Builder, x0 float64, title, yLabel string, value func(row) float64, present []series, bySeries map[series][]row, minC, maxC int) {
	left, right := x0+plotLeft, x0+plotRight
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range present {
		for _, r := range bySeries[s] {
			if v := value(r); v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	ticks := logTicks(lo, hi)
	yLo, yHi := ticks[0], ticks[len(ticks)-1]
	xOf := func(c int) float64 {
		return left + (math.Log2(float64(c))-math.Log2(float64(minC)))/(math.Log2(float64(maxC))-math.Log2(float64(minC)))*(right-left)
	}
	yOf := func(v float64) float64 {
		return plotBottom - (math.Log10(v)-math.Log10(yLo))/(math.Log10(yHi)-math.Log10(yLo))*(plotBottom-plotTop)
	}

	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">%s</text>`+"\n", (left+right)/2, plotTop-14, html.EscapeString(title))
	// Grid and y ticks.
	for _, t := range ticks {
		y := yOf(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`+"\n", left, y, right, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", left-6, y+4, tickLabel(t))
	}
	// x ticks at powers of two.
	for c := 1; c <= maxC; c *= 2 {
		if c < minC {
			continue
		}
		x := xOf(c)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e3e3e3"/>`+"\n", x, plotTop, x, plotBottom)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%d</text>`+"\n", x, plotBottom+18, c)
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="#888"/>`+"\n", left, plotTop, right-left, plotBottom-plotTop)
	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#222">client connections (log₂ scale)</text>`+"\n", (left+right)/2, plotBottom+42)
	fmt.Fprintf(b, `<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle" fill="#222">%s</text>`+"\n", x0+20, float64(plotTop+plotBottom)/2, html.EscapeString(yLabel))

	for _, s := range present {
		st := styleOf(s)
		var pts []string
		for _, r := range bySeries[s] {
			if v := value(r); v > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(r.conc), yOf(v)))
			}
		}
		dash := ""
		if st.dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, st.dash)
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.2"%s/>`+"\n", strings.Join(pts, " "), st.color, dash)
		for _, r := range bySeries[s] {
			if v := value(r); v > 0 {
				marker(b, st, xOf(r.conc), yOf(v), fmt.Sprintf("%s, %d clients: %s", label(s), r.conc, valueText(value, r)))
			}
		}
	}
}

func valueText(value func(row) float64, r row) string {
	if value(r) == r.rps {
		return thousands(r.rps) + " req/s"
	}
	return ms(r.p99) + " ms p99"
}

func marker(b *strings.Builder, st style, x, y float64, tip string) {
	t := "<title>" + html.EscapeString(tip) + "</title>"
	if st.marker == "square" {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="8" height="8" fill="#fff" stroke="%s" stroke-width="2">%s</rect>`+"\n", x-4, y-4, st.color, t)
		return
	}
	fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s" stroke="#fff" stroke-width="1">%s</circle>`+"\n", x, y, st.color, t)
}

func drawLegend(b *strings.Builder, present []series) {
	const y = 500
	itemW := 240.0
	x := (chartW - itemW*float64(len(present))) / 2
	for _, s := range present {
		st := styleOf(s)
		dash := ""
		if st.dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, st.dash)
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2.2"%s/>`+"\n", x, y, x+36, y, st.color, dash)
		marker(b, st, x+18, y, label(s))
		fmt.Fprintf(b, `<text x="%.1f" y="%d" fill="#222">%s</text>`+"\n", x+44, y+4, html.EscapeString(label(s)))
		x += itemW
	}
}

func styleOf(s series) style {
	if st, ok := styles[s]; ok {
		return st
	}
	return style{"#777", "2 3", "circle"}
}

// logTicks returns 1-2-5 ticks from the largest one at or below lo to the smallest one at or
// above hi, with at least two decades' worth of room kept readable (about 4 to 12 ticks).
func logTicks(lo, hi float64) []float64 {
	var all []float64
	for e := math.Floor(math.Log10(lo)) - 1; e <= math.Ceil(math.Log10(hi))+1; e++ {
		for _, m := range []float64{1, 2, 5} {
			all = append(all, m*math.Pow(10, e))
		}
	}
	first, last := 0, len(all)-1
	for i, t := range all {
		if t <= lo*(1+1e-9) {
			first = i
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i] >= hi*(1-1e-9) {
			last = i
		}
	}
	ticks := all[first : last+1]
	if len(ticks) > 12 { // many decades: keep 1s only, plus the ends
		var dec []float64
		for i, t := range ticks {
			m := t / math.Pow(10, math.Floor(math.Log10(t)+1e-9))
			if math.Abs(m-1) < 1e-6 || i == 0 || i == len(ticks)-1 {
				dec = append(dec, t)
			}
		}
		ticks = dec
	}
	return ticks
}

func tickLabel(v float64) string {
	switch {
	case v >= 1000:
		if math.Mod(v, 1000) == 0 {
			return thousands(v/1000) + "k"
		}
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.1f", v/1000), "0"), ".") + "k"
	case v >= 1:
		return fmt.Sprintf("%g", v)
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
	}
}
