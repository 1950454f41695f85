package planner

import "strings"

// knownKeys are the configuration keys the engine reads (current and
// deprecated names), for the "did you mean" of SuggestKey. Flink accepts
// any key in SET; so does the engine, but a typo of a key it reads would
// silently do nothing.
var knownKeys = []string{
	"execution.checkpointing.aligned-checkpoint-timeout", "execution.checkpointing.checkpoints-after-tasks-finish",
	"execution.checkpointing.cleaner.parallel-mode", "execution.checkpointing.create-subdir",
	"execution.checkpointing.data-inline-threshold", "execution.checkpointing.dir",
	"execution.checkpointing.externalized-checkpoint-retention", "execution.checkpointing.incremental",
	"execution.checkpointing.interval", "execution.checkpointing.local-backup.enabled",
	"execution.checkpointing.max-concurrent-checkpoints", "execution.checkpointing.min-pause",
	"execution.checkpointing.mode", "execution.checkpointing.num-retained", "execution.checkpointing.savepoint-dir",
	"execution.checkpointing.storage", "execution.checkpointing.timeout", "execution.checkpointing.tolerable-failed-checkpoints",
	"execution.checkpointing.unaligned.enabled", "execution.checkpointing.write-buffer-size",
	"execution.state-recovery.claim-mode", "execution.state-recovery.ignore-unclaimed-state",
	"execution.state-recovery.latest.fallback-to-older", "execution.state-recovery.path",
	"io.tmp.dirs", "metrics.reporter.prom.class", "metrics.reporter.prom.factory.class", "metrics.reporter.prom.host",
	"metrics.reporter.prom.port", "metrics.reporters", "parallelism.default", "pipeline.auto-watermark-interval",
	"pipeline.max-parallelism", "pipeline.name", "pipeline.operator-chaining.enabled", "rest.address",
	"rest.bind-address", "rest.port", "restart-strategy.exponential-delay.attempts-before-reset-backoff",
	"restart-strategy.exponential-delay.backoff-multiplier", "restart-strategy.exponential-delay.initial-backoff",
	"restart-strategy.exponential-delay.jitter-factor", "restart-strategy.exponential-delay.max-backoff",
	"restart-strategy.exponential-delay.reset-backoff-threshold", "restart-strategy.failure-rate.delay",
	"restart-strategy.failure-rate.failure-rate-interval", "restart-strategy.failure-rate.max-failures-per-interval",
	"restart-strategy.fixed-delay.attempts", "restart-strategy.fixed-delay.delay", "restart-strategy.type",
	"s3.access-key", "s3.endpoint", "s3.path.style.access", "s3.region", "s3.secret-key",
	"sql-client.execution.result-mode", "sql-client.verbose", "state.backend.type", "table.display.max-column-width", "table.dml-sync",
	"table.exec.mini-batch.allow-latency", "table.exec.mini-batch.enabled", "table.exec.mini-batch.size",
	"table.exec.sink.not-null-enforcer", "table.exec.sink.upsert-materialize", "table.exec.source.idle-timeout", "table.exec.state.ttl",
	"table.optimizer.agg-phase-strategy", "taskmanager.numberOfTaskSlots", "web.cancel.enable",
	"web.checkpoints.history", "web.refresh-interval",
}

// SuggestKey returns the known key a SET key is most likely a typo of
// (edit distance at most 2, case-insensitive), or false when the key is
// known — under its current or a deprecated name — or close to none.
func SuggestKey(key string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(key))
	if _, ok := currentKey[k]; ok {
		return "", false
	}
	best, bestD := "", 3
	for _, known := range knownKeys {
		if strings.EqualFold(known, k) {
			return "", false
		}
		if d := editDistance(k, strings.ToLower(known), bestD); d < bestD {
			best, bestD = known, d
		}
	}
	return best, best != ""
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// at least limit (rows stop early).
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
