"""Blinded reader studies on a run folder: design, SQLite store, web server, statistics."""
