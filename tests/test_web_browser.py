"""The chat page as a patient uses it, in Debian's chromium driven headless by Selenium: typing a
question and reading the quote and its source, a crisis message showing the panel first, the
keyboard path, 360 px and 200% zoom, and the form without JavaScript.

Nothing is downloaded: the system's chromium and chromedriver are named explicitly (so Selenium
Manager never runs), and the browser is started with its networking extras off. The tests skip,
saying why, when either is missing (`apt-get install chromium chromium-driver`). CHATBOT_CHROMIUM
and CHATBOT_CHROMEDRIVER name other paths; CHATBOT_SCREENSHOTS=DIR keeps the screenshots.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web_server import Server

CHROMIUM = os.environ.get("CHATBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = os.environ.get("CHATBOT_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
MISSING = [p for p in (CHROMIUM, DRIVER) if not os.access(p, os.X_OK)]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"chromium or chromedriver is not installed ({', '.join(MISSING)}); "
                                                      "apt-get install chromium chromium-driver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install '.[test]')")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = 20.0


def browser(javascript: bool = True) -> Any:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chatbot-chromium-")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions",
                "--disable-sync", "--disable-default-apps", "--window-size=1024,800", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = webdriver.ChromeService(executable_path=DRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.profile_dir = profile
    return driver


def close(driver: Any) -> None:
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def site() -> Iterator[Server]:
    server = Server("--rate-limit", "600", "--burst", "100").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chrome() -> Iterator[Any]:
    driver = browser()
    yield driver
    close(driver)


def wait(driver: Any, condition: Callable[[Any], Any]) -> Any:
    return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(condition)


def js(driver: Any, script: str, *args: Any) -> Any:
    return driver.execute_script(script, *args)


def asked(driver: Any, question: str) -> Callable[[Any], bool]:
    """The answer section now answers ``question``."""
    return lambda d: question in asked_text(d)


def asked_text(driver: Any) -> str:
    """What the answer section says was asked, read in one step (the section may be replaced meanwhile)."""
    return str(js(driver, "const e = document.querySelector('#answer .asked'); return e ? e.textContent : ''"))


def ask(driver: Any, question: str) -> None:
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question + Keys.ENTER)
    wait(driver, asked(driver, question))


def screenshot(driver: Any, name: str, tmp: Path) -> Path:
    folder = Path(os.environ.get("CHATBOT_SCREENSHOTS") or tmp)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(driver.get_screenshot_as_png())
    return path


def png_width(path: Path) -> int:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", data[16:20])[0])


def phone(driver: Any, width: int, height: int, scale: float = 1.0) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": scale == 1.0})


def no_sideways_scroll(driver: Any) -> bool:
    return bool(js(driver, "return document.documentElement.scrollWidth <= window.innerWidth"))


def test_typing_a_question_shows_the_quote_and_its_source(chrome: Any, site: Server) -> None:
    chrome.get(site.url + "/")
    ask(chrome, "how long does an infusion take")
    expected = site.ask("how long does an infusion take")[1]["passages"][0]
    quote = chrome.find_element(By.CSS_SELECTOR, "#answer figure.quote blockquote").text
    source = chrome.find_element(By.CSS_SELECTOR, "#answer figure.quote figcaption").text
    assert quote == expected["text"] and expected["source"]["title"] in source and source.startswith("Quote 1 · Source: ")
    assert chrome.current_url == site.url + "/"  # answered in place, by the script
    assert chrome.switch_to.active_element.get_attribute("id") == "question"  # ready for the next question
    assert chrome.find_element(By.CSS_SELECTOR, "#answer .disclaimer").is_displayed()


def test_a_crisis_message_shows_the_panel_first(chrome: Any, site: Server) -> None:
    chrome.get(site.url + "/")
    ask(chrome, "how long does an infusion take")
    ask(chrome, "i dont want to be here anymore")
    first = js(chrome, "return document.getElementById('answer').firstElementChild")
    assert "notice-emergency" in first.get_attribute("class") and first.get_attribute("role") == "alert"
    assert "Get help now" in first.text and "988" in first.text and not chrome.find_elements(By.CSS_SELECTOR, ".quote")
    top, bottom = js(chrome, "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom]", first)
    assert 0 <= top < js(chrome, "return window.innerHeight") / 2  # on screen, near the top
    colour = js(chrome, "return getComputedStyle(arguments[0]).backgroundColor", first)
    assert colour == "rgb(164, 0, 15)"
    assert first.find_element(By.CSS_SELECTOR, "a[href='tel:911']").text == "Call 911"


def test_the_keyboard_path(chrome: Any, site: Server) -> None:
    chrome.get(site.url + "/")
    wait(chrome, lambda d: d.find_elements(By.CSS_SELECTOR, "#answer .suggestions button"))
    body = chrome.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = chrome.switch_to.active_element
    assert skip.get_attribute("class") == "skip" and skip.is_displayed()
    assert js(chrome, "return getComputedStyle(arguments[0]).outlineStyle", skip) == "solid"  # focus is visible
    skip.send_keys(Keys.ENTER)
    box = chrome.switch_to.active_element
    assert box.get_attribute("id") == "question"  # the skip link lands in the question box
    box.send_keys("does insurance cover ketamine" + Keys.ENTER)
    wait(chrome, asked(chrome, "does insurance cover ketamine"))
    assert chrome.switch_to.active_element.get_attribute("id") == "question"
    chrome.switch_to.active_element.send_keys(Keys.TAB)
    assert chrome.switch_to.active_element.get_attribute("id") == "send"
    passed = []  # after Ask: the further quotes (each opens with Enter), then the suggestions
    for _ in range(6):
        chrome.switch_to.active_element.send_keys(Keys.TAB)
        suggestion = chrome.switch_to.active_element
        if suggestion.get_attribute("name") == "suggestion":
            break
        passed.append(suggestion.tag_name)
        if len(passed) == 1:
            suggestion.send_keys(Keys.ENTER)
            assert js(chrome, "return arguments[0].parentElement.open", suggestion) is True
    assert suggestion.get_attribute("name") == "suggestion" and set(passed) <= {"summary"}
    assert js(chrome, "return getComputedStyle(arguments[0]).outlineWidth", suggestion) == "3px"
    text = suggestion.get_attribute("value")
    suggestion.send_keys(Keys.ENTER)
    wait(chrome, asked(chrome, text))
    assert chrome.switch_to.active_element.get_attribute("id") == "answer"  # a screen reader reads on from here


def test_the_page_at_360_px(chrome: Any, site: Server, tmp_path: Path) -> None:
    chrome.get(site.url + "/")
    phone(chrome, 360, 780)
    try:
        assert js(chrome, "return window.innerWidth") == 360
        ask(chrome, "what are the side effects of ketamine")
        assert no_sideways_scroll(chrome)
        assert chrome.find_element(By.ID, "send").is_displayed()
        shot = screenshot(chrome, "answer-360px.png", tmp_path)
        assert png_width(shot) == 360
        ask(chrome, "i took way too many of my pills")
        panel = chrome.find_element(By.CSS_SELECTOR, "#answer .notice-emergency")
        top = js(chrome, "return arguments[0].getBoundingClientRect().top", panel)
        assert 0 <= top < 200 and no_sideways_scroll(chrome)
        screenshot(chrome, "crisis-360px.png", tmp_path)
    finally:
        chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_page_at_200_percent_zoom(chrome: Any, site: Server, tmp_path: Path) -> None:
    """200% zoom on a 1280x800 screen: a 640x400 CSS-pixel viewport at two device pixels each."""
    chrome.get(site.url + "/")
    phone(chrome, 640, 400, scale=2.0)
    try:
        ask(chrome, "is ketamine addictive")
        assert no_sideways_scroll(chrome)
        for element in ("question", "send"):
            assert chrome.find_element(By.ID, element).is_displayed()
        assert js(chrome, "return parseFloat(getComputedStyle(document.body).fontSize)") >= 16
        screenshot(chrome, "answer-zoom200.png", tmp_path)
    finally:
        chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_without_javascript_the_form_still_answers(site: Server) -> None:
    driver = browser(javascript=False)
    try:
        driver.get(site.url + "/")
        box = driver.find_element(By.ID, "question")
        box.send_keys("how long does an infusion take" + Keys.ENTER)
        wait(driver, lambda d: d.current_url.endswith("/#answer"))
        wait(driver, asked(driver, "how long does an infusion take"))
        assert driver.find_element(By.CSS_SELECTOR, "#answer figure.quote blockquote").text
        driver.find_element(By.CSS_SELECTOR, "#answer .suggestions button").click()  # a suggestion is a form post too
        wait(driver, lambda d: asked_text(d) and "how long does an infusion take" not in asked_text(d))
    finally:
        close(driver)
