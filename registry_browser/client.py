"""A thin client for the registry HTTP API v2 (Distribution / OCI), on httpx.

Sync, so views and Celery jobs can both use it. It speaks Basic auth and the
bearer-token flow (token cached per realm, service and scope until it
expires), follows `Link` headers for paging, asks for every manifest type it
understands, and turns every failure into a `RegistryError` whose message a
person can read. Stored credentials go only to the registry's own host and to
token realms on hosts the admin listed; httpx drops `Authorization` when a
redirect leaves the origin (a blob served from a CDN, say).
"""

from __future__ import annotations

import base64
import hashlib
import re
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from django.conf import settings

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST_TYPES = (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST)
# All four, always: asking for fewer lets a registry answer a tag with one
# platform's manifest, whose digest is not the tag's.
ACCEPT_MANIFESTS = ", ".join(MANIFEST_TYPES)
MAX_DOCUMENT = 4 * 1024 * 1024  # manifests and configs; Distribution caps at 4 MB
TOKEN_DEFAULT_SECONDS = 60  # the token spec's default when expires_in is absent
_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_WARNING = re.compile(r'^\s*299\s+\S+\s+"(.*)"')
# distribution/reference's grammar for repository paths and tags. Names from a
# registry go into Berth's URLs and pages, so anything else is dropped.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
TAG_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def valid_repository(name: object) -> bool:
    return (
        isinstance(name, str) and len(name) <= 255 and bool(REPOSITORY_NAME.match(name))
    )


def valid_tag(name: object) -> bool:
    return isinstance(name, str) and bool(TAG_NAME.match(name))


@dataclass(frozen=True)
class Endpoint:
    """Everything needed to talk to one registry."""

    key: str  # the Registry's pk, or "hub"; names caches
    url: str  # base URL: scheme and host[:port]
    username: str = ""
    password: str = field(default="", repr=False)  # never in logs or tracebacks
    verify_tls: bool = True
    realm_hosts: tuple[str, ...] = ()  # extra hosts the token realm may be on

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


class RegistryError(Exception):
    """A registry call that failed, with words for people and a kind for code."""

    def __init__(
        self, kind: str, message: str, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.kind = kind  # unauthorized, denied, not_found, rate_limited, tls, ...
        self.message = message
        self.status = status
        self.code = code  # the registry's error code, e.g. MANIFEST_UNKNOWN


@dataclass(frozen=True)
class Document:
    """A manifest (or blob) with the digest of its bytes."""

    digest: str
    media_type: str
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class _Token:
    value: str
    expires: float


@dataclass
class _TokenCache:
    tokens: dict[tuple[str, ...], _Token] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[str, ...]) -> str | None:
        with self.lock:
            token = self.tokens.get(key)
            if token and token.expires > time.monotonic():
                return token.value
            self.tokens.pop(key, None)
            return None

    def put(self, key: tuple[str, ...], value: str, seconds: float) -> None:
        with self.lock:
            # Renew a little early so a token never expires in flight.
            self.tokens[key] = _Token(value, time.monotonic() + max(seconds - 5, 1))


TOKENS = _TokenCache()
# How each registry last challenged us (Basic, or Bearer with its realm), so
# later requests carry credentials up front instead of collecting a 401 first.
CHALLENGES: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}


