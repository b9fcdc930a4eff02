"""The Content-Security-Policy as Chromium enforces it: the product's own scripts
(DSFR) run, an inline script injected into a page does not."""


def test_the_browser_refuses_an_injected_inline_script(browser, live_server):
    # Its own context: the violations it provokes on purpose are what it checks.
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/connexion/")
    assert violations == []
    assert page.evaluate("() => document.documentElement.getAttribute('data-fr-js')") == "true"
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
            const image = document.createElement("img");
            image.setAttribute("src", "x");
            image.setAttribute("onerror", "window.injected = true");
            document.body.appendChild(image);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected") is None
    assert len(violations) == 2 and "script-src 'self'" in violations[0]
    context.close()
