package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// surveysStream is the surveys extension's random stream.
const surveysStream = 1717

// surveysExtension adds two open surveys with answers spread over the last
// six months, so that the results pages open full:
//   - an after-follow NPS survey answered by customers (the score rises
//     month by month, warmer customers score higher), with a reason, a
//     matrix and free-text comments, many in Japanese;
//   - a market-research survey answered by leads and anonymous visitors.
func surveysExtension(w *World) Extension { return &surveysExt{w: w} }

type surveysExt struct {
	w                 *World
	surveys, resp, tl *store.BulkTable
	ev                *store.BulkTable
	nps, market       crm.Survey
	keys              map[int64]string // survey id → public key
	from              time.Time
	counted           int
}

// Japanese and English free-text comments by NPS band.
var surveyComments = map[string][]labelPair{
	"promoter": {
		{JA: "サポートの対応が早くて丁寧です。", EN: "Support answers quickly and politely."},
		{JA: "営業とマーケティングの連携がとても楽になりました。", EN: "Marketing and sales finally work together."},
		{JA: "画面が分かりやすく、導入がスムーズでした。", EN: "The screens are clear and set-up was smooth."},
		{JA: "レポートで成約率の違いが見えるのが良い。", EN: "Seeing the win rate by source in the report is great."},
	},
	"passive": {
		{JA: "概ね満足ですが、価格がもう少し安いと嬉しいです。", EN: "Mostly happy, but the price could be lower."},
		{JA: "機能は十分。マニュアルがもっと欲しい。", EN: "Enough features; we would like more documentation."},
		{JA: "動作は安定しています。", EN: "It runs reliably."},
	},
	"detractor": {
		{JA: "価格が高いと感じます。", EN: "The price feels high."},
		{JA: "設定が難しく、サポートの返信が遅かった。", EN: "Set-up was hard and support replied slowly."},
		{JA: "必要な機能が足りません。", EN: "Features we need are missing."},
	},
}

var marketComments = []labelPair{
	{JA: "営業とマーケのデータがバラバラで困っている。", EN: "Our sales and marketing data live in different places."},
	{JA: "展示会で集めた名刺を活用できていない。", EN: "We do not follow up the business cards from trade shows."},
	{JA: "メール配信の効果が分からない。", EN: "We cannot tell whether our e-mails work."},
	{JA: "リードの温度感が分からず、営業が追いきれない。", EN: "Sales cannot tell which leads are warm."},
	{JA: "Excel での管理に限界を感じている。", EN: "Spreadsheets no longer keep up."},
}

