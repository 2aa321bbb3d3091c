"""The officer's page in real headless Chromium (Debian's ``chromium``, driven by Playwright).

One server (uvicorn on a free local port, in a thread) and one browser for the module. Every
request to a host other than the local server is aborted and recorded; the tests assert there
were none, so the page works on a closed network. Screenshots of the result page (nb, en)
go to ``docs/screenshots/`` (kept in the repository, shown in the README) when
``DEMINIMIS_SCREENSHOTS=1``, else to a temporary folder, so a test run leaves the tree clean.

Skips, saying why, when Chromium or Playwright is missing (``.ci/run`` installs Chromium).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from deminimis.http import ApiSettings, create_app

from .conftest import FIXTURES

CHROMIUM = os.environ.get("DEMINIMIS_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = (
    Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    if os.environ.get("DEMINIMIS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "deminimis-screenshots"
)
RUNNING: dict[str, object] = {}
"""The app the module's server runs (to place a hand-made decision in its result store)."""

sync_api = pytest.importorskip("playwright.sync_api", reason="no playwright (pip install -e '.[test]')")
if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    import uvicorn

    tmp = tmp_path_factory.mktemp("web")
    settings = ApiSettings(db_url=str(tmp / "ledger.sqlite"), init=True, firms_file=FIXTURES / "firms.csv")
    port = _free_port()
    app = RUNNING["app"] = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh page; any request to another host is aborted and listed in ``page.foreign``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    foreign: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    pg.route("**/*", guard)
    pg.foreign = foreign
    yield pg
    context.close()
    assert not foreign, f"requests to other hosts: {foreign}"


def _fill_fixture_case(page, server: str, lang: str, use_ledger: bool = True) -> None:
    page.goto(f"{server}/?lang={lang}")
    page.get_by_label(re.compile("Organisasjonsnummer|Organisation number")).press_sequentially("912346803")
    page.wait_for_selector("[data-fact=name]")
    page.fill("#amount", "150000")
    page.select_option("#currency", "NOK")
    page.fill("#grant_date", "17.05.2021" if lang == "nb" else "2021-05-17")
    page.set_input_files("#declaration", str(FIXTURES / "awards.csv"))
    page.set_checked("#use_ledger", use_ledger)
    page.click("#submit")
    page.wait_for_selector("#route")


def test_single_check_in_bokmal_shows_route_figures_and_window(page, server) -> None:
    _fill_fixture_case(page, server, "nb")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("#route").inner_text() == "Bagatellmessig støtte (de minimis)"
    assert page.locator("#window").inner_text().startswith("01.01.2019 til og med 17.05.2021")
    figures = page.locator("#figures").inner_text()
    assert "115\u00a0780,00" in figures and "14\u00a0900,91" in figures and "69\u00a0319,09" in figures
    assert "awards.csv, rad 2" in page.locator("#counted").inner_text()
    assert "KAFE BRYGGA AS" in page.locator("#firm").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "check-nb.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#letter-download")
    assert "912 346 803" in Path(download.value.path()).read_text(encoding="utf-8")
    page.fill("#actor", "kari")
    page.click("#reserve")
    assert "reservasjon nr. 1" in page.locator("#reservation-result").inner_text()
    assert page.foreign == []  # styles, script, lookup, download: all from the local server


def test_single_check_in_english_and_the_language_toggle(page, server) -> None:
    _fill_fixture_case(page, server, "en", use_ledger=False)  # not the reservation made in nb
    assert page.locator("#route").inner_text() == "De minimis aid"
    assert page.locator("#window").inner_text().startswith("2019-01-01 to 2021-05-17 inclusive")
    assert "115,780.00" in page.locator("#figures").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "check-en.png"), full_page=True)
    page.click("button[data-copy=reasons]")
    # the clipboard write is asynchronous: wait for the button to say so (a race under load)
    page.wait_for_selector("button[data-copy=reasons]:has-text('Copied')", timeout=10_000)
    with page.expect_download() as download:
        page.click("#letter-download-other")
    assert "bagatellmessig støtte" in Path(download.value.path()).read_text(encoding="utf-8")
    page.click("#lang-toggle")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("#route").inner_text() == "Bagatellmessig støtte (de minimis)"


