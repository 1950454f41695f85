package runtime

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestRestartStrategies(t *testing.T) {
	type step struct {
		at    int64
		delay time.Duration
		ok    bool
	}
	cases := []struct {
		name  string
		s     RestartStrategy
		steps []step
	}{
		{"none", NoRestart{}, []step{{1000, 0, false}}},
		{"fixed-delay", &FixedDelayRestart{Attempts: 2, Delay: time.Second},
			[]step{{1000, time.Second, true}, {5000, time.Second, true}, {9000, 0, false}}},
		{"failure-rate", &FailureRateRestart{MaxFailures: 2, Interval: time.Minute, Delay: 500 * time.Millisecond},
			[]step{{0, 500 * time.Millisecond, true}, {1000, 500 * time.Millisecond, true}, {70_000, 500 * time.Millisecond, true},
				{71_000, 500 * time.Millisecond, true}, {72_000, 0, false}}},
		{"exponential", &ExponentialDelayRestart{Initial: time.Second, Max: 4 * time.Second, Multiplier: 2, ResetThreshold: time.Hour},
			[]step{{1000, time.Second, true}, {2000, 2 * time.Second, true}, {3000, 4 * time.Second, true}, {4000, 4 * time.Second, true},
				{4000 + 3_600_000 + 4000, time.Second, true}}},
		{"exponential-attempts", &ExponentialDelayRestart{Initial: time.Second, Max: time.Minute, Multiplier: 1.5, ResetThreshold: time.Hour, AttemptsBeforeReset: 1},
			[]step{{1000, time.Second, true}, {2000, 0, false}}},
	}
	for _, c := range cases {
		for i, st := range c.steps {
			d, ok := c.s.OnFailure(st.at)
			if d != st.delay || ok != st.ok {
				t.Fatalf("%s step %d: got (%v, %v), want (%v, %v)", c.name, i, d, ok, st.delay, st.ok)
			}
		}
	}
}

func TestExponentialJitterIsBoundedAndReplayable(t *testing.T) {
	run := func() []time.Duration {
		s := &ExponentialDelayRestart{Initial: time.Second, Max: time.Minute, Multiplier: 1.5, ResetThreshold: time.Hour,
			Jitter: 0.1, Rand: rand.New(rand.NewPCG(1, 2))}
		var out []time.Duration
		for i := 0; i < 5; i++ {
			d, _ := s.OnFailure(int64(i+1) * 1000)
			out = append(out, d)
		}
		return out
	}
	a, b := run(), run()
	base := time.Second
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("not replayable: %v vs %v", a, b)
		}
		if a[i] < base*9/10 || a[i] > base*11/10 {
			t.Fatalf("delay %v outside ±10%% of %v", a[i], base)
		}
		base = time.Duration(float64(base) * 1.5)
	}
}
