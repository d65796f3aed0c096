"""nox sessions: tests, lint, bench (pytest-benchmark), report, baseline, readme, regression, ablation,
study_example.

Sessions reuse the current interpreter's packages (`venv_backend="none"`) so that the CPU torch
already installed is used, not a multi-GB CUDA build pulled into a fresh venv.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
BENCH_THREADS = "2"
BENCH = ("python", "-m", "benchmark")
BASELINE = Path("reports/baseline")
REAL_SMOKE = Path("reports/real-smoke")
#: 50 real DeSmoke-LAP smoky frames, no ground truth (see ../shared/data/endoscopy/SOURCES.txt)
REAL_SMOKE_DATA = "../shared/data/endoscopy/desmoke_lap_real_smoky"
REAL_SMOKE_CLIPS = Path("reports/real-smoke-clips")
#: the 10 real DeSmoke-LAP input clips (50 frames each) and CycleGAN's published outputs of them
REAL_SMOKE_CLIPS_DATA = "../shared/data/endoscopy/desmoke_lap_clips/input"
CYCLEGAN_OUTPUTS = "../shared/data/endoscopy/desmoke_lap_clips/CycleGAN"
#: what the desmoking literature reports on real smoke, scored when registered (FADE, CPBD and
#: the Hautiere descriptors may arrive later: a name not in the registry is left out)
LITERATURE_METRICS = ("fade", "cpbd", "contrast_e", "contrast_r", "contrast_sigma")
#: the suite's own no-reference metrics and structure across frames (frame pairs of each clip)
CLIP_METRICS = ("niqe", "piqe", "dark_channel")
STRUCTURE_METRICS = ("orb_matches", "orb_inlier_ratio", "sift_matches", "sift_inlier_ratio")
#: the first frames of each clip (consecutive, so frame pairs stay 1/25 s apart): the Hautiere
#: descriptors and SIFT cost about 1 s and 0.5 s per 256x256 frame here, so all 50 frames of the
#: 10 clips for 6 methods take over an hour on a 2-core CPU (pass -- --max-frames 50 for them)
CLIP_FRAMES = "10"
#: clean Kvasir frames for the domain NIQE model of the real-smoke run
NIQE_CLEAN_DATA = "../shared/data/endoscopy/kvasir_clean"
#: the methods that need no downloaded weights; the regression session runs these
SHIPPED_METHODS = "lnet-gie,aodnet,dcp,cap,hazy-input"
REGRESSION_LIMIT = "60"
ABLATION_RMS = ("0.25", "0.5", "1.0")
ABLATION_WMS = ("0.5", "1.0")
#: a reduced training budget per variant (the paper's protocol is 30 epochs on 2160 pairs):
#: 4 epochs on 1000 training pairs spread over the split, seed 1 (seed 0 starts LNet-GIE dead)
ABLATION_TRAIN = ("--epochs", "4", "--limit", "1000", "--seed", "1")
ABLATION_WEIGHTS = Path("weights/ablation")
STUDY_EXAMPLE = Path("reports/study-example")
README = Path("README.md")


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """The test suite (the README's test command)."""
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """pytest-benchmark benchmarks, threads pinned; each compares against a same-run baseline."""
    session.env.update({"OMP_NUM_THREADS": BENCH_THREADS, "MKL_NUM_THREADS": BENCH_THREADS})
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/benchmarks",
        "--benchmark-only",
        "--benchmark-columns=min,median,mean,stddev,rounds",
        "-q",
        *session.posargs,
    )


@nox.session(venv_backend="none")
def report(session: nox.Session) -> None:
    """Regenerate tables and figures of a run: nox -s report -- reports/runs/RUN_ID."""
    if not session.posargs:
        session.error("give the run folder: nox -s report -- reports/runs/RUN_ID")
    session.run("python", "-m", "benchmark", "report", *session.posargs)


@nox.session(venv_backend="none")
def baseline(session: nox.Session) -> None:
    """Regenerate reports/baseline/: every method on the full test split (-- adds run options).

    The run starts fresh in a temporary folder (never resuming one made by other code) and
    replaces reports/baseline only when it completes; samples and figures are copied with it.
    """
    tmp = Path(session.create_tmp())
    run_dir = tmp / "runs" / "baseline"
    shutil.rmtree(run_dir, ignore_errors=True)
    run = ["run", "--methods", "all", "--run-id", "baseline", "--out", str(tmp)]
    session.run(*BENCH, *run, *session.posargs)
    shutil.rmtree(BASELINE, ignore_errors=True)
    # report.html inlines every sample image (5 MB): regenerate it with `benchmark report`
    shutil.copytree(run_dir, BASELINE, ignore=shutil.ignore_patterns("report.html", ".lock"))
    session.log(f"wrote {BASELINE}/ (manifest, rows, tables, samples, figures): commit it")


