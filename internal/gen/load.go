package gen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Extension adds its own records to the story while the world is loaded.
// Later issues (visits, forms, scores, MQL reviews, deals, quotes,
// campaigns, e-mails, surveys) implement it and are listed in
// LoadOptions.Extensions:
//
//	type deals struct{ w *gen.World; t *store.BulkTable }
//	func (d *deals) Tables(ctx context.Context, b *store.Bulk) (err error) {
//		d.t, err = b.Table(ctx, "deals", "id", "contact_id", …)
//		return err
//	}
//	func (d *deals) Company(ctx context.Context, co *gen.Company, people []gen.Person) error {
//		r := d.w.Rand(100, co.Index) // its own stream: same seed, same deals
//		for i := range people { … people[i].Stages, .Lost, .Closed, .Group, .Temperature … d.t.Add(ctx, …) }
//		return nil
//	}
//
// Rows an extension adds are written after the company's and its people's
// rows, so they may refer to them.
type Extension interface {
	// Tables registers the extension's tables (after the people's).
	Tables(ctx context.Context, b *store.Bulk) error
	// Company is called once per company, in order, with its people.
	// Both are reused afterwards: copy what must be kept.
	Company(ctx context.Context, co *Company, people []Person) error
	// Done is called after the last company.
	Done(ctx context.Context) error
}

// inOrderIndexes are the indexes whose keys the loader writes in order
// (people by company, each person's history by time), so that keeping them
// during a load costs less than building them afterwards.
func inOrderIndexes() []string {
	return []string{"timeline_contact", "consent_events_contact", "contact_tags_contact", "contacts_company"}
}

// Progress reports how a load is going.
type Progress struct {
	Phase   string // "companies", "indexes", "done"
	Done    int64  // contacts written (companies: people of companies so far)
	Total   int64  // contacts in the world
	Rows    int64  // rows made, all tables (some may still be buffered)
	Elapsed time.Duration
}

// LoadOptions configure Load.
type LoadOptions struct {
	// OwnerID is the workspace's owner (World.Users[0]), who must exist
	// (app.Setup creates the workspace and the owner).
	OwnerID int64
	// PasswordHash is given to the other users, so that each of them can
	// sign in with the owner's password (it is a demo).
	PasswordHash string
	// Bulk tunes the loader: one transaction for a demo, periodic commits,
	// dropped indexes and Unsafe for a large world.
	Bulk store.BulkOptions
	// Progress, when set, is called about every 2% of the contacts.
	Progress   func(Progress)
	Extensions []Extension
}

// Stats says what Load wrote.
type Stats struct {
	Rows      map[string]int64 // per table
	Total     int64
	Load      time.Duration // writing the rows
	Indexes   time.Duration // building dropped indexes again
	Elapsed   time.Duration
	IndexesN  int
	Companies int
	Contacts  int64
}

// RowsPerSecond is the load's speed over its whole time, index build
// included.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Total) / s.Elapsed.Seconds()
}

// Load writes the world into a database whose workspace has its owner and
// nothing else: the other users, teams, tags, custom properties, companies
// and people with their timelines and consent ledgers, in that order.
func Load(ctx context.Context, s *store.Store, w *World, o LoadOptions) (Stats, error) {
	began := time.Now()
	st := Stats{Rows: map[string]int64{}}
	if o.OwnerID == 0 {
		return st, errors.New("gen: Load needs the owner's id")
	}
	if o.Bulk.DropIndexes && o.Bulk.KeepIndexes == nil {
		o.Bulk.KeepIndexes = inOrderIndexes()
	}
	b, err := s.BeginBulk(ctx, o.Bulk)
	if err != nil {
		return st, err
	}
	l := &loader{w: w, b: b, o: o}
	if err := l.run(ctx); err != nil {
		b.Rollback()
		return st, err
	}
	loaded := time.Now()
	err = b.Commit(ctx, func(n int) {
		st.IndexesN = n
		l.report("indexes", began)
	})
	if err != nil {
		return st, err
	}
	st.Load = loaded.Sub(began)
	st.Indexes = time.Since(loaded)
	st.Elapsed = time.Since(began)
	for _, t := range l.tables {
		st.Rows[t.name] = t.Rows()
	}
	st.Total, st.Companies, st.Contacts = b.Rows(), w.Companies(), l.contacts
	l.report("done", began)
	return st, nil
}

// batch is one company with its people, made by produce.
type batch struct {
	co     Company
	people []Person
}

