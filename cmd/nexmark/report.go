package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// result is one row of the table: one query's run.
type result struct {
	query       string
	events      int64
	wallSec     float64
	cpuSec      float64
	peakRSS     int64 // bytes, sampled
	checkpoints int64
	// ckptMeanMs is the mean duration of the completed checkpoints still in
	// the job's history (the last 10), ckptWritten the mean bytes they
	// wrote (incremental checkpoints write less than their size),
	// ckptBytes the size of the last one; 0 without checkpoints.
	ckptMeanMs  float64
	ckptWritten float64
	ckptBytes   int64
	// flinkPerCore is Flink's published events/s per core for the query
	// (flink-per-core.csv in -dir); 0 when there is none.
	flinkPerCore float64
	// peakState is the largest sum of the job's operator state sizes seen
	// while it ran (runtime.Job.StateSizes: heap = approximate memory,
	// Pebble = disk plus memtables), sampled with the RSS; -1 unknown.
	peakState int64
	err       string // shortened; empty when the query ran
}

func (r *result) eventsPerSec() float64 {
	if r.wallSec <= 0 {
		return 0
	}
	return float64(r.events) / r.wallSec
}

func (r *result) eventsPerCore() float64 {
	if r.cpuSec <= 0 {
		return 0
	}
	return float64(r.events) / r.cpuSec
}

var header = []string{"query", "events", "wall s", "events/s", "CPU s", "events/s/core", "Flink events/s/core", "× Flink",
	"peak RSS MiB", "peak state MiB", "checkpoints", "ckpt ms (mean)", "ckpt written MiB (mean)", "last ckpt MiB", "error"}

// flinkCells are the Flink figure and the ratio to it (empty without one).
func (r *result) flinkCells() (string, string) {
	if r.flinkPerCore <= 0 {
		return "", ""
	}
	ratio := ""
	if r.err == "" && r.cpuSec > 0 {
		ratio = strconv.FormatFloat(r.eventsPerCore()/r.flinkPerCore, 'f', 2, 64)
	}
	return strconv.FormatFloat(r.flinkPerCore, 'f', 0, 64), ratio
}

func (r *result) cells() []string {
	flink, ratio := r.flinkCells()
	if r.err != "" {
		return []string{r.query, strconv.FormatInt(r.events, 10), "", "", "", "", flink, "", "", "", "", "", "", "", r.err}
	}
	state := ""
	if r.peakState >= 0 {
		state = strconv.FormatFloat(float64(r.peakState)/(1<<20), 'f', 1, 64)
	}
	return []string{r.query, strconv.FormatInt(r.events, 10),
		strconv.FormatFloat(r.wallSec, 'f', 2, 64),
		strconv.FormatFloat(r.eventsPerSec(), 'f', 0, 64),
		strconv.FormatFloat(r.cpuSec, 'f', 2, 64),
		strconv.FormatFloat(r.eventsPerCore(), 'f', 0, 64),
		flink, ratio,
		strconv.FormatFloat(float64(r.peakRSS)/(1<<20), 'f', 0, 64),
		state,
		strconv.FormatInt(r.checkpoints, 10),
		strconv.FormatFloat(r.ckptMeanMs, 'f', 0, 64),
		strconv.FormatFloat(r.ckptWritten/(1<<20), 'f', 1, 64),
		strconv.FormatFloat(float64(r.ckptBytes)/(1<<20), 'f', 1, 64), ""}
}

// writeMarkdown writes the results as a Markdown table.
func writeMarkdown(w io.Writer, rs []result) error {
	row := func(cells []string) string {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		return "| " + strings.Join(esc, " | ") + " |\n"
	}
	var b strings.Builder
	b.WriteString(row(header))
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
		if i > 0 && i < len(header)-1 {
			sep[i] = "---:"
		}
	}
	b.WriteString("|" + strings.Join(sep, "|") + "|\n")
	for i := range rs {
		b.WriteString(row(rs[i].cells()))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCSV writes the results as CSV (RFC 4180 quoting).
func writeCSV(w io.Writer, rs []result) error {
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(c, ",\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	line(header)
	for i := range rs {
		line(rs[i].cells())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// flinkFile names the table of Flink's per-core figures in -dir.
const flinkFile = "flink-per-core.csv"

// loadFlinkPerCore reads dir/flink-per-core.csv: '#' comment lines, a
// "query,events_per_core" header, then one query and figure per line. A
// missing file is an empty table.
func loadFlinkPerCore(dir string) (map[string]float64, error) {
	text, err := os.ReadFile(filepath.Join(dir, flinkFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]float64{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	header := false
	for n, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, v, ok := strings.Cut(line, ",")
		if !header {
			if !ok || q != "query" || v != "events_per_core" {
				return nil, fmt.Errorf("%s: header %q, want \"query,events_per_core\"", flinkFile, line)
			}
			header = true
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || f <= 0 {
			return nil, fmt.Errorf("%s:%d: bad line %q", flinkFile, n+1, line)
		}
		out[strings.TrimSpace(q)] = f
	}
	return out, nil
}

// shorten makes an error fit one table cell: whitespace runs (newlines
// included) collapsed to one space, at most 160 bytes.
func shorten(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 160 {
		cut := 157
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	if s == "" {
		s = fmt.Sprintf("%T", err)
	}
	return s
}
