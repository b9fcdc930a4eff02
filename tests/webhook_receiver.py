"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request and
answers what the test asks for, per path."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    peer_port: int = 0  # the client's port: one per connection it opened


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0  # seconds before answering


class Receiver:
    """`respond(received) -> Reply`, when given, answers each request (a consumer that
    reads what it receives); otherwise `replies`, per path, or 200."""

    def __init__(self, host: str = "127.0.0.1", respond=None) -> None:
        self.requests: list[Received] = []
        self.replies: dict[str, Reply] = {}
        self.respond = respond
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, Nagle's algorithm and
            # the client's delayed ACK add 40 ms to every response.
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received = Received(
                    self.path, dict(self.headers.items()), body, time.time(), self.client_address[1]
                )
                with receiver.lock:
                    receiver.requests.append(received)
                if receiver.respond is not None:
                    reply = receiver.respond(received)
                else:
                    reply = receiver.replies.get(self.path, Reply())
                time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host = host
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def received(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_for(self, count: int, path: str | None = None, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received(path)) >= count:
                return True
            time.sleep(0.02)
        return False

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running
