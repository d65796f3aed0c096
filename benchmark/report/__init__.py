"""Reports of a run: summary.csv, Tables 1 and 2 (CSV, Markdown, LaTeX), figures, report.md."""

from .build import build_report
from .console import print_summary
from .summary import load_summary, summarize

__all__ = ["build_report", "load_summary", "print_summary", "summarize"]