def digest_of(body: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, body).hexdigest()}"


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """`Bearer realm="..",service=".."` → ("bearer", {"realm": .., ...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        match.group(1).lower(): (
            match.group(2) if match.group(2) is not None else match.group(3)
        )
        for match in _CHALLENGE_PARAM.finditer(rest)
    }
    return scheme.lower(), params


def next_link(response: httpx.Response) -> str | None:
    """The `rel="next"` URL of a paged answer, or None on the last page."""
    for header in response.headers.get_list("link"):
        if match := _LINK_NEXT.search(header):
            return match.group(1)
    return None


class RegistryClient:
    """One conversation with one registry; use it as a context manager."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.base = endpoint.url.rstrip("/")
        self.warnings: list[str] = []
        self.rate_limit: dict[str, str] = {}
        self.http = httpx.Client(
            timeout=timeout or settings.BERTH_REGISTRY_TIMEOUT,
            verify=endpoint.verify_tls,
            follow_redirects=True,
            transport=transport,
            headers={"User-Agent": "Berth registry browser"},
        )

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # The API ---------------------------------------------------------------

    def ping(self) -> None:
        """GET /v2/ with credentials: raises unless the registry lets us in."""
        self.request("GET", "/v2/", scope="registry:catalog:*")

    def catalog_pages(self, page_size: int) -> Iterator[list[str]]:
        """The catalog, one page of repository names at a time (Link-paged)."""
        url: str | None = f"/v2/_catalog?n={page_size}"
        while url:
            response = self.request("GET", url, scope="registry:catalog:*")
            names = self._json(response).get("repositories") or []
            yield [name for name in names if valid_repository(name)]
            url = next_link(response)

    def tags_page(
        self, repository: str, page_size: int, last: str = ""
    ) -> tuple[list[str], str]:
        """One page of a repository's tags and the `last` for the next page."""
        params = {"n": str(page_size)}
        if last:
            params["last"] = last
        response = self.request(
            "GET",
            f"/v2/{repository}/tags/list",
            scope=f"repository:{repository}:pull",
            params=params,
        )
        tags = [t for t in self._json(response).get("tags") or [] if valid_tag(t)]
        link = next_link(response)
        if link:
            return tags, parse_qs(urlsplit(link).query).get("last", [""])[0]
        # Distribution before 3.0 ignores n and last and sends every tag at
        # once: page them here, so a repository with thousands of tags still
        # shows one page at a time.
        tags = sorted(tag for tag in tags if tag > last) if last else sorted(tags)
        if len(tags) > page_size:
            return tags[:page_size], tags[page_size - 1]
        return tags, ""

    def manifest(self, repository: str, reference: str) -> Document:
        """GET a manifest by tag or digest; its digest is that of the bytes."""
        response = self.request(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
        )
        body = response.content
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        algorithm = reference.split(":")[0] if ":" in reference else "sha256"
        digest = digest_of(body, algorithm)
        if ":" in reference and digest != reference:
            raise RegistryError(
                "invalid",
                f"The registry sent a manifest whose digest is {digest}, not the "
                f"{reference} asked for; Berth does not trust it.",
            )
        return Document(digest, media_type, body)

    def head_manifest(
        self, repository: str, reference: str, *, fallback_get: bool = True
    ) -> Document:
        """HEAD a manifest: its digest and type, without a body (not a pull)."""
        response = self.request(
            "HEAD",
            f"/v2/{repository}/manifests/{reference}",
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
        )
        digest = response.headers.get("docker-content-digest", "")
        if not digest and fallback_get:
            # Some registries omit the header on HEAD; the body tells the truth.
            return self.manifest(repository, reference)
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        return Document(digest, media_type, b"")

    def blob(self, repository: str, digest: str) -> Document:
        """GET a (small) blob, such as an image config, checked against its digest."""
        response = self.request(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            scope=f"repository:{repository}:pull",
        )
        body = response.content
        algorithm = digest.split(":")[0]
        if digest_of(body, algorithm) != digest:
            raise RegistryError(
                "invalid", f"The blob {digest[:19]}… does not match its digest."
            )
        media_type = response.headers.get("content-type", "")
        return Document(digest, media_type, body)

    def delete_manifest(self, repository: str, digest: str) -> None:
        self.request(
            "DELETE",
            f"/v2/{repository}/manifests/{digest}",
            scope=f"repository:{repository}:delete",
        )

    # Requests and auth -------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, authenticating when the registry asks; raise on error."""
        url = self._same_origin(path)
        headers = dict(headers or {})
        if known := self._preemptive(scope):
            headers["Authorization"] = known
        response = self._send(method, url, headers, params)
        if response.status_code == 401:
            header = response.headers.get("www-authenticate", "")
            if auth := self._authenticate(header, scope):
                headers["Authorization"] = auth
                response = self._send(method, url, headers, params)
        self._note_headers(response)
        if response.status_code >= 400:
            raise error_from_response(response, self.endpoint)
        return response

    def _same_origin(self, path: str) -> str:
        """An absolute URL on the registry; a Link to another host is refused,
        since requests to the registry carry its credentials."""
        url = urljoin(self.base + "/", path)
        there, here = urlsplit(url), urlsplit(self.base)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            raise RegistryError(
                "invalid",
                f"The registry pointed Berth at another host ({there.netloc}); "
                "Berth does not follow it with the registry's credentials.",
            )
        return url

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        params: dict[str, str] | None,
    ) -> httpx.Response:
        try:
            return self.http.request(method, url, headers=headers, params=params)
        except httpx.TimeoutException:
            raise RegistryError(
                "timeout",
                f"{self.endpoint.host} did not answer within "
                f"{self.http.timeout.read:g} s.",
            ) from None
        except httpx.HTTPError as error:
            raise connect_error(error, self.endpoint.host) from None

    def _basic(self) -> str:
        pair = f"{self.endpoint.username}:{self.endpoint.password}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def _has_credentials(self) -> bool:
        return bool(self.endpoint.username or self.endpoint.password)

    @property
    def _identity(self) -> str:
        """Names the credentials in cache keys without keeping them readable."""
        pair = f"{self.endpoint.username}:{self.endpoint.password}".encode()
        return hashlib.sha256(pair).hexdigest()

    def _challenge_key(self) -> tuple[str, str]:
        return (self.endpoint.key, self.base)

    def _preemptive(self, scope: str) -> str | None:
        """Authorization for a request, when an earlier challenge says how."""
        known = CHALLENGES.get(self._challenge_key())
        if not known:
            return None
        scheme, params = known
        if scheme == "basic":
            return self._basic() if self._has_credentials() else None
        token = TOKENS.get(self._token_key(params, scope))
        return f"Bearer {token}" if token else None

    def _authenticate(self, header: str, scope: str) -> str | None:
        scheme, params = parse_challenge(header)
        if scheme == "basic":
            CHALLENGES[self._challenge_key()] = (scheme, params)
            return self._basic() if self._has_credentials() else None
        if scheme != "bearer" or "realm" not in params:
            return None
        params["realm"] = urljoin(self.base + "/", params["realm"])
        CHALLENGES[self._challenge_key()] = (scheme, params)
        # Reached after a 401, so a cached token for this scope is no good.
        return f"Bearer {self._token(params, scope, fresh=True)}"

    def _token_key(self, challenge: dict[str, str], scope: str) -> tuple[str, ...]:
        realm = challenge.get("realm", "")
        sends = self._has_credentials() and self.realm_allowed(realm)
        return (
            self.endpoint.key,
            realm,
            challenge.get("service", ""),
            scope,
            self._identity if sends else "anonymous",
        )

    def _token(
        self, challenge: dict[str, str], scope: str, *, fresh: bool = False
    ) -> str:
        """A bearer token for `scope` from the challenge's realm (cached)."""
        key = self._token_key(challenge, scope)
        if not fresh and (cached := TOKENS.get(key)):
            return cached
        realm = challenge["realm"]
        send_credentials = key[-1] != "anonymous"
        query = {"scope": challenge.get("scope") or scope}
        if service := challenge.get("service"):
            query["service"] = service
        headers = {"Authorization": self._basic()} if send_credentials else {}
        try:
            response = self.http.get(realm, params=query, headers=headers)
        except httpx.TimeoutException:
            raise RegistryError(
                "timeout", f"The token service at {realm} did not answer."
            ) from None
        except httpx.HTTPError as error:
            raise connect_error(error, urlsplit(realm).netloc) from None
        if response.status_code in (401, 403):
            raise RegistryError(
                "unauthorized",
                self._refused_message(realm, send_credentials),
                response.status_code,
            )
        if response.status_code >= 400:
            raise error_from_response(response, self.endpoint)
        body = self._json(response)
        token = body.get("token") or body.get("access_token")
        if not token:
            raise RegistryError(
                "invalid", f"The token service at {realm} sent no token."
            )
        TOKENS.put(key, token, float(body.get("expires_in") or TOKEN_DEFAULT_SECONDS))
        return token

    def _refused_message(self, realm: str, sent_credentials: bool) -> str:
        host = urlsplit(realm).netloc
        if self._has_credentials() and not sent_credentials:
            return (
                f"The token service at {host} refused an anonymous request, and "
                f"Berth did not send the stored credentials there because {host} "
                "is neither the registry's own host nor on its list of token "
                "realm hosts. An admin can add it in the registry's settings."
            )
        return (
            f"The token service at {host} refused the credentials (wrong "
            "username or password?)."
        )

    def realm_allowed(self, realm: str) -> bool:
        """Whether stored credentials may go to this token realm."""
        parts = urlsplit(realm)
        own = urlsplit(self.base)
        if parts.scheme == "http" and own.scheme == "https":
            return False  # never downgrade credentials to plain HTTP
        hostname = (parts.hostname or "").lower()
        if hostname == (own.hostname or "").lower():
            return True
        allowed = {entry.lower() for entry in self.endpoint.realm_hosts}
        return hostname in allowed or parts.netloc.lower() in allowed

    def _note_headers(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("warning"):
            match = _WARNING.match(header)
            if match and match.group(1) not in self.warnings:
                self.warnings.append(match.group(1))
        for name in ("ratelimit-limit", "ratelimit-remaining"):
            if name in response.headers:
                self.rate_limit[name] = response.headers[name]

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise RegistryError(
                "invalid", "The registry answered with something that is not JSON."
            ) from None
        return body if isinstance(body, dict) else {}


# Errors in words ---------------------------------------------------------------

KIND_BY_STATUS = {
    401: "unauthorized",
    403: "denied",
    404: "not_found",
    405: "unsupported",
    429: "rate_limited",
}


def registry_errors(response: httpx.Response) -> list[tuple[str, str]]:
    """The `errors: [{code, message}]` of an error body, as (code, message)."""
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        (str(item.get("code") or "UNKNOWN"), str(item.get("message") or ""))
        for item in errors
        if isinstance(item, dict)
    ]


