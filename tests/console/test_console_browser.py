"""The console in a real browser: headless Chromium (Debian's package) driven by playwright.

The served app is ``build_web_app`` on loopback, as ``scale-advisor serve`` runs it.
Playwright's own browser download is never used: the browser is /usr/bin/chromium
(``.ci/setup-browser.sh`` installs it). Without it the tests fail, never skip.

Set ``CONSOLE_SCREENSHOT_DIR`` to keep screenshots of the answer and the result.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import ConsoleServer

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "How do we move a pilot into production?"


def _require_browser() -> Any:
    """The playwright module; a missing browser fails the test (never a silent skip)."""
    try:
        from playwright import async_api
    except ImportError:
        async_api = None
    if async_api is None or not CHROMIUM.exists():
        pytest.fail(f"needs playwright (pip) and Chromium at {CHROMIUM}: run .ci/setup-browser.sh")
    return async_api


@pytest.fixture
async def page(console_server: ConsoleServer, tmp_path: Path) -> AsyncIterator[Any]:
    """A fresh browser profile on the console page, failing the test on any page error."""
    async_api = _require_browser()
    problems: list[str] = []
    async with async_api.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 900},
        )
        context.set_default_timeout(30_000)
        page = context.pages[0] if context.pages else await context.new_page()
        # A CSP violation, a script error or a request to anywhere else fails the test.
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on(
            "request",
            lambda request: (
                None
                if request.url.startswith((console_server.url, "data:"))
                else problems.append(f"external request: {request.url}")
            ),
        )
        await page.goto(console_server.url + "/")
        await page.wait_for_selector(".entry.notice")
        yield page
        await context.close()
    assert problems == []


async def test_the_page_shows_its_welcome_before_any_script_runs(
    console_server: ConsoleServer, tmp_path: Path
) -> None:
    """With scripts off, the served HTML alone shows the help and the suggested questions."""
    async_api = _require_browser()
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(
            java_script_enabled=False, viewport={"width": 1100, "height": 900}
        )
        page = await context.new_page()
        await page.goto(console_server.url + "/", wait_until="domcontentloaded")
        shot = tmp_path / "console-at-load.png"
        await page.locator("#log").screenshot(path=str(shot))
        notice = page.locator("#log .entry.notice")
        assert await notice.is_visible()
        assert "scale-check" in await notice.inner_text()
        chips = page.locator("#log .suggestions button.chip")
        assert await chips.count() >= 3
        assert (await chips.first.inner_text()).endswith("?")
        await browser.close()
    from PIL import Image

    with Image.open(shot) as image:
        low, high = image.convert("L").getextrema()
        assert image.height > 100 and high - low > 100  # text on a background, not blank


async def screenshot(page: Any, top: Any, name: str) -> None:
    """Save the viewport with ``top`` at its top, below the sticky header."""
    folder = os.environ.get("CONSOLE_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await top.evaluate("element => element.scrollIntoView({block: 'start'})")
        await page.wait_for_timeout(300)  # let the page's own smooth scrolling finish
        await top.evaluate("element => element.scrollIntoView({block: 'start'})")
        await page.screenshot(path=str(Path(folder) / name))


async def test_a_question_is_answered_with_cited_sources(page: Any) -> None:
    await page.fill("#question", QUESTION)
    await page.press("#question", "Enter")
    answer = page.locator(".entry.answer").last
    await answer.locator(".sources li").first.wait_for()
    assert QUESTION in await page.locator(".entry.user .bubble").last.inner_text()
    sources = await answer.locator(".sources li").all_inner_texts()
    assert sources and all(".md" in source for source in sources)
    assert await answer.locator("sup.cite").count() >= 1
    assert await answer.locator(".see-also a[data-ask]").count() >= 2
    await answer.get_by_role("button", name="Helpful", exact=True).click()
    await page.get_by_text("Thanks, glad it helped.").wait_for()
    assert await answer.locator(".feedback button:disabled").count() == 2
    await screenshot(page, page.locator(".entry.user").last, "console-answer.png")

    # A "See also" link asks its section's question, as if typed.
    link = answer.locator(".see-also a[data-ask]").first
    asked = await link.get_attribute("data-ask")
    await link.click()
    await page.locator(".entry.answer").nth(1).locator(".sources li").first.wait_for()
    assert asked == await page.locator(".entry.user .bubble").last.inner_text()


async def test_a_quick_scale_check_by_buttons_shows_the_chart_and_recommendations(
    page: Any,
) -> None:
    await page.get_by_role("button", name="Quick scale-check").click()
    question = page.locator(".card.question").last
    await question.get_by_text("Question 1 of").wait_for()
    total = int((await question.locator(".progress").inner_text()).split(" of ")[1].split()[0])

    # Answer the first question, go back to it, and see the earlier choice marked.
    await question.locator("button.option").nth(1).click()
    await page.locator(".card.question").last.get_by_text("Question 2 of").wait_for()
    await page.locator(".card.question").last.get_by_role("button", name="Back").click()
    revisited = page.locator(".card.question").last
    await revisited.get_by_text("Question 1 of").wait_for()
    assert await revisited.locator("button.option.chosen").count() == 1
    await screenshot(page, page.locator(".entry.question").last, "console-question.png")

    for number in range(1, total + 1):
        current = page.locator(".card.question").last
        await current.get_by_text(f"Question {number} of {total}").wait_for()
        await current.locator("button.option").nth(number % 3 + 1).click()

    result = page.locator(".card.result")
    await result.wait_for()
    chart = result.locator("img.chart")
    await page.wait_for_function(
        "() => { const img = document.querySelector('.card.result img.chart');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert await chart.evaluate("img => img.naturalWidth") > 100
    for fact in ("Phase", "MLOps level", "Operating model"):
        await result.locator("dt", has_text=fact).wait_for()
    recommendations = result.locator("li.recommendation")
    assert await recommendations.count() >= 3
    assert "Source:" in await recommendations.first.inner_text()
    assert await result.locator(".dimensions tr").count() >= 3
    await screenshot(page, page.locator(".entry.result"), "console-result.png")

    # "Ask about this" asks the advisor about the first recommendation.
    await recommendations.first.get_by_role("button", name="Ask about this").click()
    await page.locator(".entry.answer .sources li").first.wait_for()
    assert await page.locator(".entry.user .bubble").count() >= 2


def test_playwright_is_not_asked_to_download_browsers() -> None:
    setup = Path(__file__).resolve().parents[2] / ".ci" / "setup-browser.sh"
    script = setup.read_text(encoding="utf-8")
    assert "apt-get install -y chromium" in script and "playwright install" not in script
