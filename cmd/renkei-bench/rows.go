package main

import (
	"context"
	"errors"
	"os"
	"time"
)

// allRows are the rows of BENCHMARKS.md that the suite measures so far, in
// table order. Add a row here when its feature exists. quick (-quick)
// lets rows that generate data use a smaller dataset.
func allRows(quick bool) []Row {
	rows := []Row{rowF1()}
	search := &searchData{size: genSize(quick)} // shared by F2, F3, the C rows and the S rows
	rows = append(rows, rowsF2F3(quick, search)...)
	rows = append(rows, rowF4(quick), rowF5(quick, search), rowD1(quick, search))
	rows = append(rows, rowsC(quick, search)...)
	rows = append(rows, rowC3(quick), rowC5(quick))
	rows = append(rows, rowsS1S2(quick, search)...)
	e := rowsE1E2E4(quick, search) // E1, E2, E4
	rows = append(rows, rowQ1(quick), e[0], e[1], rowE3(quick, search), e[2])
	return append(rows, rowR1(quick, search), rowR2(quick)) // R2: social post import (row_r2.go)
}

// dataEmpty labels rows measured on an empty migrated database.
const dataEmpty = "empty, migrated"

const mb = 1e6 // figures are in MB = 10^6 bytes

// rowF5 is the footprint: binary size, resident memory after start before
// any request, and the time from exec to the first 200 from /healthz. The
// full run starts the server on the M dataset of F2/F3 (the table's data);
// the quick run on an empty migrated database.
func rowF5(quick bool, search *searchData) Row {
	same := func(v float64) map[string]float64 { return map[string]float64{"sqlite": v, "postgres": v} }
	data, note := "M", "F5 starts the server on the M dataset the search rows generated"
	if quick {
		data, note = dataEmpty, "F5 (-quick) is measured on an empty migrated database; the full run uses M"
	}
	return Row{
		ID:       "F5",
		Workload: "footprint: binary size; RSS after start before any request; start → 200 from /healthz",
		Data:     data,
		Note:     note,
		Metrics: []Metric{
			{Name: "binary size", Unit: "MB", Better: Lower, Target: same(50)},
			{Name: "RSS after start", Unit: "MB", Better: Lower, Target: same(60)},
			{Name: "start → 200 /healthz", Unit: "ms", Better: Lower, Target: same(1000)},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			st, err := os.Stat(env.Bin)
			if err != nil {
				return nil, err
			}
			var db *Database
			if quick {
				if db, err = env.FreshDatabase(ctx); err != nil {
					return nil, err
				}
				defer db.Close()
			} else {
				if err := search.prepare(ctx, env); err != nil {
					return nil, err
				}
				db = search.db
			}
			srv, err := env.StartServer(ctx, db, 10*time.Second)
			if err != nil {
				return nil, err
			}
			defer srv.Stop()
			// The probe that saw the 200 is the only request so far.
			mem, err := ReadMem(srv.PID())
			if err != nil {
				return nil, err
			}
			if srv.Ready.IsZero() {
				return nil, errors.New("server never became ready")
			}
			return map[string]float64{
				"binary size":          float64(st.Size()) / mb,
				"RSS after start":      float64(mem.RSS) / mb,
				"start → 200 /healthz": float64(srv.Ready.Sub(srv.Started).Microseconds()) / 1000,
			}, nil
		},
	}
}
