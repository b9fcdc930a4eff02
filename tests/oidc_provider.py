"""A small OpenID Connect provider for the tests, playing ProConnect on 127.0.0.1.

Built on Authlib's server side (authorization code grant, PKCE, OpenID Connect
ID token, RP-initiated logout) and served over real HTTP by wsgiref in a thread, on
a random port, with an RSA key pair generated when it starts. Like ProConnect it
wants PKCE (S256), a state and a nonce of 32 characters at least, client_secret_post,
and answers userinfo with a signed JWT (or plain JSON, when told to).

A test makes it misbehave on purpose through `tamper` ("nonce", "signature"), or
stops it to play an outage.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "rdv-territoire-tests"
KEY_ID = "cle-de-test"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    client_metadata: dict = field(default_factory=dict)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None  # the RP must always say where to come back

    def get_allowed_scope(self, scope):
        return scope

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "client_secret_post"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class Request(OAuth2Request):
    """A WSGI request in the shape Authlib's server expects."""

    def __init__(self, environ, base_url: str):
        query = environ.get("QUERY_STRING", "")
        uri = base_url + environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        super().__init__(environ["REQUEST_METHOD"], uri, headers=headers)
        self._args = dict(parse_qsl(query))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        self._form = dict(parse_qsl(body))
        self.payload = BasicOAuth2Payload({**self._args, **self._form})

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

    def save_authorization_code(self, code, request):
        data = request.payload.data
        self.server.provider.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            user=request.user,
            nonce=data["nonce"],
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
        )
        self.server.provider.issued.append(code)

    def query_authorization_code(self, code, client):
        found = self.server.provider.codes.get(code)
        return found if found and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code):
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class IdToken(OpenIDCode):
    def __init__(self, provider: Provider):
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def resolve_client_private_key(self, client):
        if self.provider.tamper == "signature":  # same key id, another key
            return RSAKey.generate_key(2048, parameters={"kid": KEY_ID}, private=True)
        return self.provider.key

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": KEY_ID}

    def get_client_claims(self, client):
        return {"iss": self.provider.url, "aud": client.client_id}

    def get_authorization_code_claims(self, authorization_code):
        claims = super().get_authorization_code_claims(authorization_code)
        if self.provider.tamper == "nonce":
            claims["nonce"] = secrets.token_urlsafe(32)
        return claims

    def generate_user_info(self, user, scope):
        # Like ProConnect, the ID token names the person; the rest is in userinfo.
        return {"sub": user["sub"]}


class EndSession(EndSessionEndpoint):
    def __init__(self, provider: Provider):
        super().__init__()
        self.provider = provider

    def get_server_jwks(self):
        return self.provider.public_keys()

    def end_session(self, end_session_request):
        self.provider.ended_sessions.append(end_session_request.id_token_claims)


class Server(AuthorizationServer):
    def __init__(self, provider: Provider):
        super().__init__()
        self.provider = provider

    def query_client(self, client_id):
        return self.provider.client if client_id == self.provider.client.client_id else None

    def save_token(self, token, request):
        self.provider.tokens[token["access_token"]] = (request.user, token["scope"])
        self.provider.issued.append(token["access_token"])

    def create_oauth2_request(self, request):
        return request

    def handle_response(self, status, body, headers):
        if isinstance(body, dict):
            body = json.dumps(body)
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    # A browser may hold a speculative connection open: it must not block the others.
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # request lines carry codes and tokens
        pass