func (x *surveysExt) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if x.surveys, err = b.Table(ctx, "surveys", "id", "name", "survey_key", "title_ja", "title_en", "intro_ja", "intro_en",
		"status", "trigger_kind", "trigger_days", "questions", "created_at", "updated_at"); err != nil {
		return err
	}
	if x.resp, err = b.Table(ctx, "survey_responses", "survey_id", "contact_id", "at", "updated_at", "answers", "nps",
		"search_text", "lang", "ip", "user_agent"); err != nil {
		return err
	}
	if x.tl, err = b.Table(ctx, "timeline", "at", "contact_id", "kind", "data"); err != nil {
		return err
	}
	if x.ev, err = b.Table(ctx, "events", "visitor_id", "contact_id", "at", "kind", "name"); err != nil {
		return err
	}
	w := x.w
	r := w.Rand(surveysStream, -1)
	x.from = w.now.AddDate(0, -6, 0)
	created := x.from.Add(-14 * 24 * time.Hour).UnixMilli()
	x.nps = crm.Survey{ID: 1, Name: w.pick(labelPair{JA: "アフターフォロー NPS", EN: "After-follow NPS"}),
		TitleJA: "ご利用満足度アンケート", TitleEN: "How are we doing?", IntroJA: "今後のサービス改善のため、1分ほどでご回答ください。",
		IntroEN: "One minute of your time helps us improve.", Status: crm.SurveyOpen, Trigger: crm.TriggerContract, TriggerDays: 30,
		Questions: []crm.SurveyQuestion{
			{ID: "q1", Kind: crm.QNPS, Required: true, TextJA: "この製品を友人や同僚に薦める可能性はどのくらいありますか？",
				TextEN: "How likely are you to recommend us to a friend or colleague?", LowJA: "全く薦めない", LowEN: "Not at all likely",
				HighJA: "強く薦める", HighEN: "Extremely likely"},
			{ID: "q2", Kind: crm.QSingle, TextJA: "評価の一番の理由は何ですか？", TextEN: "What is the main reason for your score?",
				Choices: []crm.SurveyChoice{{ID: "価格", LabelJA: "価格", LabelEN: "Price"}, {ID: "機能", LabelJA: "機能", LabelEN: "Features"},
					{ID: "サポート", LabelJA: "サポート", LabelEN: "Support"}, {ID: "使いやすさ", LabelJA: "使いやすさ", LabelEN: "Ease of use"}}},
			{ID: "q3", Kind: crm.QMatrix, ScaleMax: 5, TextJA: "次の項目の満足度を教えてください。", TextEN: "How satisfied are you with…",
				LowJA: "不満", LowEN: "Unhappy", HighJA: "満足", HighEN: "Happy",
				Rows: []crm.SurveyChoice{{ID: "価格", LabelJA: "価格", LabelEN: "Price"}, {ID: "機能", LabelJA: "機能", LabelEN: "Features"},
					{ID: "サポート", LabelJA: "サポート", LabelEN: "Support"}}},
			{ID: "q4", Kind: crm.QText, TextJA: "その他ご意見があればお聞かせください。", TextEN: "Anything else you would like to tell us?"},
		}}
	x.market = crm.Survey{ID: 2, Name: w.pick(labelPair{JA: "市場調査 2026 営業・マーケ連携", EN: "Market research 2026: sales and marketing"}),
		TitleJA: "営業とマーケティングの連携に関する調査", TitleEN: "Survey: how sales and marketing work together",
		IntroJA: "5問・約2分のアンケートです。", IntroEN: "Five questions, about two minutes.", Status: crm.SurveyOpen,
		Questions: []crm.SurveyQuestion{
			{ID: "q1", Kind: crm.QSingle, Required: true, TextJA: "顧客情報をどのように管理していますか？", TextEN: "Where do you keep customer data?",
				Choices: []crm.SurveyChoice{{ID: "Excel", LabelJA: "Excel・スプレッドシート", LabelEN: "Spreadsheets"},
					{ID: "CRM", LabelJA: "CRM・SFA", LabelEN: "A CRM"}, {ID: "名刺", LabelJA: "名刺・紙", LabelEN: "Business cards and paper"},
					{ID: "なし", LabelJA: "特に管理していない", LabelEN: "Nowhere in particular", Goto: "q4"}}},
			{ID: "q2", Kind: crm.QMultiple, TextJA: "関心のある機能を選んでください（複数可）", TextEN: "Which features interest you?",
				Choices: []crm.SurveyChoice{{ID: "スコアリング", LabelJA: "リードスコアリング", LabelEN: "Lead scoring"},
					{ID: "メール", LabelJA: "メール配信", LabelEN: "E-mail marketing"}, {ID: "フォーム", LabelJA: "Webフォーム", LabelEN: "Web forms"},
					{ID: "見積", LabelJA: "見積・請求", LabelEN: "Quotes and invoices"}, {ID: "レポート", LabelJA: "レポート", LabelEN: "Reports"}}},
			{ID: "q3", Kind: crm.QScale, ScaleMax: 7, TextJA: "1年以内に導入を検討する可能性", TextEN: "How likely are you to adopt a tool within a year?",
				LowJA: "低い", LowEN: "Unlikely", HighJA: "高い", HighEN: "Very likely"},
			{ID: "q4", Kind: crm.QText, TextJA: "営業・マーケティングの課題を教えてください。", TextEN: "What is your biggest sales and marketing challenge?"},
		}}
	x.keys = map[int64]string{}
	for _, sv := range []crm.Survey{x.nps, x.market} {
		qs, _ := json.Marshal(sv.Questions)
		key := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
		x.keys[sv.ID] = key
		if err := x.surveys.Add(ctx, sv.ID, sv.Name, key, sv.TitleJA, sv.TitleEN, sv.IntroJA, sv.IntroEN, string(sv.Status),
			string(sv.Trigger), sv.TriggerDays, string(qs), created, created); err != nil {
			return err
		}
	}
	return nil
}

// answerAt is a time between from and the generator's now.
func (x *surveysExt) answerAt(r *rand.Rand, from time.Time) time.Time {
	if from.Before(x.from) {
		from = x.from
	}
	span := x.w.now.Sub(from)
	if span <= 0 {
		return x.w.now
	}
	return from.Add(time.Duration(r.Int64N(int64(span))))
}

func (x *surveysExt) Company(ctx context.Context, co *Company, people []Person) error {
	w := x.w
	customer := stageIndex(crm.StageCustomer)
	for i := range people {
		p := &people[i]
		r := w.Rand(surveysStream, p.Index)
		if at := p.Stages[customer]; !at.IsZero() && chance(r, 0.7) {
			if err := x.npsResponse(ctx, r, p, x.answerAt(r, at.Add(30*24*time.Hour))); err != nil {
				return err
			}
		}
		if p.Group == crm.GroupMarketing && chance(r, 0.06+0.1*p.Temperature) {
			if err := x.marketResponse(ctx, r, p.ID, x.answerAt(r, p.CreatedAt), p.Japanese); err != nil {
				return err
			}
		}
	}
	return nil
}