def error_from_response(response: httpx.Response, endpoint: Endpoint) -> RegistryError:
    """A RegistryError saying what the registry's error answer means."""
    status = response.status_code
    errors = registry_errors(response)
    code = errors[0][0] if errors else ""
    said = "; ".join(f"{c}: {m}" if m else c for c, m in errors)
    detail = f" The registry said: {said}." if said else ""
    host = endpoint.host
    kind = KIND_BY_STATUS.get(status, "error")
    if status == 401:
        who = "the stored credentials" if endpoint.username else "anonymous access"
        message = (
            f"{host} refused {who} (401 unauthorized). Check the username and "
            "password or token in the registry's settings."
        )
    elif status == 403:
        message = f"{host} denied this request (403): the account lacks the right."
    elif status == 404:
        message = _not_found(code, host)
    elif status == 405:
        message = (
            f"{host} does not allow this (405). Deleting needs "
            "storage.delete.enabled: true in the registry's configuration, and a "
            "pull-through cache never deletes."
        )
    elif status == 429:
        retry = response.headers.get("retry-after") or response.headers.get(
            "x-retry-after"
        )
        wait = f" Try again in {retry} s." if retry else " Try again later."
        message = f"{host} is rate-limiting Berth (429 too many requests).{wait}"
    elif status >= 500:
        message = f"{host} failed with HTTP {status}; the registry's log says why."
    else:
        message = f"{host} answered HTTP {status}."
    return RegistryError(kind, message + detail, status, code)


def _not_found(code: str, host: str) -> str:
    if code == "NAME_UNKNOWN":
        return f"There is no such repository on {host} (404)."
    if code in ("MANIFEST_UNKNOWN", "TAG_INVALID"):
        return f"There is no such tag or manifest on {host} (404)."
    if code == "BLOB_UNKNOWN":
        return f"A blob this image needs is missing on {host} (404)."
    return f"{host} has no such thing (404); is it a registry (API v2)?"


def connect_error(error: Exception, host: str) -> RegistryError:
    """TLS trouble and an unreachable host are different problems: say which."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return RegistryError(
                "tls",
                f"The TLS certificate of {host} could not be verified "
                f"({cause.verify_message}). Install its CA on the Berth host, or "
                'turn off "verify TLS" for this registry if you trust the network.',
            )
        if isinstance(cause, ssl.SSLError):
            return RegistryError(
                "tls", f"The TLS handshake with {host} failed ({cause.reason})."
            )
        cause = cause.__cause__ or cause.__context__
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return RegistryError("tls", f"TLS with {host} failed: {text}")
    return RegistryError(
        "unreachable",
        f"{host} cannot be reached ({text or type(error).__name__}). Is the "
        "registry running, and is the address right?",
    )
