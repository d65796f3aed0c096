"""A screenshot of a rater's page in headless Chromium, for documentation (needs selenium and
Debian's chromium + chromium-driver; the server runs in a thread on a free port of 127.0.0.1)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from .server import create_app
from .source import StudyError
from .store import StudyStore

WINDOW = (1280, 720)


def screenshot(folder: str | Path, path: str | Path, rater: str = "rater01") -> Path:
    """Save what `rater` sees on their first unanswered item as a PNG at `path`."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise StudyError("screenshots need selenium: pip install selenium") from None
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if browser is None or driver_path is None:
        raise StudyError(
            "screenshots need chromium and chromedriver (apt-get install chromium chromium-driver)"
        )
    from waitress import create_server

    with StudyStore(folder).open() as conn:
        row = conn.execute("SELECT token FROM raters WHERE name = ?", (rater,)).fetchone()
    if row is None:
        raise StudyError(f"no rater {rater!r} in study {folder}")
    server = create_server(create_app(folder), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(f"http://127.0.0.1:{server.effective_port}/r/{row['token']}")
        deadline = time.monotonic() + 30
        script = "return [...document.images].filter(i => i.id !== 'inputimg').every(i => i.naturalWidth > 0)"
        while not driver.execute_script(script):
            if time.monotonic() > deadline:
                raise StudyError(f"the rater page of {folder} did not show its images in 30 s")
            time.sleep(0.1)
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()
        server.close()
    return out
