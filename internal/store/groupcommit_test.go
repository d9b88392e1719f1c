package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// Many concurrent write transactions, some failing after a write and some
// panicking: exactly the successful ones are committed, each failing one
// is undone whole (its first write too), and every caller gets its own
// outcome. On SQLite they share commits (group commit); on PostgreSQL each
// commits alone — the contract is the same.
func TestConcurrentWriteTransactions(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	if _, err := s.DB().Exec("CREATE TABLE gc_probe (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	errWanted := errors.New("wanted failure")
	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			results[i] = s.InTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO gc_probe (k, v) VALUES ($1, $2)", fmt.Sprintf("a%d", i), i); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return errWanted
				case 7:
					panic(fmt.Sprintf("panic %d", i))
				case 5:
					// A constraint error in the second statement.
					_, err := tx.Exec(ctx, "INSERT INTO gc_probe (k, v) VALUES ($1, $2)", fmt.Sprintf("a%d", i), i)
					return err
				}
				_, err := tx.Exec(ctx, "INSERT INTO gc_probe (k, v) VALUES ($1, $2)", fmt.Sprintf("b%d", i), i)
				return err
			})
		}()
	}
	wg.Wait()
	for i := range n {
		switch i % 10 {
		case 3:
			if !errors.Is(results[i], errWanted) {
				t.Errorf("tx %d: err %v, want the wanted failure", i, results[i])
			}
		case 7:
			if panics[i] != fmt.Sprintf("panic %d", i) {
				t.Errorf("tx %d: panic %v, want it passed to the caller", i, panics[i])
			}
		case 5:
			if results[i] == nil {
				t.Errorf("tx %d: duplicate key accepted", i)
			}
		default:
			if results[i] != nil || panics[i] != nil {
				t.Errorf("tx %d: %v / %v, want success", i, results[i], panics[i])
			}
		}
	}
	rows, err := s.DB().Query("SELECT k FROM gc_probe")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got[k] = true
	}
	want := 0
	for i := range n {
		ok := i%10 != 3 && i%10 != 5 && i%10 != 7
		if ok {
			want += 2
		}
		if got[fmt.Sprintf("a%d", i)] != ok || got[fmt.Sprintf("b%d", i)] != ok {
			t.Errorf("tx %d: rows a=%v b=%v, want both %v", i, got[fmt.Sprintf("a%d", i)], got[fmt.Sprintf("b%d", i)], ok)
		}
	}
	if len(got) != want {
		t.Errorf("%d rows, want %d", len(got), want)
	}
}

// A caller whose context is already cancelled when its turn comes gets
// the context's error and writes nothing.
func TestWriteTransactionCancelled(t *testing.T) {
	s := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.InTx(ctx, func(tx *store.Tx) error { ran = true; return nil })
	if err == nil || ran {
		t.Fatalf("cancelled InTx: err %v, ran %v; want an error and fn not run", err, ran)
	}
}
