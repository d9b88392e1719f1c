package e2e

import (
	"fmt"
	"strconv"
	"strings"
)

// Helpers of the sales browser test for the dashboard (issue 6, part 5).

// digits reads the number in a KPI text: "¥2,400,000" → 2400000.
func digits(s string) int64 {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	n, _ := strconv.ParseInt(b.String(), 10, 64)
	return n
}

// dashboardNumbers opens the sales dashboard (current quarter) and reads
// the number of contracts and the revenue.
func (tb *tab) dashboardNumbers() (contracts, revenue int64) {
	tb.t.Helper()
	tb.open("/sales/dashboard")
	tb.waitFor(`[data-kpi="contracts"] [data-value]`)
	return digits(tb.text(`[data-kpi="contracts"] [data-value]`)), digits(tb.text(`[data-kpi="revenue"] [data-value]`))
}

// afterWin checks what winning a deal made: its contract on the deal's
// page, the after-follow tasks in the task list, and the dashboard's
// contracts and revenue up by one deal and amount; then follows the
// contracts number to the deal list behind it.
func (tb *tab) afterWin(dealID, contracts0, revenue0, amount int64) {
	tb.t.Helper()
	tb.open(fmt.Sprintf("/deals/%d", dealID))
	tb.waitFor(`a[href^="/contracts/"]`)
	tb.shot("sales-ja-won-contract")
	tb.open("/tasks")
	tb.waitText("body", "オンボーディング電話") // the playbook's first task
	tb.waitText("body", "満足度確認")
	tb.shot("sales-ja-won-tasks")
	contracts, revenue := tb.dashboardNumbers()
	if contracts != contracts0+1 || revenue != revenue0+amount {
		tb.t.Errorf("dashboard after the win: %d contracts, revenue %d; before %d, %d; want +1 and +%d",
			contracts, revenue, contracts0, revenue0, amount)
	}
	tb.waitFor(`canvas[data-chart="revenue"][data-drawn]`)
	tb.shot("sales-ja-dashboard-after-win")
	// Drill-down: the contracts number opens the won deals behind it.
	href := eval[string](tb, `document.querySelector('[data-kpi="contracts"] [data-value]').getAttribute("href")`)
	tb.open(href)
	tb.waitFor("#deal-drill-total")
	if n := digits(eval[string](tb, `document.querySelector("#deal-drill-total").getAttribute("data-total")`)); n != contracts {
		tb.t.Errorf("the drill-down from %d contracts lists %d deals", contracts, n)
	}
	if rows := eval[int](tb, `document.querySelectorAll("#deal-table tbody tr").length`); int64(rows) != contracts {
		tb.t.Errorf("the drill-down table has %d rows, want %d", rows, contracts)
	}
	tb.waitFor(fmt.Sprintf(`#deal-table a[href="/deals/%d"]`, dealID))
	tb.shot("sales-ja-dashboard-drilldown")
}

// dashboardShots takes the dashboard's screenshot in a language, once its
// charts are drawn.
func (tb *tab) dashboardShots(lang string) {
	tb.t.Helper()
	tb.open("/sales/dashboard")
	tb.waitFor(`canvas[data-chart="winrate"][data-drawn]`)
	tb.shot("sales-" + lang + "-dashboard")
	tb.open("/sales/dashboard?kind=year")
	tb.waitFor(`canvas[data-chart="revenue"][data-drawn]`)
	tb.shot("sales-" + lang + "-dashboard-year")
}
