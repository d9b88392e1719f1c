package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
)

// ---- campaigns (migration 0024) ----

const campaignCols = `id, name, kind, status, starts_on, ends_on, budget, goal, goal_leads, COALESCE(owner_id, 0),
	utm_campaign, COALESCE(created_by, 0), created_at, updated_at, version`

func scanCampaign(sc interface{ Scan(...any) error }) (crm.Campaign, error) {
	var c crm.Campaign
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Name, &c.Kind, &c.Status, &c.StartsOn, &c.EndsOn, &c.Budget, &c.Goal, &c.GoalLeads,
		&c.OwnerID, &c.Tag, &c.CreatedBy, &created, &updated, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, crm.ErrNotFound
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, err
}

func scanCampaigns(rows *sql.Rows, err error) ([]crm.Campaign, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Campaigns lists every campaign, the latest start first (campaigns
// without a start date first of all, then by id).
func (s *Store) Campaigns(ctx context.Context) ([]crm.Campaign, error) {
	return scanCampaigns(s.r().QueryContext(ctx, "SELECT "+campaignCols+
		" FROM campaigns ORDER BY starts_on DESC, id DESC"))
}

// Campaign returns one campaign.
func (s *Store) Campaign(ctx context.Context, id int64) (crm.Campaign, error) {
	return scanCampaign(s.r().QueryRowContext(ctx, "SELECT "+campaignCols+" FROM campaigns WHERE id = $1", id))
}

// Campaign reads a campaign inside a write transaction.
func (tx *Tx) Campaign(ctx context.Context, id int64) (crm.Campaign, error) {
	return scanCampaign(tx.q().QueryRowContext(ctx, "SELECT "+campaignCols+" FROM campaigns WHERE id = $1", id))
}

// CreateCampaign inserts a campaign; its tag in use already: crm.ErrConflict.
func (tx *Tx) CreateCampaign(ctx context.Context, c *crm.Campaign, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO campaigns (name, kind, status, starts_on, ends_on, budget, goal,
		goal_leads, owner_id, utm_campaign, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id, version`,
		c.Name, string(c.Kind), string(c.Status), c.StartsOn, c.EndsOn, c.Budget, c.Goal, c.GoalLeads, nullID(c.OwnerID),
		c.Tag, nullID(c.CreatedBy), ms(now)).Scan(&c.ID, &c.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return nil
}

// UpdateCampaign writes a campaign when its version matches (crm.ErrStale
// otherwise; crm.ErrNotFound when it is gone; crm.ErrConflict when the
// tag is another campaign's).
func (tx *Tx) UpdateCampaign(ctx context.Context, c *crm.Campaign, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE campaigns SET name = $1, kind = $2, status = $3, starts_on = $4,
		ends_on = $5, budget = $6, goal = $7, goal_leads = $8, owner_id = $9, utm_campaign = $10, updated_at = $11,
		version = version + 1 WHERE id = $12 AND version = $13`,
		c.Name, string(c.Kind), string(c.Status), c.StartsOn, c.EndsOn, c.Budget, c.Goal, c.GoalLeads, nullID(c.OwnerID),
		c.Tag, ms(now), c.ID, c.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "campaigns", c.ID); err != nil {
		return err
	}
	c.Version++
	c.UpdatedAt = now
	return nil
}

// DeleteCampaign removes a campaign with its assets, attendees, costs and
// links (the visits and submissions that carried its tag stay).
func (tx *Tx) DeleteCampaign(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM campaigns WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// CampaignAsset is a form, broadcast or sequence a campaign groups.
type CampaignAsset struct {
	CampaignID int64
	Type       crm.AssetType
	ID         int64
	Name       string // "" when the record is gone
}

// CampaignAssets lists the assets of one campaign (campaignID > 0) or of
// every campaign (0), by type and name.
func (s *Store) CampaignAssets(ctx context.Context, campaignID int64) ([]CampaignAsset, error) {
	q := `SELECT a.campaign_id, a.asset_type, a.asset_id, COALESCE(f.name, b.name, q.name, '')
		FROM campaign_assets a
		LEFT JOIN forms f ON a.asset_type = 'form' AND f.id = a.asset_id
		LEFT JOIN broadcasts b ON a.asset_type = 'broadcast' AND b.id = a.asset_id
		LEFT JOIN sequences q ON a.asset_type = 'sequence' AND q.id = a.asset_id`
	var args []any
	if campaignID > 0 {
		q += " WHERE a.campaign_id = $1"
		args = append(args, campaignID)
	}
	rows, err := s.r().QueryContext(ctx, q+" ORDER BY a.asset_type, a.asset_id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CampaignAsset{}
	for rows.Next() {
		var a CampaignAsset
		if err := rows.Scan(&a.CampaignID, &a.Type, &a.ID, &a.Name); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddCampaignAsset links an asset to a campaign (a link that exists stays).
func (tx *Tx) AddCampaignAsset(ctx context.Context, campaignID int64, t crm.AssetType, assetID int64, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO campaign_assets (campaign_id, asset_type, asset_id, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, campaignID, string(t), assetID, ms(now))
	return tx.s.d.mapError(err)
}

// RemoveCampaignAsset unlinks an asset; crm.ErrNotFound when it was not linked.
func (tx *Tx) RemoveCampaignAsset(ctx context.Context, campaignID int64, t crm.AssetType, assetID int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM campaign_assets WHERE campaign_id = $1 AND asset_type = $2 AND asset_id = $3",
		campaignID, string(t), assetID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Attendee is a person who attended a campaign's event.
type Attendee struct {
	ContactID  int64
	Name       crm.PersonName
	Email      string
	AttendedAt time.Time
}

// CampaignAttendees returns up to limit attendees of a campaign, the
// latest first, and how many there are in all.
func (s *Store) CampaignAttendees(ctx context.Context, campaignID int64, limit int) ([]Attendee, int, error) {
	var n int
	if err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM campaign_attendees WHERE campaign_id = $1", campaignID).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := s.r().QueryContext(ctx, `SELECT a.contact_id, c.family_name, c.given_name, COALESCE(c.email, ''), a.attended_at
		FROM campaign_attendees a JOIN contacts c ON c.id = a.contact_id
		WHERE a.campaign_id = $1 ORDER BY a.attended_at DESC, a.contact_id LIMIT $2`, campaignID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Attendee{}
	for rows.Next() {
		var a Attendee
		var at int64
		if err := rows.Scan(&a.ContactID, &a.Name.Family, &a.Name.Given, &a.Email, &at); err != nil {
			return nil, 0, err
		}
		a.AttendedAt = fromMS(at)
		out = append(out, a)
	}
	return out, n, rows.Err()
}

// AddCampaignAttendee records that a contact attended; added is false when
// they were on the list already (the first attendance stays).
func (tx *Tx) AddCampaignAttendee(ctx context.Context, campaignID, contactID int64, at, now time.Time) (added bool, err error) {
	res, err := tx.q().ExecContext(ctx, `INSERT INTO campaign_attendees (campaign_id, contact_id, attended_at, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, campaignID, contactID, ms(at), ms(now))
	if err != nil {
		return false, tx.s.d.mapError(err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveCampaignAttendee takes a contact off the list.
func (tx *Tx) RemoveCampaignAttendee(ctx context.Context, campaignID, contactID int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM campaign_attendees WHERE campaign_id = $1 AND contact_id = $2", campaignID, contactID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

const campaignCostCols = `id, campaign_id, spent_on, amount, channel, note, COALESCE(created_by, 0), created_at`

func scanCampaignCost(sc interface{ Scan(...any) error }) (crm.CampaignCost, error) {
	var c crm.CampaignCost
	var created int64
	err := sc.Scan(&c.ID, &c.CampaignID, &c.SpentOn, &c.Amount, &c.Channel, &c.Note, &c.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, crm.ErrNotFound
	}
	c.CreatedAt = fromMS(created)
	return c, err
}

// CampaignCosts lists the cost entries of one campaign (campaignID > 0) or
// of all, the latest first.
func (s *Store) CampaignCosts(ctx context.Context, campaignID int64) ([]crm.CampaignCost, error) {
	q := "SELECT " + campaignCostCols + " FROM campaign_costs"
	var args []any
	if campaignID > 0 {
		q += " WHERE campaign_id = $1"
		args = append(args, campaignID)
	}
	rows, err := s.r().QueryContext(ctx, q+" ORDER BY spent_on DESC, id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.CampaignCost{}
	for rows.Next() {
		c, err := scanCampaignCost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CampaignCost returns one cost entry.
func (s *Store) CampaignCost(ctx context.Context, id int64) (crm.CampaignCost, error) {
	return scanCampaignCost(s.r().QueryRowContext(ctx, "SELECT "+campaignCostCols+" FROM campaign_costs WHERE id = $1", id))
}

// CreateCampaignCost inserts a cost entry (its campaign gone: crm.ErrNotFound).
func (tx *Tx) CreateCampaignCost(ctx context.Context, c *crm.CampaignCost, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO campaign_costs (campaign_id, spent_on, amount, channel, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.CampaignID, c.SpentOn, c.Amount, c.Channel, c.Note,
		nullID(c.CreatedBy), ms(now)).Scan(&c.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	c.CreatedAt = now
	return nil
}

// DeleteCampaignCost removes a cost entry.
func (tx *Tx) DeleteCampaignCost(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM campaign_costs WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// CampaignLink is a link made with the UTM link builder.
type CampaignLink struct {
	ID         int64
	CampaignID int64 // 0 = built without a campaign
	URL        string
	crm.UTMLink
	CreatedBy int64
	CreatedAt time.Time
}

// CampaignLinks lists the links of a campaign (campaignID > 0) or the
// latest of all (0), newest first, at most limit.
func (s *Store) CampaignLinks(ctx context.Context, campaignID int64, limit int) ([]CampaignLink, error) {
	q := `SELECT id, COALESCE(campaign_id, 0), url, landing, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
		COALESCE(created_by, 0), created_at FROM campaign_links`
	args := []any{limit}
	if campaignID > 0 {
		q += " WHERE campaign_id = $2"
		args = append(args, campaignID)
	}
	rows, err := s.r().QueryContext(ctx, q+" ORDER BY id DESC LIMIT $1", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CampaignLink{}
	for rows.Next() {
		var l CampaignLink
		var created int64
		if err := rows.Scan(&l.ID, &l.CampaignID, &l.URL, &l.Landing, &l.Source, &l.Medium, &l.Campaign, &l.Term,
			&l.Content, &l.CreatedBy, &created); err != nil {
			return nil, err
		}
		l.CreatedAt = fromMS(created)
		out = append(out, l)
	}
	return out, rows.Err()
}

// CreateCampaignLink keeps a built link.
func (tx *Tx) CreateCampaignLink(ctx context.Context, l *CampaignLink, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO campaign_links (campaign_id, url, landing, utm_source, utm_medium,
		utm_campaign, utm_term, utm_content, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, nullID(l.CampaignID), l.URL, l.Landing, l.Source,
		l.Medium, l.Campaign, l.Term, l.Content, nullID(l.CreatedBy), ms(now)).Scan(&l.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	l.CreatedAt = now
	return nil
}

// CampaignCounts are the raw numbers of one campaign (see
// docs/campaigns.md for what each counts).
type CampaignCounts struct {
	Visits int64 // page views whose utm_campaign is the tag (the rollups)
	Leads  int   // contacts reached (first touch, form, event, e-mail click)
	MQLs   int   // of those, the ones handed to sales as MQLs
	Deals  int   // deals whose primary contact is one of the leads
	Won    []WonAmount
	Cost   int64 // Σ cost entries
}

// campaignLeadsQuery selects the contact ids of a campaign's leads, a
// contact once per way it was reached: $1 is the tag, $2 the campaign id.
// Each branch reads an index (the first three a covering one, 0028).
const campaignLeadsQuery = `SELECT contact_id FROM visitors WHERE first_utm_campaign = $1 AND contact_id IS NOT NULL
	UNION ALL SELECT contact_id FROM form_submissions WHERE utm_campaign = $1 AND contact_id IS NOT NULL
	UNION ALL SELECT contact_id FROM form_submissions WHERE first_utm_campaign = $1 AND contact_id IS NOT NULL
	UNION ALL SELECT s.contact_id FROM form_submissions s
		JOIN campaign_assets a ON a.asset_type = 'form' AND a.asset_id = s.form_id
		WHERE a.campaign_id = $2 AND s.contact_id IS NOT NULL
	UNION ALL SELECT contact_id FROM campaign_attendees WHERE campaign_id = $2
	UNION ALL SELECT e.contact_id FROM email_events e
		JOIN campaign_assets a ON a.asset_type = 'broadcast' AND e.source_type = 'broadcast' AND e.source_id = a.asset_id
		WHERE a.campaign_id = $2 AND e.kind = 'click' AND e.contact_id IS NOT NULL
	UNION ALL SELECT e.contact_id FROM email_events e
		JOIN sequence_steps st ON e.source_type = 'sequence' AND st.id = e.source_id
		JOIN campaign_assets a ON a.asset_type = 'sequence' AND a.asset_id = st.sequence_id
		WHERE a.campaign_id = $2 AND e.kind = 'click' AND e.contact_id IS NOT NULL`

// CampaignNumbers counts the visits, leads, MQLs, deals and costs of each
// campaign and lists its won deals' amounts, in the order given.
//
// A popular campaign has a fifth of the contacts as leads, so the work is
// not left to one query per campaign that joins its leads to hand-offs
// and deals (seconds each at a million contacts): the lead ids are read
// from the indexes and deduplicated here, and hand-offs and deals are
// read once for all the campaigns and matched against each campaign's
// sorted ids.
func (s *Store) CampaignNumbers(ctx context.Context, cs ...crm.Campaign) ([]CampaignCounts, error) {
	out := make([]CampaignCounts, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	visits, err := countBy(ctx, s.r(), "SELECT value, CAST(SUM(views) AS BIGINT) FROM track_utm WHERE dim = 'campaign' GROUP BY value")
	if err != nil {
		return nil, err
	}
	costs, err := countBy(ctx, s.r(), "SELECT CAST(campaign_id AS TEXT), CAST(SUM(amount) AS BIGINT) FROM campaign_costs GROUP BY campaign_id")
	if err != nil {
		return nil, err
	}
	leads := make([][]int64, len(cs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, c := range cs {
		out[i].Visits, out[i].Cost = int64(visits[c.Tag]), int64(costs[strconv.FormatInt(c.ID, 10)])
		g.Go(func() error {
			ids, err := s.int64s(gctx, campaignLeadsQuery, c.Tag, c.ID)
			slices.Sort(ids)
			leads[i] = slices.Compact(ids)
			out[i].Leads = len(leads[i])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	in := func(i int, id int64) bool { _, ok := slices.BinarySearch(leads[i], id); return ok }
	// Few leads: read their hand-offs and deals by id; many: read them all
	// once (an index scan each).
	var all []int64
	for _, ids := range leads {
		all = append(all, ids...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	where := []string{"contact_id IS NOT NULL"}
	if len(all) <= 20_000 {
		where = where[:0]
		for len(all) > 0 {
			chunk := all[:min(len(all), 500)]
			all = all[len(chunk):]
			where = append(where, "contact_id IN ("+idList(chunk)+")")
		}
	}
	for _, w := range where {
		mqls, err := s.int64s(ctx, "SELECT DISTINCT contact_id FROM handoffs WHERE "+w)
		if err != nil {
			return nil, err
		}
		for _, id := range mqls {
			for i := range cs {
				if in(i, id) {
					out[i].MQLs++
				}
			}
		}
		if err := s.campaignDeals(ctx, w, out, in); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// campaignDeals counts the deals matching where for each campaign whose
// leads hold the deal's contact, and lists the won ones.
func (s *Store) campaignDeals(ctx context.Context, where string, out []CampaignCounts, in func(int, int64) bool) error {
	rows, err := s.r().QueryContext(ctx, "SELECT contact_id, amount, currency, won_at FROM deals WHERE "+where)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var w WonAmount
		var won sql.NullInt64
		if err := rows.Scan(&w.ContactID, &w.Amount, &w.Currency, &won); err != nil {
			return err
		}
		if won.Valid {
			w.WonAt = fromMS(won.Int64)
		}
		for i := range out {
			if in(i, w.ContactID) {
				out[i].Deals++
				if won.Valid {
					out[i].Won = append(out[i].Won, w)
				}
			}
		}
	}
	return rows.Err()
}

// int64s reads a query of one integer column.
func (s *Store) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.r().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// JourneyDeal is a won deal with what attribution needs of it.
type JourneyDeal struct {
	ID               int64
	Name             string
	ContactID        int64 // 0 = no primary contact
	Amount           int64
	Currency         string
	WonAt            time.Time
	CreatedAt        time.Time
	ContactCreatedAt time.Time
	OwnerID          int64 // 0 = none
	TeamID           int64 // 0 = none
}

// WonDealsBetween lists the deals won in [from, to), oldest first.
func (s *Store) WonDealsBetween(ctx context.Context, from, to time.Time) ([]JourneyDeal, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT d.id, d.name, COALESCE(d.contact_id, 0), d.amount, d.currency, d.won_at,
			d.created_at, COALESCE(c.created_at, 0), COALESCE(d.owner_id, 0), COALESCE(d.team_id, 0)
		FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id
		WHERE d.won_at >= $1 AND d.won_at < $2 ORDER BY d.won_at, d.id`, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JourneyDeal
	for rows.Next() {
		var d JourneyDeal
		var won, created, cc int64
		if err := rows.Scan(&d.ID, &d.Name, &d.ContactID, &d.Amount, &d.Currency, &won, &created, &cc, &d.OwnerID, &d.TeamID); err != nil {
			return nil, err
		}
		d.WonAt, d.CreatedAt = fromMS(won), fromMS(created)
		if cc != 0 {
			d.ContactCreatedAt = fromMS(cc)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RawTouch is a touch as stored, before it is given a campaign and a
// channel.
type RawTouch struct {
	ContactID    int64
	At           time.Time
	Kind         crm.TouchKind
	Source       string // utm_source
	Medium       string // utm_medium
	Campaign     string // utm_campaign
	ReferrerHost string
	Host         string // the page's own host (visits)
	FormID       int64  // form submissions
	NewContact   bool   // the form submission created the contact
	EmailSource  int64  // e-mail clicks: the broadcast's or the sequence's id
	SourceType   string // e-mail clicks: broadcast, sequence…
	CampaignID   int64  // event attendance
	ActivityKind string // sales activities
}

// touchChunk bounds the contact ids of one touch query.
const touchChunk = 500

// Touches returns every touch of the given contacts, per contact, oldest
// first: tracked page views that carried UTM parameters or came from
// another site, form submissions, clicks in marketing e-mails, campaign
// event attendance and sales activities (calls, visits, meetings and
// e-mails; notes are not touches). Each part reads its table's
// (contact_id, time) index.
func (s *Store) Touches(ctx context.Context, contactIDs []int64) (map[int64][]RawTouch, error) {
	out := map[int64][]RawTouch{}
	for start := 0; start < len(contactIDs); start += touchChunk {
		ids := contactIDs[start:min(start+touchChunk, len(contactIDs))]
		in := "(" + idList(ids) + ")"
		q := `SELECT contact_id, at, 'visit', utm_source, utm_medium, utm_campaign, referrer_host, host, 0, 0, 0, '', 0, ''
			FROM events WHERE contact_id IN ` + in + ` AND kind = 'pageview'
				AND (utm_source <> '' OR utm_medium <> '' OR utm_campaign <> '' OR (referrer_host <> '' AND referrer_host <> host))
		UNION ALL
		SELECT contact_id, at, 'form', utm_source, utm_medium, utm_campaign, referrer, '', form_id, new_contact, 0, '', 0, ''
			FROM form_submissions WHERE contact_id IN ` + in + `
		UNION ALL
		SELECT contact_id, at, 'email', '', '', '', '', '', 0, 0,
				CASE WHEN source_type = 'sequence'
					THEN COALESCE((SELECT sequence_id FROM sequence_steps st WHERE st.id = email_events.source_id), 0)
					ELSE source_id END,
				source_type, 0, ''
			FROM email_events WHERE contact_id IN ` + in + ` AND kind = 'click'
		UNION ALL
		SELECT contact_id, attended_at, 'event', '', '', '', '', '', 0, 0, 0, '', campaign_id, ''
			FROM campaign_attendees WHERE contact_id IN ` + in + `
		UNION ALL
		SELECT contact_id, starts_at, 'activity', '', '', '', '', '', 0, 0, 0, '', 0, kind
			FROM activities WHERE contact_id IN ` + in + ` AND side = 'sales' AND kind <> 'note'`
		rows, err := s.r().QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t RawTouch
			var at int64
			var kind string
			var newContact int
			if err := rows.Scan(&t.ContactID, &at, &kind, &t.Source, &t.Medium, &t.Campaign, &t.ReferrerHost, &t.Host,
				&t.FormID, &newContact, &t.EmailSource, &t.SourceType, &t.CampaignID, &t.ActivityKind); err != nil {
				rows.Close()
				return nil, err
			}
			t.At, t.Kind, t.NewContact = fromMS(at), crm.TouchKind(kind), newContact == 1
			out[t.ContactID] = append(out[t.ContactID], t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