@nox.session(venv_backend="none")
def readme(session: nox.Session) -> None:
    """Refresh the README's tables from reports/baseline and reports/real-smoke (after their runs)."""
    from benchmark.report.readme_tables import refresh

    done = [t for run in (BASELINE, REAL_SMOKE, REAL_SMOKE_CLIPS) for t in refresh(README, run)]
    session.log(f"README.md: refreshed {', '.join(done) or 'nothing (no markers)'}")


@nox.session(venv_backend="none")
def real_smoke(session: nox.Session) -> None:
    """Regenerate reports/real-smoke/ (the shipped methods on 50 real smoky frames, no ground
    truth) and reports/real-smoke-clips/ (the 10 DeSmoke-LAP clips, the shipped methods plus
    CycleGAN's published outputs, with structure across frames).

    Needs ../shared/data/endoscopy; like `baseline`, fresh runs copied over when they complete.
    """
    for folder in (REAL_SMOKE_DATA, REAL_SMOKE_CLIPS_DATA, CYCLEGAN_OUTPUTS):
        if not Path(folder).is_dir():
            session.error(f"{folder} not found (only in the dev checkout)")
    tmp = Path(session.create_tmp())
    run_dir = tmp / "runs" / "real-smoke"
    shutil.rmtree(run_dir, ignore_errors=True)
    niqe = tmp / "kvasir_niqe.npz"  # a domain NIQE: fitted on clean endoscopy frames
    session.run(*BENCH, "metrics", "fit-niqe", "--data", NIQE_CLEAN_DATA, "--out", str(niqe))
    run = ["run", "--data", REAL_SMOKE_DATA, "--methods", SHIPPED_METHODS]
    run += ["--metric-params", f"niqe={niqe}"]
    run += ["--run-id", "real-smoke", "--out", str(tmp), *session.posargs]
    session.run(*BENCH, *run)
    _publish(session, run_dir, REAL_SMOKE)
    # the clips: the shipped methods and CycleGAN's published outputs, frame by frame
    clips_dir = tmp / "runs" / "real-smoke-clips"
    shutil.rmtree(clips_dir, ignore_errors=True)
    published = f"outputs:path={CYCLEGAN_OUTPUTS},name=CycleGAN (published)"
    clips = ["run", "--data", REAL_SMOKE_CLIPS_DATA, "--methods", SHIPPED_METHODS, published]
    metrics = _registered(LITERATURE_METRICS + CLIP_METRICS) + list(STRUCTURE_METRICS)
    clips += ["--metrics", ",".join(metrics), "--metric-params", f"niqe={niqe}"]
    clips += ["--max-frames", CLIP_FRAMES]
    clips += ["--run-id", "real-smoke-clips", "--out", str(tmp), *session.posargs]
    session.run(*BENCH, *clips)
    _publish(session, clips_dir, REAL_SMOKE_CLIPS)


def _registered(names: tuple[str, ...]) -> list[str]:
    """The metrics among `names` that this checkout registers (the others are not scored)."""
    from benchmark.metrics import all_metrics

    known = {m.name for m in all_metrics()}
    return [name for name in names if name in known]


def _publish(session: nox.Session, run_dir: Path, target: Path) -> None:
    """Copy a finished run to `target`, less what holds copies of the real frames."""
    shutil.rmtree(target, ignore_errors=True)
    # the sample PNGs and report.html hold copies of the real frames: they stay in the run folder
    keep_out = shutil.ignore_patterns("samples", "report.html", ".lock")
    shutil.copytree(run_dir, target, ignore=keep_out)
    session.log(f"wrote {target}/ (manifest, rows, tables, figures); report.html: {run_dir}")


