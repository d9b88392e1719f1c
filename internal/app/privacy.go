package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// keyPrivacy is the settings document of data retention.
const keyPrivacy = "privacy"

// JobRetention is the daily job that applies the retention settings.
const JobRetention = "privacy.retention"

// DeliveryLogDays is how long the webhook delivery log is kept.
const DeliveryLogDays = 30

// PrivacySettings say how long personal tracking data is kept.
type PrivacySettings struct {
	// TrackingDays: tracking events (page views, custom events) older than
	// this are deleted; 0 keeps them forever. Aggregates are kept.
	TrackingDays int `json:"tracking_days"`
	// IPDays: IP addresses (consent ledger, audit log, sessions, form
	// submissions) older than this are blanked; 0 keeps them.
	IPDays  int   `json:"ip_days"`
	Version int64 `json:"-"`
}

// DefaultPrivacy are the settings before an admin changes them: events for
// 13 months (395 days), IP addresses for 30 days.
func DefaultPrivacy() PrivacySettings { return PrivacySettings{TrackingDays: 395, IPDays: 30} }

// Validate checks the numbers of days.
func (p PrivacySettings) Validate() error {
	v := &crm.ValidationError{}
	if p.TrackingDays < 0 || p.TrackingDays > 36500 {
		v.Add("tracking_days", "enter a number of days from 0 (keep forever) to 36500")
	}
	if p.IPDays < 0 || p.IPDays > 36500 {
		v.Add("ip_days", "enter a number of days from 0 (keep forever) to 36500")
	}
	return v.Err()
}

// PrivacySettings returns the retention settings (admins only).
func (a *App) PrivacySettings(ctx context.Context, ac Actor) (PrivacySettings, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return PrivacySettings{}, err
	}
	return a.privacySettings(ctx)
}

func (a *App) privacySettings(ctx context.Context) (PrivacySettings, error) {
	p := DefaultPrivacy()
	v, err := a.Store.Setting(ctx, keyPrivacy, &p)
	if errors.Is(err, crm.ErrNotFound) {
		return DefaultPrivacy(), nil
	}
	p.Version = v
	return p, err
}

// UpdatePrivacySettings stores the retention settings; p.Version must
// match (0 before the first save). They apply at the next daily run.
func (a *App) UpdatePrivacySettings(ctx context.Context, ac Actor, p PrivacySettings) (PrivacySettings, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		v, err := tx.PutSetting(ctx, keyPrivacy, p, p.Version, a.now())
		if err != nil {
			return err
		}
		p.Version = v
		return tx.Audit(ctx, a.audit(ac, "settings.privacy", "", fmt.Sprintf("tracking_days=%d ip_days=%d", p.TrackingDays, p.IPDays)))
	})
	return p, err
}

// ApplyRetention deletes tracking events and blanks IP addresses older than
// the settings allow, and trims the webhook delivery log. It returns what
// it changed per table. The daily job calls it.
func (a *App) ApplyRetention(ctx context.Context) (map[string]int64, error) {
	p, err := a.privacySettings(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	var c store.RetentionCutoffs
	if p.TrackingDays > 0 {
		c.Events = now.AddDate(0, 0, -p.TrackingDays)
	}
	if p.IPDays > 0 {
		c.IPs = now.AddDate(0, 0, -p.IPDays)
	}
	out, err := a.Store.ApplyRetention(ctx, c)
	if err != nil {
		return out, err
	}
	n, err := a.Store.DeleteDeliveriesBefore(ctx, now.AddDate(0, 0, -DeliveryLogDays))
	out["webhook_deliveries"] = n
	return out, err
}

// retentionJob is the run of one day; the dedupe key keeps it to one a day
// however many processes start.
func retentionJob(day time.Time) *store.Job {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return &store.Job{Kind: JobRetention, RunAt: day.Add(3 * time.Hour), CreatedAt: day,
		DedupeKey: JobRetention + ":" + day.Format("2006-01-02"), MaxAttempts: 3}
}

// ScheduleDailyJobs queues today's retention run (at 03:00 UTC, or at once
// if that is past) unless it is queued or done already. serve calls it at
// start; each run queues the next day's.
func (a *App) ScheduleDailyJobs(ctx context.Context) error {
	return a.Store.Enqueue(ctx, retentionJob(a.now()))
}

func (a *App) handleRetention(ctx context.Context, j store.Job, _ jobs.Progress) error {
	counts, err := a.ApplyRetention(ctx)
	if err != nil {
		return err
	}
	if len(counts) > 0 {
		keys := make([]string, 0, len(counts))
		for k, n := range counts {
			if n > 0 {
				keys = append(keys, fmt.Sprintf("%s=%d", k, n))
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			a.Log.Info("retention applied", "changed", strings.Join(keys, " "))
		}
	}
	return a.Store.Enqueue(ctx, retentionJob(a.now().AddDate(0, 0, 1)))
}
