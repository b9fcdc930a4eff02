"""The browser suite's net: a console error or an uncaught exception on any page of
any context a test opens is recorded, and the hook in conftest fails the test."""

from playwright.sync_api import expect


def test_console_errors_and_uncaught_exceptions_are_caught(page, new_page, page_errors, db):
    page.goto("/connexion/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à RDV Territoire")
    assert page_errors.problems == []

    page.evaluate("console.error('une erreur de console')")
    other = new_page()
    other.goto("/connexion/")
    other.evaluate("setTimeout(() => { throw new Error('une exception perdue'); })")
    other.wait_for_timeout(200)

    assert [problem.split(": ", 1)[1] for problem in page_errors.problems] == [
        "console error: une erreur de console",
        "uncaught error: Error: une exception perdue",
    ]
    # Recorded on purpose here: cleared, or the conftest hook would fail this test.
    page_errors.problems.clear()
