"""The report database: the only code that knows SQL (database), its schema and
migrations (schema), and the one-run-per-database lock (lock)."""
