package store

import (
	"errors"

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
