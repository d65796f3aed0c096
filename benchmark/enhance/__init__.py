"""`benchmark enhance`: stream frames from a source through one method into a sink (not a run)."""
