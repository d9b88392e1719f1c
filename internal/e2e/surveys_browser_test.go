package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// setByName sets the value of the form control named name.
func (tb *tab) setByName(name, value string) {
	tb.t.Helper()
	tb.run("set "+name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var e=document.querySelector('[name="'+%q+'"]');
		e.value=%q; e.dispatchEvent(new Event("change", {bubbles: true}));})()`, name, value)))
}

// TestSurveysBrowser builds a survey in the builder (in Japanese), answers
// it on the hosted page through a contact's personal link and anonymously,
// and sees the answers in the results: the NPS, a drawn chart and the
// cross-tab by lifecycle stage.
func TestSurveysBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	taro, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: "taro@example.jp",
		PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, Lifecycle: crm.StageCustomer}})
	if err != nil {
		t.Fatal(err)
	}

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open("/marketing/surveys")
	tb.wantPage("/marketing/surveys", "アンケートはまだありません")
	tb.shot("surveys-empty-ja")

	// Build: the new survey starts with an NPS and a free-text question;
	// add a single choice, move it first, and open the survey.
	tb.open("/marketing/surveys/new")
	tb.wantPage("/marketing/surveys/new", "質問")
	tb.setByName("name", "顧客満足度")
	tb.setByName("title_ja", "ご利用満足度アンケート")
	tb.setByName("status", "open")
	tb.submit(`button[name="add"][value="single"]`)
	tb.waitFor(`[name="ja.2"]`)
	tb.setByName("ja.2", "業種を教えてください")
	tb.setByName("pos.2", "5")
	tb.setByName("choices.2", "製造業 | Manufacturing\n小売業 | Retail | end")
	tb.shot("surveys-builder-ja")
	tb.submit(`form[action="/marketing/surveys"] .card-footer button[type=submit]`)
	list, err := a.Surveys(ctx, ac)
	if err != nil || len(list) != 1 || len(list[0].Questions) != 3 {
		t.Fatalf("surveys after saving = %+v, %v (page %s)", list, err, tb.path())
	}
	sv := list[0].Survey
	page := "/marketing/surveys/" + strconv.FormatInt(sv.ID, 10)
	tb.wantPage(page, "公開ページ")

	// A personal link for 山田 太郎, made on the survey's page.
	tb.fill("contact", strconv.FormatInt(taro.ID, 10))
	tb.submit(`form[method="get"] button[type=submit]`)
	link := eval[string](tb, `document.getElementById("plink").value`)
	if !strings.Contains(link, "/s/"+sv.Key+"?c="+strconv.FormatInt(taro.ID, 10)+"&t=") {
		t.Fatalf("personal link = %q", link)
	}

	// Answer through the link: 製造業, NPS 9, a comment.
	// (The browser asks for English; the link is opened in Japanese.)
	tb.open(strings.TrimPrefix(link, h.base) + "&lang=ja")
	tb.wantPage(strings.TrimPrefix(link, h.base)+"&lang=ja", "ご利用満足度アンケート")
	tb.click(`input[name="q.q3"][value="製造業"]`)
	tb.click(`input[name="q.q1"][value="9"]`)
	tb.setByName("q.q2", "サポートが丁寧でした")
	tb.shot("surveys-hosted-ja")
	time.Sleep(3200 * time.Millisecond) // a human's pace (MinFillTime)
	tb.submit(`main form button[type=submit]`)
	if body := eval[string](tb, `document.body.innerText`); !strings.Contains(body, "ご回答ありがとうございました") {
		t.Fatalf("after answering: %.1500s", body)
	}
	// An anonymous answer on the hosted page, forgetting the required NPS
	// first: the page says so next to the question.
	tb.open("/s/" + sv.Key + "?lang=ja")
	tb.click(`input[name="q.q3"][value="製造業"]`)
	time.Sleep(3200 * time.Millisecond)
	tb.submit(`main form button[type=submit]`)
	tb.waitText("#q-q1", "この質問にお答えください")
	tb.click(`input[name="q.q1"][value="3"]`)
	time.Sleep(3200 * time.Millisecond)
	tb.submit(`main form button[type=submit]`)
	if body := eval[string](tb, `document.body.innerText`); !strings.Contains(body, "ご回答ありがとうございました") {
		t.Fatalf("after the anonymous answer: %.1500s", body)
	}

	// Results: n = 2, NPS (1 promoter, 1 detractor) = 0, the charts drawn,
	// the cross-tab by stage with 顧客 and 匿名 rows.
	tb.open(page + "?cross_by=stage&cross_q=q1")
	tb.waitText(`[data-testid="survey-n"]`, "2")
	tb.waitText(`[data-testid="survey-nps"]`, "+0.0")
	if !eval[bool](tb, `!!window.Chart && !!Chart.getChart(document.querySelector('canvas[data-chart="q1"]'))`) {
		t.Error("the NPS chart is not drawn")
	}
	cross := tb.text(`[data-testid="crosstab"]`)
	if !strings.Contains(cross, "顧客") || !strings.Contains(cross, "匿名") {
		t.Errorf("cross-tab = %q", cross)
	}
	tb.shot("surveys-results-ja")
	// The answer is on 山田's timeline.
	tb.open("/contacts/" + strconv.FormatInt(taro.ID, 10))
	tb.waitText("body", "アンケート「顧客満足度」に回答")
}
