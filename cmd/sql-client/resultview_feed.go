package main

import (
	"sync"
)

// resultFeed collects a running query's rows for a full-screen view, as
// Flink's MaterializedCollectStreamResult (table) and
// ChangelogCollectStreamResult (changelog) do: the query's goroutine adds
// rows, the view takes what it shows at each refresh.
type resultFeed struct {
	mu        sync.Mutex
	changelog bool
	table     materialized // table: the changelog applied
	maxRows   int          // table: the most rows kept, oldest dropped first
	changes   [][]string   // changelog: not yet shown, op first
	changed   bool         // table: since the last take
	ended     bool
	err       error
}

// newResultFeed collects a table (maxRows: sql-client.execution.
// max-table-result.rows) or a changelog.
func newResultFeed(changelog bool, maxRows int) *resultFeed {
	return &resultFeed{changelog: changelog, maxRows: maxRows}
}

// add takes one change of the query's result.
func (f *resultFeed) add(kind string, cells []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changelog {
		if len(f.changes) >= changelogMaxRows {
			// The view keeps only the latest changes anyway.
			f.changes = f.changes[1:]
		}
		f.changes = append(f.changes, append([]string{kind}, cells...))
		return
	}
	f.changed = true
	f.table.apply(kind, cells)
	if f.maxRows > 0 && len(f.table.rows) > f.maxRows {
		f.table.rows = f.table.rows[len(f.table.rows)-f.maxRows:]
	}
}

// end marks the query ended, err its failure (nil when it finished).
func (f *resultFeed) end(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended, f.err = true, err
}

// take is what a refresh shows, and the query's failure. Its update
// says EOS once the query ended and everything it produced was taken.
func (f *resultFeed) take() (resultUpdate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return resultUpdate{}, f.err
	}
	u := resultUpdate{eos: f.ended}
	if f.changelog {
		u.rows, f.changes = f.changes, nil
		return u, nil
	}
	if !f.changed {
		u.unchanged = true
		return u, nil
	}
	// A copy: apply removes rows in place.
	u.rows = append([][]string(nil), f.table.rows...)
	f.changed = false
	return u, nil
}
