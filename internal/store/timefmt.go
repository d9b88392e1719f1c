package store

import (
	"database/sql"
	"time"
)

// Timestamps are stored on both databases as Unix milliseconds (BIGINT), in
// UTC by definition. Integers compare, index and bucket the same way on both
// databases: a day in a zone with offset o (ms) is (ts + o) / 86400000.
// ms and fromMS are the one place that converts.

// ms converts a time to Unix milliseconds; the zero time is stored as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMS converts stored milliseconds back to a UTC time; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// fromNullMS converts a nullable column.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}
