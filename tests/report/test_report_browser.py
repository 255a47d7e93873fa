"""The run report in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium with the system chromedriver, so nothing is
downloaded). The page must load with no console error and no failed or external
request, every chart must have drawn marks, and the webinar funnel must show the
program's statuses. A screenshot of each page is saved.

.ci/run installs the browser; elsewhere these tests skip, saying what is missing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_runs import ROOT, write_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,2400",
]


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if CHROMIUM is None or DRIVER is None:
        return (
            "headless Chromium is not installed: apt-get install chromium chromium-driver "
            "(.ci/run does this)"
        )
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="camp-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, page: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Load ``page``; the console messages and network events of that load only."""
    driver.get("about:blank")
    driver.get_log("browser")  # reading a log empties it
    driver.get_log("performance")
    driver.get(page.as_uri())
    driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "requestAnimationFrame(function(){ requestAnimationFrame(function(){ done(); }); });"
    )
    network = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    return driver.get_log("browser"), network


MARKS = """
return Array.from(document.querySelectorAll('div.chart')).map(function (chart) {
  var marks = chart.querySelectorAll(
    'svg.main-svg .trace path, svg.main-svg .trace rect, canvas');
  var drawn = Array.from(marks).filter(function (m) {
    var d = m.getAttribute('d');
    var box = m.getBoundingClientRect();
    return (d === null || d.length > 0) && box.width > 0 && box.height > 0;
  });
  return {id: chart.id, marks: drawn.length,
          ticks: Array.from(chart.querySelectorAll('.ytick text'))  // top to bottom
            .sort(function (a, b) {
              return a.getBoundingClientRect().top - b.getBoundingClientRect().top; })
            .map(function (t) { return t.textContent; })};
});
"""


CHARTS = {
    "webinar": ["chart-timeline", "chart-funnel-0", "chart-emails", "chart-lists"],
    "scoring": ["chart-timeline", "chart-lists"],  # no program statuses, no e-mails
}


@pytest.mark.parametrize("example", ["webinar", "scoring"])
def test_report_in_chromium(
    browser: Any, example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    page = tmp_path / f"{example}.html"
    code, _, stderr = write_report(example, page)
    assert code == 0, stderr
    console, network = open_page(browser, page)
    assert [m for m in console if m["level"] in ("SEVERE", "WARNING")] == []
    failed = [m["params"] for m in network if m["method"] == "Network.loadingFailed"]
    assert failed == []
    fetched = [
        m["params"]["request"]["url"] for m in network if m["method"] == "Network.requestWillBeSent"
    ]
    assert fetched and fetched[0] == page.as_uri()
    assert [u for u in fetched if not u.startswith(("file:", "data:"))] == []
    charts = browser.execute_script(MARKS)
    assert [c["id"] for c in charts] == CHARTS[example]
    for chart in charts:
        assert chart["marks"] > 0, f"{chart['id']} drew nothing"
    if example == "webinar":
        funnel = next(c for c in charts if c["id"] == "chart-funnel-0")
        assert funnel["ticks"] == ["Invited", "Registered", "No Show", "Attended"]
    graph = browser.execute_script(
        "return document.querySelectorAll('#graph svg g.node.campaign').length"
    )
    assert graph == (6 if example == "webinar" else 11)
    shot = tmp_path / f"{example}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
