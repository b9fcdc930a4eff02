"""The OpenID Connect client for ProConnect, built on Authlib.

Authlib does the protocol: discovery (read lazily, on the first login, then kept),
PKCE (S256), `state` and `nonce` kept in the session and checked, the ID token's
signature checked against the provider's published keys (fetched again when an
unknown key id shows up, so key rotation needs no restart) and its claims
(issuer, audience, expiry, nonce) validated. What ProConnect adds on top is here:
state and nonce of at least 32 characters, `client_secret_post`, and a userinfo
answer that may be a signed JWT rather than JSON.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from authlib.integrations.django_client import OAuth, OAuthError
from django.conf import settings
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from requests import RequestException

# The errors a login attempt can meet on the provider's side, whatever the step.
PROVIDER_ERRORS = (OAuthError, JoseError, RequestException, ValueError, KeyError)


def is_enabled() -> bool:
    return bool(
        settings.PROCONNECT_DISCOVERY_URL
        and settings.PROCONNECT_CLIENT_ID
        and settings.PROCONNECT_CLIENT_SECRET
    )


def client():
    """The Authlib client for the current settings (one per configuration, so the
    discovery document and the keys are fetched once, not at every login)."""
    return _client(
        settings.PROCONNECT_DISCOVERY_URL,
        settings.PROCONNECT_CLIENT_ID,
        settings.PROCONNECT_CLIENT_SECRET,
        settings.PROCONNECT_SCOPES,
        settings.PROCONNECT_TIMEOUT,
    )


@lru_cache(maxsize=4)
def _client(discovery_url: str, client_id: str, secret: str, scopes: str, timeout: float):
    oauth = OAuth()
    return oauth.register(
        name="proconnect",
        server_metadata_url=discovery_url,
        client_id=client_id,
        client_secret=secret,
        client_kwargs={
            "scope": scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": timeout,
        },
    )


def start(request, redirect_uri: str, **remembered) -> str:
    """The provider's authorization URL; what the callback needs (PKCE verifier,
    nonce, redirect URI, plus `remembered`) is kept in the session under the state."""
    app = client()
    # ProConnect refuses a state or a nonce shorter than 32 characters.
    auth = app.create_authorization_url(
        redirect_uri, state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32)
    )
    app.save_authorize_data(request, redirect_uri=redirect_uri, **auth, **remembered)
    return auth["url"]


def remembered(request) -> dict:
    """What `start` kept for the state this callback carries ({} for an unknown state)."""
    state = request.GET.get("state")
    if not state:
        return {}
    return client().framework.get_state_data(request.session, state) or {}


def finish(request) -> tuple[dict, str]:
    """Check the callback and return the person's claims and the ID token.

    Raises one of PROVIDER_ERRORS when the provider answered an error (cancelled
    included), the state is unknown, the code is refused, or a signature or a claim
    does not check out."""
    app = client()
    token = app.authorize_access_token(request)
    id_claims = token.get("userinfo")
    if not id_claims:
        raise OAuthError(error="missing_id_token")
    claims = dict(id_claims)
    claims.update(_userinfo(app, token, id_claims["sub"]))
    return claims, token["id_token"]


def _userinfo(app, token: dict, sub: str) -> dict:
    """The userinfo answer, JSON or a signed JWT (ProConnect signs it)."""
    metadata = app.load_server_metadata()
    response = app.get(metadata["userinfo_endpoint"], token=token)
    response.raise_for_status()
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/jwt":
        claims = _signed_userinfo(app, metadata, response.text)
    else:
        claims = response.json()
    # OpenID Connect Core 5.3.2: a userinfo for someone else must not be used.
    if not isinstance(claims, dict) or claims.get("sub") != sub:
        raise OAuthError(error="userinfo_subject_mismatch")
    return claims


def _signed_userinfo(app, metadata: dict, value: str) -> dict:
    algorithms = metadata.get("userinfo_signing_alg_values_supported") or metadata.get(
        "id_token_signing_alg_values_supported"
    )
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        decoded = jwt.decode(value, KeySet.import_key_set(app.fetch_jwk_set()), registry=registry)
    except InvalidKeyIdError:  # keys rotated since they were fetched
        keys = KeySet.import_key_set(app.fetch_jwk_set(force=True))
        decoded = jwt.decode(value, keys, registry=registry)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": app.client_id},
    ).validate(decoded.claims)
    return decoded.claims


def logout_url(request, id_token: str, post_logout_redirect_uri: str) -> str:
    """Where the browser goes to end the ProConnect session too (RP-initiated
    logout); the state it comes back with is kept in the (new) session."""
    response = client().logout_redirect(
        request,
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        state=secrets.token_urlsafe(32),
    )
    return response["Location"]


def check_logout_return(request) -> bool:
    try:
        client().validate_logout_response(request)
    except OAuthError:
        return False
    return True
