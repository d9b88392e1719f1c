package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// SiteInput is what a user sets on a site (the key is generated).
type SiteInput struct {
	Name       string
	Domain     string
	Origins    []string
	Cookieless bool
	HonourGPC  bool
}

// newSiteKey returns a public site key: 128 random bits, lower-case base32.
func newSiteKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "rk_" + strings.ToLower(strings.TrimRight(base32.StdEncoding.EncodeToString(b), "="))
}

// Sites lists the tracked sites.
func (a *App) Sites(ctx context.Context, ac Actor) ([]crm.Site, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Sites(ctx)
}

// Site returns one site.
func (a *App) Site(ctx context.Context, ac Actor, id int64) (crm.Site, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Site{}, err
	}
	return a.Store.Site(ctx, id)
}

// CreateSite adds a site with a fresh public key.
func (a *App) CreateSite(ctx context.Context, ac Actor, in SiteInput) (crm.Site, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return crm.Site{}, err
	}
	s := crm.Site{Name: in.Name, Domain: in.Domain, Origins: in.Origins, Cookieless: in.Cookieless, HonourGPC: in.HonourGPC, Key: newSiteKey()}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return s, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSite(ctx, &s, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "site.create", s.Name, s.Domain))
	})
	a.tracking.forgetSites()
	return s, err
}

// UpdateSite changes a site's settings; version must match.
func (a *App) UpdateSite(ctx context.Context, ac Actor, id, version int64, in SiteInput) (crm.Site, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return crm.Site{}, err
	}
	s, err := a.Store.Site(ctx, id)
	if err != nil {
		return s, err
	}
	s.Name, s.Domain, s.Origins, s.Cookieless, s.HonourGPC, s.Version = in.Name, in.Domain, in.Origins, in.Cookieless, in.HonourGPC, version
	s.Normalize()
	if err := s.Validate(); err != nil {
		return s, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSite(ctx, &s, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "site.update", s.Name, s.Domain))
	})
	a.tracking.forgetSites()
	return s, err
}

// DeleteSite removes a site, its visitors and its rollups.
func (a *App) DeleteSite(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSite(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "site.delete", fmt.Sprint(id), ""))
	})
	a.tracking.forgetSites()
	return err
}

// Snippet is the tracker tag for a site's pages.
func (a *App) Snippet(s crm.Site) string {
	return fmt.Sprintf(`<script src="%s/t.js" data-site="%s" async></script>`, a.BaseURL, s.Key)
}