def test_uploading_the_declaration_template(page, server, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(FIXTURES / "templates" / "egenerklaering.xlsx")
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Organisasjonsnummer")
    row = ["912346803", "Innovasjon Norge", "bagatellmessig støtte", 80000, "EUR", "03.11.2020", "IN-2020-77"]
    for col, value in enumerate(row, start=1):
        sheet.cell(header + 1, col, value)
    book.save(tmp_path / "egenerklaering.xlsx")
    page.goto(f"{server}/?lang=en")
    page.fill("#orgnr", "912346803")
    page.fill("#amount", "150000")
    page.fill("#grant_date", "2021-05-17")
    page.set_input_files("#declaration", str(tmp_path / "egenerklaering.xlsx"))
    page.click("#submit")
    counted = page.locator("#counted").inner_text()
    assert "egenerklaering.xlsx" in counted and "80,000.00" in counted


def test_the_form_works_from_the_keyboard_alone(page, server) -> None:
    page.goto(f"{server}/?lang=en")
    page.focus("#orgnr")
    page.keyboard.type("974760673")
    for field, value in (("amount", "150000"), ("currency", None), ("grant_date", "2021-05-17")):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
        if value:
            page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_selector("#route")
    assert page.locator("#route").get_attribute("data-route") == "de_minimis"


def test_a_wrong_orgnr_is_reported_next_to_the_field(page, server) -> None:
    page.goto(f"{server}/?lang=en")
    page.fill("#orgnr", "912346804")
    page.fill("#amount", "150000")
    page.fill("#grant_date", "2021-02-30")
    page.click("#submit")
    assert "check digit" in page.locator("#orgnr-error").inner_text()
    assert "does not exist" in page.locator("#grant_date-error").inner_text()
    assert page.locator("#orgnr").get_attribute("aria-invalid") == "true"


def test_a_batch_upload_runs_and_its_workbook_downloads(page, server, tmp_path: Path) -> None:
    page.goto(f"{server}/batch?lang=en")
    page.set_input_files("#applications", str(FIXTURES / "applications.csv"))
    page.set_input_files("#awards", str(FIXTURES / "awards.csv"))
    page.set_input_files("#links", str(FIXTURES / "links.csv"))
    page.click("#run")
    page.wait_for_selector("#job-done", timeout=30_000)
    assert page.locator("#job-done").inner_text() == "Done: 8 applications."
    assert page.locator("td[data-route=error]").inner_text() == "1"
    assert "applications.csv\t9\torgnr" in page.locator("#batch-errors").inner_text()
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "decisions.xlsx"
    shutil.copy(download.value.path(), saved)
    assert openpyxl.load_workbook(saved)["decisions"].max_row == 9


def test_the_headroom_calendar_in_the_browser(page, server) -> None:
    # NOK 2,500,000 does not fit (fixture aid EUR 115,780.00 of 2019 and 2020, ceiling 200,000):
    # the 2019 aid (EUR 35,780.00) leaves on 1 January 2022, the 2020 aid on 1 January 2023.
    page.goto(f"{server}/?lang=nb")
    page.fill("#orgnr", "912346803")
    page.fill("#amount", "2500000")
    page.select_option("#currency", "NOK")
    page.fill("#grant_date", "17.05.2021")
    page.set_input_files("#declaration", str(FIXTURES / "awards.csv"))
    page.set_checked("#use_ledger", False)
    page.click("#submit")
    page.wait_for_selector("#route")
    assert page.locator("#route").get_attribute("data-route") == "gber"
    calendar = page.locator("#calendar").inner_text()
    assert "01.01.2022\t120\u00a0000,00\tinntil NOK 1\u00a0207\u00a0980,00\t35\u00a0780,00" in calendar
    assert "01.01.2023\t200\u00a0000,00\tinntil NOK 2\u00a0013\u00a0300,00\t80\u00a0000,00" in calendar
    page.locator("#calendar").scroll_into_view_if_needed()
    page.locator("#result").screenshot(path=str(SCREENSHOTS / "calendar-nb.png"))


def test_api_docs_render_with_the_network_blocked(page, server) -> None:
    # Every request to another host is aborted by the page fixture (and fails the test).
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 3 and "/v1/check" in page.content()


FITS = """(selector) => {
  const clipped = [];
  for (const table of document.querySelectorAll(selector)) {
    const box = table.parentElement;
    const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
    const fits = table.scrollWidth <= box.clientWidth + 1;
    const inView = box.getBoundingClientRect().right <= window.innerWidth + 1;
    const cells = [...table.querySelectorAll("th, td")].filter((c) => c.scrollWidth > c.clientWidth + 1);
    if (!(fits || (scrolls && inView)) || cells.length) {
      clipped.push({id: table.id, table: table.scrollWidth, box: box.clientWidth, scrolls, inView,
                    cells: cells.map((c) => c.textContent.slice(0, 30))});
    }
  }
  return {clipped, count: document.querySelectorAll(selector).length,
          page: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""
"""Each table matched: its columns fit its container, or the container scrolls sideways and
stays in the window; no cell's text runs out of its cell; the page itself never scrolls sideways."""


def _no_clipped_column(page, selector: str, expected: int) -> None:
    # Measured once the page's stylesheet is in: the result's elements can be in the document
    # before it (#route is), and a table without its styles is wider than its box.
    page.wait_for_load_state("load")
    found = page.evaluate(FITS, selector)
    assert found["count"] == expected, found
    assert not found["clipped"], found
    assert found["page"] <= found["viewport"], found


@pytest.mark.parametrize("width", [640, 1280])
def test_the_prior_aid_table_has_no_clipped_column(page, server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    _fill_fixture_case(page, server, "nb", use_ledger=False)
    _no_clipped_column(page, "#counted", 1)
    _no_clipped_column(page, "#figures", 1)


@pytest.mark.parametrize("width", [640, 1280])
def test_the_batch_result_tables_have_no_clipped_column(page, server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server}/batch?lang=nb")
    page.set_input_files("#applications", str(FIXTURES / "applications.csv"))
    page.set_input_files("#awards", str(FIXTURES / "awards.csv"))
    page.set_input_files("#links", str(FIXTURES / "links.csv"))
    page.click("#run")
    page.wait_for_selector("#job-done", timeout=30_000)
    _no_clipped_column(page, "#batch-list, #batch-errors, #counts", 3)
    assert page.locator("#batch-list tbody tr").count() == 8
    page.locator("#batch-list a.note-link").first.click()
    page.wait_for_function("() => document.activeElement.id === 'note-h'", timeout=10_000)
    assert page.locator("#note").inner_text().startswith("Saksnotat")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_focus_lands_on_the_result_after_submit(page, server) -> None:
    _fill_fixture_case(page, server, "en", use_ledger=False)
    page.wait_for_function("() => document.activeElement.id === 'result-h'", timeout=10_000)
    assert page.title() == "De minimis aid can be granted: KAFE BRYGGA AS – deminimis"


def test_focus_lands_on_the_error_summary_whose_links_reach_the_fields(page, server) -> None:
    page.goto(f"{server}/?lang=nb")
    page.fill("#orgnr", "912346804")
    page.fill("#amount", "150000")
    page.fill("#grant_date", "30.02.2021")
    page.click("#submit")
    page.wait_for_function("() => document.activeElement.id === 'form-errors'", timeout=10_000)
    assert page.title().startswith("Skjemaet har feil")
    page.click("#form-errors a[href='#grant_date']")
    assert page.evaluate("document.activeElement.id") == "grant_date"
    described = page.locator("#grant_date").get_attribute("aria-describedby").split()
    assert "grant_date-error" in described and page.locator("#grant_date-error").is_visible()


def test_a_declaration_with_an_error_comes_back_in_the_paste_box(page, server, tmp_path: Path) -> None:
    broken = tmp_path / "egenerklaering.csv"
    broken.write_text("orgnr;granted_on;amount;currency;basis\n912346803;31.11.2020;80000;EUR;de_minimis\n")
    page.goto(f"{server}/?lang=nb")
    page.fill("#orgnr", "912346803")
    page.fill("#amount", "150000")
    page.fill("#grant_date", "17.05.2021")
    page.set_input_files("#declaration", str(broken))
    page.click("#submit")
    page.wait_for_selector("#prior_rows-kept")
    page.fill("#prior_rows", page.input_value("#prior_rows").replace("31.11.2020", "03.11.2020"))
    page.click("#submit")
    page.wait_for_selector("#route")
    assert "egenerklaering" not in page.locator("#counted").inner_text()  # from the box, not a new upload
    assert "80\u00a0000,00" in page.locator("#counted").inner_text()


def test_focus_lands_on_the_result_without_javascript_too(browser, server) -> None:
    # The result's address ends in #result-h, a focusable heading: the browser itself moves there.
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{server}/?lang=en")
    pg.fill("#orgnr", "912346803")
    pg.fill("#amount", "150000")
    pg.fill("#grant_date", "2021-05-17")
    pg.click("#submit")
    pg.wait_for_selector("#route")
    assert pg.url.endswith("#result-h") and pg.evaluate("document.activeElement.id") == "result-h"
    context.close()
