package store

// boolInt is how booleans are stored: INTEGER 0 or 1 on both databases.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
