"""Every link a person can follow leads to a working page: the demo territory is
walked link by link as its admin, as a basic agent and as a member of the public."""

import io
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command
from django.test import override_settings

from agents.models import Agent

MAX_PAGES = 400
SKIPPED_PREFIXES = ("/admin/", "/static/", "/dev/", "/deconnexion/")


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def internal_links(base: str, html: str) -> list[str]:
    parser = LinkParser()
    parser.feed(html)
    found = []
    for href in parser.links:
        href = urldefrag(href)[0]
        parsed = urlparse(href)
        if parsed.scheme or parsed.netloc or not href:
            continue
        if not href.startswith("/"):
            if href.startswith("?"):
                href = base.split("?")[0] + href
            else:
                continue
        if href.startswith(SKIPPED_PREFIXES):
            continue
        found.append(href)
    return found


def walk(client, start: str) -> tuple[int, list[str]]:
    seen = {start}
    queue = deque([(start, "(start)")])
    problems = []
    visited = 0
    while queue and visited < MAX_PAGES:
        url, referrer = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code >= 400 and response.status_code != 403:
            problems.append(f"{url} -> {response.status_code} (linked from {referrer})")
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for link in internal_links(url, response.content.decode()):
            # Pagination and filters: one visit per path is enough to find broken pages.
            key = link if "page=" not in link else link.split("?")[0]
            if key not in seen:
                seen.add(key)
                queue.append((link, url))
    return visited, problems


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):  # seed_demo runs in development only
        call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("email", ["admin@demo.rdv-territoire.fr", "agent@demo.rdv-territoire.fr"])
def test_every_link_of_the_demo_territory_works(client, demo, email):
    client.force_login(Agent.objects.get(email=email))
    visited, problems = walk(client, "/territoires/")
    assert problems == []
    assert visited > 50


def test_every_link_of_the_public_booking_flow_works(client, demo):
    visited, problems = walk(client, "/prendre-rdv/")
    assert problems == []
    assert visited > 3
