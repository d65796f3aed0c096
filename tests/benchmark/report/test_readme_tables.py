"""The README's tables are the committed baseline's, refreshed by `nox -s readme`."""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmark.report.readme_tables import readme_tables, refresh

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "reports" / "baseline"
REAL_SMOKE = ROOT / "reports" / "real-smoke"


def test_readme_shows_the_committed_baselines_tables() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, table in readme_tables(BASELINE).items():
        assert f"<!-- {name} -->\n{table}<!-- /{name} -->" in readme, (
            f"run `nox -s readme` ({name})"
        )


def test_readme_shows_the_committed_real_smoke_tables() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for run in (REAL_SMOKE, REAL_SMOKE.with_name("real-smoke-clips")):
        name = f"{run.name}-table1"
        table = readme_tables(run)[name]
        assert f"<!-- {name} -->\n{table}<!-- /{name} -->" in readme, (
            f"run `nox -s readme` ({name})"
        )


def test_refresh_replaces_only_the_marked_tables(tmp_path: Path) -> None:
    run = tmp_path / "baseline"  # markers are named after the run folder
    shutil.copytree(BASELINE, run, ignore=shutil.ignore_patterns("samples", "figures", "*.png"))
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- baseline-table1 -->\nold\n<!-- /baseline-table1 -->\nend\n")
    assert refresh(readme, run) == ["baseline-table1"]
    text = readme.read_text()
    assert text.startswith("intro\n<!-- baseline-table1 -->\n| Method |") and text.endswith("end\n")
    assert "old" not in text and "| 540 |" in text and "not scored" not in text