// produce makes every company in order and sends it to out; people slices
// come back through free to be reused. It stops early when ctx ends.
func (w *World) produce(ctx context.Context, out chan<- batch, free <-chan []Person) {
	defer close(out)
	for j := range w.Companies() {
		var buf []Person
		select {
		case buf = <-free:
		default:
		}
		co, people := w.Company(j, buf)
		select {
		case out <- batch{co, people}:
		case <-ctx.Done():
			return
		}
	}
}

// table remembers a BulkTable's name for the statistics.
type table struct {
	name string
	*store.BulkTable
}

type loader struct {
	w        *World
	b        *store.Bulk
	o        LoadOptions
	tables   []table
	contacts int64
	users, teams, members, tags, props,
	companies, contactsT, contactTags, timeline, consent *store.BulkTable
}

func (l *loader) table(ctx context.Context, name string, cols ...string) (*store.BulkTable, error) {
	t, err := l.b.Table(ctx, name, cols...)
	if err != nil {
		return nil, err
	}
	l.tables = append(l.tables, table{name, t})
	return t, nil
}

func (l *loader) report(phase string, began time.Time) {
	if l.o.Progress != nil {
		l.o.Progress(Progress{Phase: phase, Done: l.contacts, Total: int64(l.w.Contacts()),
			Rows: l.b.Rows() + int64(l.b.Buffered()), Elapsed: time.Since(began)})
	}
}

