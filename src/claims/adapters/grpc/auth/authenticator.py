"""Who is calling: a bearer token (an API key) in the call's metadata, or the client certificate of an mTLS
connection named in the principals file. Anything else is UNAUTHENTICATED with a precise reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from claims.adapters.grpc.auth.keys import KeyLookup, MalformedTokenError, parse_token
from claims.adapters.grpc.auth.principals import PrincipalsFile
from claims.application.principal import Principal

AUTHORIZATION_HEADER = "authorization"


@dataclass
class AuthenticationError(Exception):
    """Why a call is not authenticated; ``reason`` goes into ErrorInfo. Never names another tenant's data."""

    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


MISSING = "CREDENTIALS_MISSING"
MALFORMED = "TOKEN_MALFORMED"
INVALID = "TOKEN_INVALID"
REVOKED = "TOKEN_REVOKED"
CERTIFICATE_UNKNOWN = "CERTIFICATE_UNKNOWN"


def certificate_names(auth_context: Mapping[str, Sequence[bytes]]) -> list[str]:
    """The verified client certificate's subject alternative names, then its common name (empty when the
    connection carries no verified client certificate)."""
    if auth_context.get("transport_security_type") != [b"ssl"]:
        return []
    names = [v.decode(errors="replace") for v in auth_context.get("x509_subject_alternative_name", ())]
    names += [v.decode(errors="replace") for v in auth_context.get("x509_common_name", ())]
    return names


class Authenticator:
    """Turns a call's metadata and transport identity into a Principal."""

    def __init__(self, keys: KeyLookup, principals: PrincipalsFile | None = None) -> None:
        self._keys = keys
        self._principals = principals

    def authenticate(
        self, metadata: Sequence[tuple[str, str | bytes]], auth_context: Mapping[str, Sequence[bytes]]
    ) -> Principal:
        """A bearer token wins when present; otherwise the client certificate; otherwise nobody."""
        headers = [v for k, v in metadata if k == AUTHORIZATION_HEADER]
        if headers:
            return self._token(headers)
        names = certificate_names(auth_context)
        if names:
            return self._certificate(names)
        raise AuthenticationError(
            MISSING,
            "no credentials: send metadata `authorization: Bearer claims_<key id>_<secret>` "
            "or connect with a client certificate",
        )

    def _token(self, headers: list[str | bytes]) -> Principal:
        if len(headers) > 1:
            raise AuthenticationError(MALFORMED, "more than one authorization header")
        value = headers[0]
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        scheme, _, token = text.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(MALFORMED, "the authorization header must read `Bearer <token>`")
        try:
            key_id, secret = parse_token(token.strip())
        except MalformedTokenError as e:
            raise AuthenticationError(MALFORMED, str(e)) from None
        key = self._keys.get(key_id)
        if key is None or not key.matches(secret):
            raise AuthenticationError(INVALID, "the API key is not valid")
        if not key.active:
            raise AuthenticationError(REVOKED, f"API key {key_id} was revoked", {"key_id": key_id})
        return Principal.parse(key.principal, identity=f"key:{key_id}")

    def recheck(self, principal: Principal) -> None:
        """Raise AuthenticationError unless the key ``principal`` was authenticated with (identity ``key:<id>``)
        still exists, is not revoked and still names ``principal`` — a session's check on each request."""
        kind, _, key_id = principal.identity.partition(":")
        if kind != "key":
            return
        key = self._keys.get(key_id)
        if key is None or key.principal != principal.name:
            raise AuthenticationError(INVALID, "the API key is not valid")
        if not key.active:
            raise AuthenticationError(REVOKED, f"API key {key_id} was revoked", {"key_id": key_id})

    def _certificate(self, names: list[str]) -> Principal:
        found = self._principals.lookup(names) if self._principals is not None else None
        if found is None:
            raise AuthenticationError(
                CERTIFICATE_UNKNOWN, "the client certificate names no principal known to this server"
            )
        name, principal = found
        return Principal(principal.role, principal.organisation, f"cert:{name}")
