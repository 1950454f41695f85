package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// RestartStrategy decides whether and when a failed job restarts from its
// latest checkpoint (Flink's restart-strategy.*). Implementations are pure
// over the times they are given, so tests replay them exactly.
type RestartStrategy interface {
	// OnFailure records a failure at now (ms since epoch) and returns the
	// delay before the restart, or ok=false when the strategy gives up.
	OnFailure(now int64) (delay time.Duration, ok bool)
	// Describe names the strategy and its bounds, for logs and errors.
	Describe() string
}

// NoRestart never restarts (restart-strategy.type: none/off/disable).
type NoRestart struct{}

func (NoRestart) OnFailure(int64) (time.Duration, bool) { return 0, false }
func (NoRestart) Describe() string                      { return "NoRestartBackoffTimeStrategy" }

// FixedDelayRestart restarts Attempts times, waiting Delay each time.
type FixedDelayRestart struct {
	Attempts int
	Delay    time.Duration
	failures int
}

func (s *FixedDelayRestart) OnFailure(int64) (time.Duration, bool) {
	s.failures++
	if s.failures > s.Attempts {
		return 0, false
	}
	return s.Delay, true
}

func (s *FixedDelayRestart) Describe() string {
	return fmt.Sprintf("FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=%d, backoffTimeMS=%d)", s.Attempts, s.Delay.Milliseconds())
}

// FailureRateRestart gives up when more than MaxFailures happen within
// Interval.
type FailureRateRestart struct {
	MaxFailures int
	Interval    time.Duration
	Delay       time.Duration
	times       []int64
}

func (s *FailureRateRestart) OnFailure(now int64) (time.Duration, bool) {
	s.times = append(s.times, now)
	cut := now - s.Interval.Milliseconds()
	for len(s.times) > 0 && s.times[0] <= cut {
		s.times = s.times[1:]
	}
	if len(s.times) > s.MaxFailures {
		return 0, false
	}
	return s.Delay, true
}

func (s *FailureRateRestart) Describe() string {
	return fmt.Sprintf("FailureRateRestartBackoffTimeStrategy(failuresIntervalMS=%d, backoffTimeMS=%d, maxFailuresPerInterval=%d)",
		s.Interval.Milliseconds(), s.Delay.Milliseconds(), s.MaxFailures)
}

// ExponentialDelayRestart doubles (Multiplier) the backoff from Initial up
// to Max, resetting after ResetThreshold without failures; Jitter spreads
// the delay by ± that fraction (Rand injected for replay).
type ExponentialDelayRestart struct {
	Initial, Max   time.Duration
	Multiplier     float64
	ResetThreshold time.Duration
	Jitter         float64
	// AttemptsBeforeReset gives up after this many restarts without a
	// reset (0 = unlimited).
	AttemptsBeforeReset int
	Rand                *rand.Rand

	current  time.Duration
	last     int64
	attempts int
}

func (s *ExponentialDelayRestart) OnFailure(now int64) (time.Duration, bool) {
	if s.last != 0 && now-s.last >= s.ResetThreshold.Milliseconds()+s.current.Milliseconds() {
		s.current, s.attempts = 0, 0
	}
	s.last = now
	s.attempts++
	if s.AttemptsBeforeReset > 0 && s.attempts > s.AttemptsBeforeReset {
		return 0, false
	}
	if s.current == 0 {
		s.current = s.Initial
	} else {
		s.current = time.Duration(math.Min(float64(s.current)*s.Multiplier, float64(s.Max)))
	}
	d := s.current
	if s.Jitter > 0 && s.Rand != nil {
		d += time.Duration((s.Rand.Float64()*2 - 1) * s.Jitter * float64(d))
	}
	return d, true
}

func (s *ExponentialDelayRestart) Describe() string {
	return fmt.Sprintf("ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=%d, maxBackoffMS=%d, backoffMultiplier=%g, resetBackoffThresholdMS=%d, jitterFactor=%g)",
		s.Initial.Milliseconds(), s.Max.Milliseconds(), s.Multiplier, s.ResetThreshold.Milliseconds(), s.Jitter)
}
