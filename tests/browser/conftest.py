"""Browser tests: Playwright drives Debian's Chromium against a live server on
127.0.0.1; every page visited is checked with axe-core (serious/critical fail), and a
test fails when any page it opens logs a console error (a Content-Security-Policy
violation is one) or throws an uncaught error."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageErrors:
    """Console errors and uncaught exceptions of every page of the watched contexts.

    A broken design-system script (a header without its mobile menu, say) only shows
    in the console; watching the context covers every page and popup a test opens."""

    def __init__(self):
        self.problems: list[str] = []

    def watch(self, context) -> None:
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        where = message.page.url if message.page else "?"
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") == where
        ):
            # The page itself answered 4xx (a refusal page, a 404 page): the test asserts
            # that status; a failed stylesheet, script or image is still an error.
            return
        self.problems.append(f"{where}: console error: {message.text}")

    def _on_weberror(self, web_error) -> None:
        where = web_error.page.url if web_error.page else "?"
        error = web_error.error
        self.problems.append(f"{where}: uncaught error: {error.name}: {error.message}")


@pytest.fixture
def page_errors():
    return PageErrors()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when a page it opened logged an error."""
    result = yield
    errors = item.funcargs.get("page_errors")
    if errors is not None and errors.problems:
        pytest.fail("Errors in the browser:\n" + "\n".join(errors.problems), pytrace=False)
    return result


def new_context(browser, live_server, page_errors, **options):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    page_errors.watch(context)
    return context


@pytest.fixture
def page(browser, live_server, page_errors):
    context = new_context(browser, live_server, page_errors)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server, page_errors):
    """A fresh browser context (another person), e.g. for an invited agent."""
    contexts = []

    def make(**options):
        context = new_context(browser, live_server, page_errors, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


_axe = Axe()


# On a page of ours (with the DSFR script; the test ProConnect provider's are not), the
# script has started and set up every modal, the header's mobile menu among them: until
# then the markup is in a state no visitor sees for more than a moment, and axe, run in
# that moment, reported the menu's ARIA attributes once in a while.
DSFR_READY = """() => !document.querySelector('script[src*="dsfr.module"]')
    || (document.documentElement.getAttribute("data-fr-js") === "true"
        && [...document.querySelectorAll(".fr-modal")].every(
            m => m.hasAttribute("data-fr-js-modal")))"""


def assert_accessible(page) -> None:
    """Fail on serious or critical axe-core violations of the current page, as the
    visitor has it once the DSFR script has set it up."""
    page.wait_for_function(DSFR_READY)
    results = _axe.run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{page.url}: " + " | ".join(blocking)


def login(page, email: str, password: str) -> None:
    page.goto("/connexion/")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def join_with_new_account(page, first_name: str = "Dora", last_name: str = "Nouvelle") -> None:
    """On an invitation's page, create the account the invitation asks for."""
    page.get_by_label(re.compile(r"^Prénom")).fill(first_name)
    page.get_by_label(re.compile(r"^Nom")).fill(last_name)
    page.get_by_label(re.compile(r"^Mot de passe")).fill("un-secret-bien-long-2026")
    page.get_by_label(re.compile(r"^Confirmation")).fill("un-secret-bien-long-2026")
    page.get_by_role("button", name="Rejoindre l'espace").click()