@nox.session(venv_backend="none")
def regression(session: nox.Session) -> None:
    """The shipped methods on the first 60 test images, checked against reports/baseline.

    Same data and split as the baseline, so `check` compares on the candidate's 60 images; it
    fails the session (exit 1) when any verdict is "worse". An incomplete run (exit 1) goes on to
    the check, which counts unscored or failing methods as regressions.
    """
    if not (BASELINE / "manifest.json").is_file():
        session.error(f"no baseline in {BASELINE}: run `nox -s baseline` first")
    tmp = Path(session.create_tmp())
    run_dir = tmp / "runs" / "regression"
    shutil.rmtree(run_dir, ignore_errors=True)
    run = ["run", "--methods", SHIPPED_METHODS, "--limit", REGRESSION_LIMIT]
    run += ["--run-id", "regression", "--out", str(tmp), *session.posargs]
    session.run(*BENCH, *run, success_codes=[0, 1])
    # quality only: latency on a shared CI machine is too noisy for a pass/fail gate; check
    # speed with `check --rerun-baseline-latency`, which times both sides in one process
    session.run(
        *BENCH, "check", str(run_dir), "--baseline", str(BASELINE), "--metrics", "psnr,ssim"
    )


@nox.session(venv_backend="none")
def ablation(session: nox.Session) -> None:
    """LNet-GIE's rm x wm grid: train the 6 variants (reduced budget), run them, tabulate.

    Weights go to weights/ablation/ and are reused when present (delete them to retrain; then
    also delete reports/runs/ablation, whose manifest records the old weights' sha256).
    -- adds options to the `run` step (e.g. --device cuda).
    """
    weights = []
    for rm in ABLATION_RMS:
        for wm in ABLATION_WMS:
            spec = f"lnet-gie:rm={rm},wm={wm}"
            out = ABLATION_WEIGHTS / f"lnet-gie_rm-{rm}_wm-{wm}.pth"
            if not out.is_file():
                train = ["train", spec, *ABLATION_TRAIN, "--out", str(out), "--no-progress"]
                session.run(*BENCH, *train)
            weights.append(f"{spec}={out}")
    grid = f"lnet-gie:rm=[{','.join(ABLATION_RMS)}],wm=[{','.join(ABLATION_WMS)}]"
    run = ["run", "--methods", grid, "--run-id", "ablation", "--weights", *weights]
    session.run(*BENCH, *run, *session.posargs)
    session.run(*BENCH, "ablation", "reports/runs/ablation", "--method", "lnet-gie")


@nox.session(venv_backend="none")
def study_example(session: nox.Session) -> None:
    """Regenerate reports/study-example/: a SIMULATED reader study on reports/baseline's samples.

    The votes come from `study simulate` (raters whose preferences follow PSNR, with noise), not
    from people: the tables show what `study results` writes, not a finding. The rater page
    screenshot needs chromium and chromedriver (skipped without them).
    """
    tmp = Path(session.create_tmp())
    study = tmp / "study-example"
    shutil.rmtree(study, ignore_errors=True)
    create = ["study", "create", str(BASELINE), "--out", str(study), "--raters", "4"]
    session.run(*BENCH, *create, "--per-rater", "60", "--seed", "0")
    if shutil.which("chromium") and shutil.which("chromedriver"):
        png = STUDY_EXAMPLE / "rater_page.png"
        session.run(*BENCH, "study", "screenshot", str(study), "--out", str(png))
    session.run(*BENCH, "study", "simulate", str(study), "--like", "psnr", "--seed", "0")
    session.run(*BENCH, "study", "results", str(study), "--no-report", *session.posargs)
    STUDY_EXAMPLE.mkdir(parents=True, exist_ok=True)
    for name in ("results.md", "results.csv", "results_metrics.csv", "results_raters.csv"):
        shutil.copy(study / name, STUDY_EXAMPLE / name)
    shutil.copytree(study / "figures", STUDY_EXAMPLE / "figures", dirs_exist_ok=True)
    # the README's copy: results.md without its title, its headings one level under the section
    body = (STUDY_EXAMPLE / "results.md").read_text(encoding="utf-8").split("\n", 2)[2]
    body = body.strip().replace("\n## ", "\n#### ") + "\n"
    readme = Path("README.md")
    pattern = re.compile(r"(<!-- study-example -->\n).*?(<!-- /study-example -->)", re.S)
    readme.write_text(
        pattern.sub(lambda m: m.group(1) + body + m.group(2), readme.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    session.log(f"wrote {STUDY_EXAMPLE}/ and README.md's copy (SIMULATED votes; study: {study})")
