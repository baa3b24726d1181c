"""The command-post board: what it shows of the record (view, read)."""