func (l *loader) run(ctx context.Context) error {
	began := time.Now()
	w := l.w
	var err error
	// Parents first: the loader writes tables in this order.
	specs := []struct {
		t    **store.BulkTable
		name string
		cols []string
	}{
		{&l.users, "users", []string{"id", "email", "name", "role", "status", "language", "password_hash", "created_at", "updated_at", "signature"}},
		{&l.teams, "teams", []string{"id", "name", "created_at"}},
		{&l.members, "team_members", []string{"team_id", "user_id", "is_manager"}},
		{&l.tags, "tags", []string{"id", "name"}},
		{&l.props, "properties", []string{"object", "key", "label_ja", "label_en", "type", "options", "position", "created_at", "version"}},
		{&l.companies, "companies", []string{"id", "name", "name_key", "legal_form", "reading", "domain", "industry", "employees",
			"postal_code", "prefecture", "city", "street", "country", "phone", "owner_id", "team_id", "props", "created_at", "updated_at", "version"}},
		{&l.contactsT, "contacts", []string{"id", "email", "family_name", "given_name", "family_reading", "given_reading", "reading_key",
			"name_key", "honorific", "phone", "phone_key", "job_title", "department", "company_id", "owner_id", "team_id",
			"lifecycle_stage", "lead_status", "original_source", "source_detail", "consent", "props", "created_at", "updated_at", "version"}},
		{&l.contactTags, "contact_tags", []string{"tag_id", "contact_id"}},
		{&l.timeline, "timeline", []string{"at", "contact_id", "company_id", "kind", "actor_id", "data"}},
		{&l.consent, "consent_events", []string{"contact_id", "at", "status", "source", "wording", "page_url", "ip", "actor_id"}},
	}
	for _, sp := range specs {
		if *sp.t, err = l.table(ctx, sp.name, sp.cols...); err != nil {
			return err
		}
	}
	for _, e := range l.o.Extensions {
		if err := e.Tables(ctx, l.b); err != nil {
			return err
		}
	}
	if err := l.staff(ctx); err != nil {
		return err
	}
	if err := l.settings(ctx); err != nil {
		return err
	}
	l.report("companies", began)
	step := max(1, int64(w.Contacts())/50)
	next := step
	// One goroutine makes the companies and their people while this one
	// writes them: on a machine with two cores, generation costs no time.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 64)
	free := make(chan []Person, 72)
	go w.produce(ctx, batches, free)
	for bt := range batches {
		co, people := bt.co, bt.people
		if err := l.company(ctx, &co); err != nil {
			return err
		}
		for i := range people {
			if err := l.person(ctx, &people[i]); err != nil {
				return err
			}
		}
		for _, e := range l.o.Extensions {
			if err := e.Company(ctx, &co, people); err != nil {
				return err
			}
		}
		l.contacts += int64(len(people))
		select {
		case free <- people:
		default:
		}
		if l.contacts >= next {
			l.report("companies", began)
			for next <= l.contacts {
				next += step
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, e := range l.o.Extensions {
		if err := e.Done(ctx); err != nil {
			return err
		}
	}
	return nil
}

// staff writes the users other than the owner, the teams and who is in
// them, and binds the world to their ids.
func (l *loader) staff(ctx context.Context) error {
	w := l.w
	created := ms(w.start.Add(-60 * 24 * time.Hour))
	userIDs := make([]int64, len(w.Users))
	userIDs[0] = l.o.OwnerID
	for i := 1; i < len(w.Users); i++ {
		userIDs[i] = l.o.OwnerID + int64(i)
		u := w.Users[i]
		if err := l.users.Add(ctx, userIDs[i], u.Email, u.Name, string(u.Role), string(crm.UserActive),
			string(w.cfg.Lang), l.o.PasswordHash, created, created, demoSignature(w, u)); err != nil {
			return err
		}
	}
	teamIDs := make([]int64, len(w.Teams))
	for i, t := range w.Teams {
		teamIDs[i] = int64(i + 1)
		if err := l.teams.Add(ctx, teamIDs[i], t.Name, created); err != nil {
			return err
		}
	}
	if err := w.Bind(userIDs, teamIDs); err != nil {
		return err
	}
	for _, u := range w.Users {
		if u.Team >= 0 {
			if err := l.members.Add(ctx, w.Teams[u.Team].ID, u.ID, u.Manager); err != nil {
				return err
			}
		}
	}
	return nil
}

// settings writes the tags and the custom property definitions.
func (l *loader) settings(ctx context.Context) error {
	for _, t := range l.w.Tags {
		if err := l.tags.Add(ctx, t.ID, t.Name); err != nil {
			return err
		}
	}
	for _, p := range l.w.Properties {
		opts := "[]"
		if len(p.Options) > 0 {
			b, err := json.Marshal(p.Options)
			if err != nil {
				return err
			}
			opts = string(b)
		}
		if err := l.props.Add(ctx, p.Object, p.Key, p.LabelJA, p.LabelEN, string(p.Type), opts, p.Position,
			ms(p.CreatedAt), p.Version); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) company(ctx context.Context, co *Company) error {
	var employees any
	if co.Employees > 0 {
		employees = int64(co.Employees)
	}
	if err := l.companies.Add(ctx, co.ID, co.Name, co.Key(), co.LegalForm, co.Reading, co.Domain, co.Industry, employees,
		co.PostalCode, co.Prefecture, co.City, co.Street, co.Country, co.Phone, nullID(co.OwnerID), nullID(co.TeamID),
		co.PropsJSON, ms(co.CreatedAt), ms(co.UpdatedAt), co.Version); err != nil {
		return err
	}
	for _, e := range co.Timeline {
		if err := l.timeline.Add(ctx, ms(e.At), nil, co.ID, e.Kind, nullID(e.ActorID), e.Data); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) person(ctx context.Context, p *Person) error {
	c := &p.Contact
	var email any
	if c.Email != "" {
		email = c.Email
	}
	readingKey, nameKey := store.ContactKeys(c.PersonName)
	if err := l.contactsT.Add(ctx, c.ID, email, c.Family, c.Given, c.FamilyReading, c.GivenReading, readingKey,
		nameKey, c.Honorific, c.Phone, crm.PhoneKey(c.Phone), c.JobTitle, c.Department, c.CompanyID,
		nullID(c.OwnerID), nullID(c.TeamID), string(c.Lifecycle), string(c.LeadStatus), string(c.OriginalSource),
		c.SourceDetail, string(c.Consent), p.PropsJSON, ms(c.CreatedAt), ms(c.UpdatedAt), c.Version); err != nil {
		return err
	}
	for _, id := range p.TagIDs {
		if err := l.contactTags.Add(ctx, id, c.ID); err != nil {
			return err
		}
	}
	for _, e := range p.Timeline {
		if err := l.timeline.Add(ctx, ms(e.At), c.ID, nil, e.Kind, nullID(e.ActorID), e.Data); err != nil {
			return err
		}
	}
	for _, e := range p.ConsentLog {
		if err := l.consent.Add(ctx, c.ID, ms(e.At), string(e.Status), e.Source, e.Wording, e.PageURL, e.IP, nullID(e.ActorID)); err != nil {
			return err
		}
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// String describes the world in a line.
func (w *World) String() string {
	return fmt.Sprintf("%s (%s, seed %d): %d companies, %d contacts", w.Workspace, w.cfg.Size.Name, w.cfg.Seed, w.Companies(), w.Contacts())
}
