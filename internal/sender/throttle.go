package sender

import (
	"context"
	"math"

	"golang.org/x/time/rate"
)

// Throttle limits sending per second and per hour. It is shared by every
// worker of a process; with several processes each holds its own, so the
// configured rate applies per process (see docs/email-sending.md).
type Throttle struct {
	sec, hour *rate.Limiter
}

// NewThrottle returns a throttle; 0 means no limit for that window.
func NewThrottle(perSecond, perHour int) *Throttle {
	t := &Throttle{}
	if perSecond > 0 {
		// A burst of 1 spaces messages evenly, so the rate holds over any
		// window, not only on average.
		t.sec = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	if perHour > 0 {
		t.hour = rate.NewLimiter(rate.Limit(float64(perHour)/3600), int(math.Max(1, float64(perHour)/60)))
	}
	return t
}

// Wait blocks until one more message may go.
func (t *Throttle) Wait(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if t.hour != nil {
		if err := t.hour.Wait(ctx); err != nil {
			return err
		}
	}
	if t.sec != nil {
		return t.sec.Wait(ctx)
	}
	return nil
}
