"""report.html: one self-contained file (CSS, JS and images inline) with the tables, figures and
an image viewer that compares any two of input, method outputs and ground truth with a slider.

Nothing is fetched from the network: every image is a base64 data URI, so the file can be mailed
or archived alone.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..files import atomic_write_text
from ..run.store import RunStore

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;color:#222;padding:0 1em}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#f0f3f8}
.notes{font-size:12px;color:#555}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #ddd}
.viewer{display:flex;flex-wrap:wrap;gap:1.5em}
.sample{border:1px solid #ddd;padding:.5em;border-radius:6px}
.compare{position:relative;width:384px;height:384px;user-select:none;background:#000}
.compare img{position:absolute;top:0;left:0;width:100%;height:100%;object-fit:contain}
.compare .top{clip-path:inset(0 50% 0 0)}
.compare .bar{position:absolute;top:0;bottom:0;left:50%;width:2px;background:#ff0}
.sample select{max-width:180px}
.sample input[type=range]{width:384px}
"""

SCRIPT = """
document.querySelectorAll('.sample').forEach(function(box){
  var imgs=JSON.parse(box.dataset.images);
  var left=box.querySelector('.left'),right=box.querySelector('.right');
  var a=box.querySelector('.bottom'),b=box.querySelector('.top');
  var bar=box.querySelector('.bar'),slider=box.querySelector('input[type=range]');
  function show(){a.src=imgs[right.value];b.src=imgs[left.value];}
  function cut(p){b.style.clipPath='inset(0 '+(100-p)+'% 0 0)';bar.style.left=p+'%';}
  left.onchange=show;right.onchange=show;
  slider.oninput=function(){cut(slider.value);};
  box.querySelector('.compare').onclick=function(e){
    var r=e.currentTarget.getBoundingClientRect();
    var p=Math.round(100*(e.clientX-r.left)/r.width);slider.value=p;cut(p);};
  show();cut(50);
});
"""


def data_uri(path: Path) -> str:
    """A PNG file as a data: URI."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _table(frame: pd.DataFrame, notes: Sequence[str]) -> str:
    body = frame.to_html(index=False, escape=True, border=0)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"{body}<ul class='notes'>{items}</ul>"


def _viewer(store: RunStore, columns: Sequence[tuple[str, str]], samples: Sequence[str]) -> str:
    """One compare box per sample frame: two choosers, a slider, click to move the cut."""
    boxes = []
    for image_id in samples:
        images = {
            title: data_uri(store.sample_path(key, image_id))
            for key, title in columns
            if store.sample_path(key, image_id).exists()
        }
        if len(images) < 2:
            continue
        names = list(images)
        options = "".join(f"<option>{html.escape(n)}</option>" for n in names)
        right = html.escape(names[1])
        boxes.append(
            f"<div class='sample' data-images='{html.escape(json.dumps(images))}'>"
            f"<b>{html.escape(image_id)}</b><br>left <select class='left'>{options}</select> "
            f"right <select class='right'>"
            + options.replace(f"<option>{right}</option>", f"<option selected>{right}</option>")
            + "</select><div class='compare'><img class='bottom' alt='right'>"
            "<img class='top' alt='left'><div class='bar'></div></div>"
            "<input type='range' min='0' max='100' value='50'></div>"
        )
    return "<div class='viewer'>" + "".join(boxes) + "</div>"


def study_sections(root: Path) -> list[str]:
    """Sections that `study results` left in the run folder (reader_studies/*.html), by name."""
    folder = root / "reader_studies"
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))]


def write_report_html(
    store: RunStore,
    folder: Path,
    tables: Sequence[tuple[str, pd.DataFrame, Sequence[str]]],
    figure_paths: Mapping[str, Path],
    columns: Sequence[tuple[str, str]],
    facts: Sequence[str],
) -> Path:
    """report.html from the tables (title, frame, notes), figures and sample-image columns."""
    manifest = store.read_manifest() if store.exists() else {}
    samples = list(manifest.get("sample_images", []))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>dehaze-bench report: {html.escape(store.root.name)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>dehaze-bench report: {html.escape(store.root.name)}</h1>",
        "<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul>",
    ]
    for title, frame, notes in tables:
        parts += [f"<h2>{html.escape(title)}</h2>", _table(frame, notes)]
    parts += study_sections(store.root)
    if samples:
        parts += [
            "<h2>Image viewer</h2><p class='notes'>Pick any two images per frame; drag the "
            "slider or click the picture to move the cut (left image on the left).</p>",
            _viewer(store, columns, samples),
        ]
    if figure_paths:
        parts.append("<h2>Figures</h2>")
        for key, path in figure_paths.items():
            label = html.escape(key.replace("_", " "))
            parts.append(
                f"<figure><img src='{data_uri(path)}' alt='{label}'>"
                f"<figcaption>{label}</figcaption></figure>"
            )
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    path = folder / "report.html"
    atomic_write_text(path, "\n".join(parts) + "\n")
    return path
