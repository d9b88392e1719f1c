package gen

import (
	"context"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// segmentsExtension adds the marketing team's segments to the story
// (issue 8 §1): dynamic segments that the generated visits, scores, forms
// and deals fill when they are read, and one static list of people met at
// a trade show. It draws no random numbers: the list takes every
// fiftieth company's first person, up to 40.
func segmentsExtension(w *World) Extension { return &segments{w: w} }

type segments struct {
	w       *World
	t       *store.BulkTable
	members *store.BulkTable
	list    []int64
}

// segmentListID is the static list's id; the dynamic segments follow it.
const segmentListID = 1

func (x *segments) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if x.t, err = b.Table(ctx, "segments", "id", "name", "description", "kind", "definition", "owner_id", "created_at",
		"updated_at", "version"); err != nil {
		return err
	}
	x.members, err = b.Table(ctx, "segment_members", "segment_id", "contact_id", "added_at")
	return err
}

func (x *segments) Company(ctx context.Context, co *Company, people []Person) error {
	if co.Index%50 == 0 && len(x.list) < 40 && len(people) > 0 && !people[0].CreatedAt.After(x.w.Now()) {
		x.list = append(x.list, people[0].ID)
	}
	return nil
}

// demoSegment is one segment of the story, in both languages.
type demoSegment struct {
	ja, en string
	filter crm.SegmentGroup
}

func demoSegments() []demoSegment {
	c := func(field string, op crm.SegmentOp, value string, values ...string) crm.SegmentCondition {
		return crm.SegmentCondition{Field: field, Op: op, Value: value, Values: values}
	}
	return []demoSegment{
		{"料金ページを見た温度感の高いリード", "Hot leads on the pricing page", crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{
			c("lifecycle_stage", crm.SegOpIn, "", "lead", "mql"), c("engagement_score", crm.SegOpGte, "20"),
			{Field: "visited_path", Op: crm.SegOpPrefix, Value: "/pricing", Days: 14}}}},
		{"資料請求後に商談のない人（30日）", "Downloaded, no open deal (30 days)", crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{
			{Field: "submitted_form", Op: crm.SegOpIsSet, Days: 30}, c("deal_status", crm.SegOpNeq, crm.DealOpen)}}},
		{"大口の顧客と商談中の企業", "Large customers and accounts in play", crm.SegmentGroup{Match: crm.MatchAll,
			Conditions: []crm.SegmentCondition{c("company.employees", crm.SegOpGte, "300")},
			Groups: []crm.SegmentGroup{{Match: crm.MatchAny, Conditions: []crm.SegmentCondition{
				c("lifecycle_stage", crm.SegOpIn, "", "opportunity", "customer"), c("deal_status", crm.SegOpEq, crm.DealOpen)}}}}},
		{"配信同意のある購読者とリード", "Subscribers and leads who opted in", crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{
			c("consent", crm.SegOpEq, string(crm.ConsentGranted)), c("lifecycle_stage", crm.SegOpIn, "", "subscriber", "lead")}}},
	}
}

// Done writes the list, its members and the segments.
func (x *segments) Done(ctx context.Context) error {
	w := x.w
	owner := w.Users[0].ID
	for _, u := range w.Users {
		if u.Role == crm.RoleMarketing {
			owner = u.ID
			break
		}
	}
	at := w.Now().AddDate(0, 0, -20).UnixMilli()
	name, desc := "展示会 2026 名刺交換", "ブースで名刺交換した方（手動で追加）"
	if !w.ja() {
		name, desc = "Trade show 2026 contacts", "People met at the booth (added by hand)"
	}
	if err := x.t.Add(ctx, int64(segmentListID), name, desc, string(crm.SegmentStatic), crm.SegmentGroup{Match: crm.MatchAll}.JSON(),
		owner, at, at, 1); err != nil {
		return err
	}
	for _, id := range x.list {
		if err := x.members.Add(ctx, int64(segmentListID), id, at); err != nil {
			return err
		}
	}
	for i, s := range demoSegments() {
		n := s.en
		if w.ja() {
			n = s.ja
		}
		if err := x.t.Add(ctx, int64(segmentListID+1+i), n, "", string(crm.SegmentDynamic), s.filter.JSON(), owner, at, at, 1); err != nil {
			return err
		}
	}
	return nil
}
