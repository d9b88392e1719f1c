package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"renkei/internal/crm"
)

// dialect names the few places where SQLite and PostgreSQL differ. Every
// query is written once, in the portable subset with $N parameters (which
// modernc's SQLite driver binds by number, as PostgreSQL does); where a
// fragment differs, it comes from a method here.
type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) String() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// values writes the VALUES rows of a multi-row statement: rows tuples of
// cols parameters, numbered from 1 in order. SQLite gets anonymous '?'
// parameters: it resolves every "$N" name against all earlier ones, which
// costs O(n²) to prepare a statement of thousands of parameters.
func (d dialect) values(rows, cols int) string {
	var b strings.Builder
	b.Grow(rows * cols * 6)
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if d == postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// skipLocked is appended to a job-claiming SELECT. SQLite has a single
// writer, which already serialises claims.
func (d dialect) skipLocked() string {
	if d == postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// mapError turns constraint violations into domain errors.
func (d dialect) mapError(err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505": // unique_violation
			return errors.Join(crm.ErrConflict, err)
		case "23503": // foreign_key_violation
			return errors.Join(crm.ErrNotFound, err)
		}
		return err
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errors.Join(crm.ErrConflict, err)
		case sqlite3lib.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errors.Join(crm.ErrNotFound, err)
		}
	}
	return err
}

// ---- contact lists and search (contact_list.go) ----

// propKeyArg is the bound value that names a custom property in a JSON props
// column: SQLite's JSON functions take a path, PostgreSQL's operators the
// key itself. The key is validated before it gets here and is always bound,
// never spliced into the SQL.
func (d dialect) propKeyArg(key string) string {
	if d == postgres {
		return key
	}
	return "$." + key
}

// propKey is how the placeholder of propKeyArg is written in SQL.
func (d dialect) propKey(placeholder string) string {
	if d == postgres {
		return placeholder + "::text"
	}
	return placeholder
}

// propJSON is the JSON text of props[key] (NULL when the key is missing):
// 'null', '""', '[]', '12', '"abc"', …
func (d dialect) propJSON(col, key string) string {
	if d == postgres {
		return "((" + col + "::jsonb -> " + key + ")::text)"
	}
	return "(" + col + " -> " + key + ")"
}

// propText is props[key] when it is a JSON string, compared byte by byte,
// and NULL otherwise.
func (d dialect) propText(col, key string) string {
	if d == postgres {
		return "((CASE WHEN jsonb_typeof(" + col + "::jsonb -> " + key + ") = 'string' THEN " +
			col + "::jsonb ->> " + key + " END) COLLATE \"C\")"
	}
	return "(CASE WHEN json_type(" + col + ", " + key + ") = 'text' THEN json_extract(" + col + ", " + key + ") END)"
}

// propNumber is props[key] when it is a JSON number, and NULL otherwise (a
// stray string never breaks the query with a failed cast).
func (d dialect) propNumber(col, key string) string {
	if d == postgres {
		return "(CASE WHEN jsonb_typeof(" + col + "::jsonb -> " + key + ") = 'number' THEN (" +
			col + "::jsonb ->> " + key + ")::numeric END)"
	}
	return "(CASE WHEN json_type(" + col + ", " + key + ") IN ('integer', 'real') THEN json_extract(" + col + ", " + key + ") END)"
}

// propBool is 1 or 0 when props[key] is a JSON boolean, and NULL otherwise.
func (d dialect) propBool(col, key string) string {
	if d == postgres {
		return "(CASE WHEN jsonb_typeof(" + col + "::jsonb -> " + key + ") = 'boolean' THEN CASE WHEN (" +
			col + "::jsonb ->> " + key + ") = 'true' THEN 1 ELSE 0 END END)"
	}
	return "(CASE json_type(" + col + ", " + key + ") WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"
}

// propHasAny is true when props[key] is a JSON array (multiple choice) with
// one of the placeholders' values, or a string equal to one of them.
func (d dialect) propHasAny(col, key, placeholders string) string {
	if d == postgres {
		v := col + "::jsonb -> " + key
		return "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(" + v + ") WHEN 'array' THEN " + v +
			" WHEN 'string' THEN jsonb_build_array(" + v + ") END) AS e(v) WHERE e.v IN (" + placeholders + "))"
	}
	return "EXISTS (SELECT 1 FROM json_each(" + col + ", " + key + ") AS e WHERE e.type = 'text' AND e.value IN (" + placeholders + "))"
}

// lowerASCII lower-cases the ASCII letters of a text expression and leaves
// every other character alone, the same on both databases (SQLite's lower()
// without ICU; PostgreSQL's lower() under the C collation). Index
// expressions in the migrations are written the same way.
func (d dialect) lowerASCII(expr string) string {
	if d == postgres {
		return "lower(" + expr + " COLLATE \"C\")"
	}
	return "lower(" + expr + ")"
}

// containsFold is true when the text expression contains the placeholder's
// value, ignoring ASCII case (the value must be lower-cased already).
func (d dialect) containsFold(expr, placeholder string) string {
	if d == postgres {
		return "strpos(" + d.lowerASCII(expr) + ", " + placeholder + ") > 0"
	}
	return "instr(" + d.lowerASCII(expr) + ", " + placeholder + ") > 0"
}

// explain prefixes a query so that it returns its plan.
func (d dialect) explain(query string) string {
	if d == postgres {
		return "EXPLAIN " + query
	}
	return "EXPLAIN QUERY PLAN " + query
}

// drivingJoin joins contacts c to a table that must be read first (a rare
// tag's rows): SQLite's CROSS JOIN keeps the written join order, which its
// planner, without per-value statistics, would otherwise get wrong;
// PostgreSQL orders the join from its statistics.
func (d dialect) drivingJoin(first, on string) string {
	if d == postgres {
		return first + " JOIN contacts c ON " + on
	}
	return first + " CROSS JOIN contacts c ON " + on
}
