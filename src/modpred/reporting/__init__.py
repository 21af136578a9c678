"""What people read: figures, the report, and the `dvc plots` data and page."""