LOGIN_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>Fournisseur d'identité de test</title></head><body><main>
<h1>Fournisseur d'identité de test</h1>{error}
<form method="post"><label for="email">Adresse e-mail</label>
<input id="email" name="email" type="email" autocomplete="email">
<button type="submit" name="decision" value="accept">Se connecter</button>
<button type="submit" name="decision" value="cancel">Annuler</button></form>
</main></body></html>"""


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"}, private=True
        )
        self.httpd: WSGIServer = make_server(
            "127.0.0.1", 0, self.app, server_class=ThreadingServer, handler_class=QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.client = Client(CLIENT_ID, secrets.token_urlsafe(32))
        self.server = Server(self)
        self.server.register_token_generator(
            "default", BearerTokenGenerator(lambda **kwargs: secrets.token_urlsafe(32))
        )
        self.server.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(self)])
        self.server.register_endpoint(EndSession(self))
        self.reset()
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def reset(self, rp_url: str = "http://testserver") -> None:
        """Forget everything; accept the redirect URIs of the RP at `rp_url`."""
        self.users: dict[str, dict] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, tuple] = {}
        self.issued: list[str] = []
        self.ended_sessions: list[dict] = []
        self.authorize_params: list[dict] = []
        self.userinfo_as_jwt = True
        self.tamper: str | None = None
        self.client.redirect_uris = [f"{rp_url}/proconnect/retour/"]
        self.client.client_metadata = {
            "post_logout_redirect_uris": [f"{rp_url}/proconnect/deconnexion/"]
        }

    def add_user(self, email: str, given_name="Dora", usual_name="Exploratrice", **extra) -> dict:
        user = {
            "sub": extra.pop("sub", secrets.token_hex(16)),
            "email": email,
            "given_name": given_name,
            "usual_name": usual_name,
            "uid": secrets.token_hex(4),
            **extra,
        }
        self.users[email.lower()] = user
        return user

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def public_keys(self) -> dict:
        return KeySet([self.key]).as_dict(private=False)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- a person in front of the login page, without a browser ---------------------

    def sign_in(self, authorize_url: str, email: str, decision: str = "accept") -> str:
        """Fill in the provider's login page; return where it sends the browser back."""
        page = requests.get(authorize_url, timeout=5, allow_redirects=False)
        assert page.status_code == 200, page.text
        answer = requests.post(
            authorize_url,
            data={"email": email, "decision": decision},
            timeout=5,
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    # --- the WSGI application ----------------------------------------------------------

    def app(self, environ, start_response):
        request = Request(environ, self.url)
        route = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": lambda r: (200, json.dumps(self.public_keys()), [_JSON]),
            "/authorize": self.authorize,
            "/token": self.server.create_token_response,
            "/userinfo": self.userinfo,
            "/session/end": self.end_session,
        }.get(environ.get("PATH_INFO"))
        status, body, headers = route(request) if route else (404, "", [])
        start_response(f"{status} {_REASONS.get(status, 'OK')}", list(headers))
        return [body.encode() if isinstance(body, str) else body]

    def discovery(self, request):
        return (
            200,
            json.dumps(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "userinfo_endpoint": f"{self.url}/userinfo",
                    "jwks_uri": f"{self.url}/jwks",
                    "end_session_endpoint": f"{self.url}/session/end",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "userinfo_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                    "code_challenge_methods_supported": ["S256"],
                    "scopes_supported": ["openid", "email", "given_name", "usual_name", "uid"],
                }
            ),
            [_JSON],
        )

    def authorize(self, request):
        data = request.payload.data
        try:
            grant = self.server.get_consent_grant(request)
        except OAuth2Error as error:
            return self.server.handle_error_response(request, error)
        # What ProConnect insists on, beyond what Authlib checks.
        if (
            len(data.get("state", "")) < 32
            or len(data.get("nonce", "")) < 32
            or data.get("code_challenge_method") != "S256"
        ):
            return 400, "state, nonce (32 caractères) et PKCE S256 obligatoires", []
        if request.method == "GET":
            self.authorize_params.append(dict(request.args))
            return 200, LOGIN_PAGE.format(error=""), [_HTML]
        if data.get("decision") == "cancel":
            return self.server.create_authorization_response(request, None, grant)
        user = self.users.get(data.get("email", "").strip().lower())
        if user is None:
            error = "<p>Adresse inconnue du fournisseur de test.</p>"
            return 200, LOGIN_PAGE.format(error=error), [_HTML]
        return self.server.create_authorization_response(request, user, grant)

    def userinfo(self, request):
        kind, _, value = request.headers.get("Authorization", "").partition(" ")
        found = self.tokens.get(value) if kind == "Bearer" else None
        if found is None:
            return 401, json.dumps({"error": "invalid_token"}), [_JSON]
        user, _scope = found
        if not self.userinfo_as_jwt:
            return 200, json.dumps(user), [_JSON]
        claims = {**user, "iss": self.url, "aud": self.client.client_id}
        signed = jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, self.key)
        return 200, signed, [("Content-Type", "application/jwt")]

    def end_session(self, request):
        answer = self.server.create_endpoint_response("end_session", request)
        return answer or (200, "<p>Vous êtes déconnecté(e).</p>", [_HTML])


_JSON = ("Content-Type", "application/json")
_HTML = ("Content-Type", "text/html; charset=utf-8")
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


def query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.fixture(scope="session")
def oidc_provider():
    provider = Provider()
    yield provider
    provider.stop()


@pytest.fixture
def proconnect(oidc_provider, settings):
    """ProConnect switched on and pointed at the test provider, fresh for this test."""
    oidc_provider.reset()
    settings.PROCONNECT_DISCOVERY_URL = oidc_provider.discovery_url
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = oidc_provider.client.client_secret
    return oidc_provider