// npsResponse writes a customer's NPS answer: warmer customers and later
// months score higher.
func (x *surveysExt) npsResponse(ctx context.Context, r *rand.Rand, p *Person, at time.Time) error {
	progress := float64(at.Sub(x.from)) / float64(x.w.now.Sub(x.from))
	v := int(math.Round(5.2 + 2.6*p.Temperature + 2.4*progress + 1.7*r.NormFloat64()))
	v = min(10, max(0, v))
	band := crm.NPSBand(v)
	ans := crm.SurveyAnswers{"q1": {Value: &v}}
	reasons := map[string][]string{"promoter": {"サポート", "使いやすさ", "機能"}, "passive": {"機能", "価格", "使いやすさ"},
		"detractor": {"価格", "サポート", "機能"}}[band]
	if chance(r, 0.85) {
		ans["q2"] = crm.SurveyAnswer{Choice: reasons[r.IntN(len(reasons))]}
	}
	if chance(r, 0.7) {
		rows := map[string]int{}
		for _, k := range []string{"価格", "機能", "サポート"} {
			rows[k] = min(5, max(1, int(math.Round(1+float64(v)*0.4+r.NormFloat64()*0.8))))
		}
		ans["q3"] = crm.SurveyAnswer{Rows: rows}
	}
	if chance(r, 0.45) {
		cs := surveyComments[band]
		c := cs[r.IntN(len(cs))]
		text := c.EN
		if p.Japanese || x.w.ja() {
			text = c.JA
		}
		ans["q4"] = crm.SurveyAnswer{Text: text}
	}
	return x.write(ctx, r, x.nps, p.ID, at, ans, p.Japanese || x.w.ja())
}

// marketResponse writes a market-research answer (contactID 0 =
// anonymous).
func (x *surveysExt) marketResponse(ctx context.Context, r *rand.Rand, contactID int64, at time.Time, ja bool) error {
	q := x.market.Questions
	ch := q[0].Choices[r.IntN(len(q[0].Choices))]
	ans := crm.SurveyAnswers{"q1": {Choice: ch.ID}}
	if ch.Goto == "" {
		var picks []string
		for _, c := range q[1].Choices {
			if chance(r, 0.4) {
				picks = append(picks, c.ID)
			}
		}
		if len(picks) > 0 {
			ans["q2"] = crm.SurveyAnswer{Choices: picks}
		}
		v := min(7, max(1, int(math.Round(4+1.5*r.NormFloat64()))))
		ans["q3"] = crm.SurveyAnswer{Value: &v}
	}
	if chance(r, 0.5) {
		c := marketComments[r.IntN(len(marketComments))]
		text := c.EN
		if ja {
			text = c.JA
		}
		ans["q4"] = crm.SurveyAnswer{Text: text}
	}
	return x.write(ctx, r, x.market, contactID, at, ans, ja)
}

func (x *surveysExt) write(ctx context.Context, r *rand.Rand, sv crm.Survey, contactID int64, at time.Time, ans crm.SurveyAnswers, ja bool) error {
	raw, _ := json.Marshal(ans)
	var nps any
	if n, ok := sv.NPSOf(ans); ok {
		nps = n
	}
	var cid any
	if contactID != 0 {
		cid = contactID
	}
	lang := "en"
	if ja {
		lang = "ja"
	}
	ms := at.UnixMilli()
	if err := x.resp.Add(ctx, sv.ID, cid, ms, ms, string(raw), nps, sv.SearchText(ans), lang, testIP(r), "Mozilla/5.0 (demo)"); err != nil {
		return err
	}
	x.counted++
	if contactID == 0 {
		return nil
	}
	var pairs [][2]string
	for _, q := range sv.Questions {
		if a, ok := ans[q.ID]; ok {
			pairs = append(pairs, [2]string{q.Text(crm.LangJA), answerText(q, a)})
		}
	}
	data := map[string]any{"survey": sv.Name, "survey_id": sv.ID, "answers": pairs, "replaced": false}
	if nps != nil {
		data["nps"] = nps
	}
	b, _ := json.Marshal(data)
	if err := x.tl.Add(ctx, ms, contactID, "survey", string(b)); err != nil {
		return err
	}
	return x.ev.Add(ctx, "", contactID, ms, "survey", x.keys[sv.ID])
}

// answerText is app.AnswerText in Japanese (gen cannot import app).
func answerText(q crm.SurveyQuestion, a crm.SurveyAnswer) string {
	switch {
	case a.Choice != "":
		if c, ok := q.Choice(a.Choice); ok {
			return c.Label(crm.LangJA)
		}
		return a.Choice
	case len(a.Choices) > 0:
		s := ""
		for i, id := range a.Choices {
			if i > 0 {
				s += "; "
			}
			if c, ok := q.Choice(id); ok {
				s += c.Label(crm.LangJA)
			} else {
				s += id
			}
		}
		return s
	case a.Value != nil:
		return strconv.Itoa(*a.Value)
	case len(a.Rows) > 0:
		s := ""
		for i, row := range q.Rows {
			if n, ok := a.Rows[row.ID]; ok {
				if i > 0 && s != "" {
					s += "; "
				}
				s += fmt.Sprintf("%s: %d", row.Label(crm.LangJA), n)
			}
		}
		return s
	}
	return a.Text
}

// Done adds anonymous market-research answers (visitors of the hosted
// page), about 150 spread over the six months.
func (x *surveysExt) Done(ctx context.Context) error {
	r := x.w.Rand(surveysStream, -2)
	for i := 0; i < 150; i++ {
		if err := x.marketResponse(ctx, r, 0, x.answerAt(r, x.from), x.w.ja() || chance(r, 0.5)); err != nil {
			return err
		}
	}
	return nil
}
