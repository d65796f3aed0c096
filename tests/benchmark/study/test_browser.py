"""The rater page in a real browser (headless Chromium driven by Selenium): keyboard and mouse
votes, a reload that resumes, and the votes in the store. Skipped without chromium/chromedriver.
"""

from __future__ import annotations

import csv
import re
import shutil
import time
from pathlib import Path

import pytest

from benchmark.study.store import StudyStore

from .conftest import free_port, make_study, start_server

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
BROWSER = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
    None,
)
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    BROWSER is None or DRIVER is None, reason="chromium and chromedriver are not installed"
)


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,760",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the page")


def answered(driver) -> int:
    text = driver.find_element("id", "count").text
    return int(text.split("/")[0]) if "/" in text else -1


def current_item(driver) -> str:
    return driver.find_element("id", "left").get_attribute("src")


@pytest.mark.slow
def test_keyboard_mouse_reload_and_resume(tiny_run: Path, tmp_path: Path, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    study = make_study(tiny_run, tmp_path / "browser", raters=1, per_rater=10)
    with open(study / "raters.csv", newline="", encoding="utf-8") as handle:
        path = next(csv.DictReader(handle))["url_path"]
    port = free_port()
    server = start_server(study, port)
    try:
        browser.get(f"http://127.0.0.1:{port}{path}")
        wait_for(lambda: answered(browser) == 0 and current_item(browser))
        images = browser.find_elements(By.TAG_NAME, "img")
        wait_for(
            lambda: all(
                browser.execute_script("return arguments[0].naturalWidth", i) > 0
                for i in images[:2]
            )
        )
        body = browser.find_element(By.TAG_NAME, "body")
        expected = []
        for key, choice in (
            (Keys.ARROW_LEFT, "left"),
            ("e", "equal"),
            (Keys.ARROW_RIGHT, "right"),
            ("a", "left"),
            (Keys.SPACE, "equal"),
        ):
            before = answered(browser)
            body.send_keys(key)
            wait_for(lambda before=before: answered(browser) == before + 1)
            expected.append(choice)
        browser.find_element(By.CSS_SELECTOR, "button[data-choice='right']").click()
        wait_for(lambda: answered(browser) == 6)
        browser.find_element(By.ID, "left").click()  # clicking an image chooses it
        wait_for(lambda: answered(browser) == 7)
        expected += ["right", "left"]
        browser.find_element(By.ID, "toggle").click()  # the input on demand
        assert browser.find_element(By.ID, "inputbox").is_displayed()
        body.send_keys("i")
        assert not browser.find_element(By.ID, "inputbox").is_displayed()
        shown = current_item(browser)
        browser.refresh()  # resume: the first unanswered item, the progress kept
        wait_for(lambda: answered(browser) == 7 and current_item(browser))
        assert re.sub(r"\?.*", "", current_item(browser)) == re.sub(r"\?.*", "", shown)
        specs = StudyStore(study).meta()["specs"]
        page = browser.page_source.lower().replace(path.split("/")[-1].lower(), "")
        assert not any(re.search(rf"\b{re.escape(s)}\b", page) for s in specs)
        browser.save_screenshot(str(tmp_path / "rater_page.png"))
        for _ in range(3):
            body = browser.find_element(By.TAG_NAME, "body")
            before = answered(browser)
            body.send_keys("l")
            wait_for(lambda before=before: answered(browser) == before + 1)
            expected.append("right")
        wait_for(lambda: browser.find_element(By.ID, "done").is_displayed())
    finally:
        server.kill()
        server.wait()
    votes = StudyStore(study).votes_frame().sort_values("position")
    assert votes["choice"].tolist() == expected
    assert votes["seconds"].notna().all() and (votes["seconds"] >= 0).all()
    assert (tmp_path / "rater_page.png").stat().st_size > 10_000
