"""The workbench's front door: Host, Origin, token, body size and security headers.

A local web server is still a server. ``Guard`` wraps the workbench's ASGI app and, before
any route runs:

- answers only requests whose ``Host`` is a name the server serves (127.0.0.1, localhost,
  ::1, the machine's own names and addresses when it listens on the network, and any
  ``--allowed-host``): a page on another domain that rebinds its DNS to this machine is
  refused;
- refuses state-changing requests (POST, PUT, PATCH, DELETE) whose ``Origin`` is not one of
  those hosts: another page in the planner's browser cannot create sessions or run;
- when the server listens beyond loopback, requires the per-server token printed in the
  start-up URL (``?token=…`` once; then an HttpOnly, SameSite=Strict cookie), as Jupyter
  does;
- refuses a body over the budget on its ``Content-Length``, and stops a body that grows past
  it while streaming, before it is spooled;
- adds ``X-Frame-Options: SAMEORIGIN``, CSP ``frame-ancestors 'self'`` and
  ``X-Content-Type-Options: nosniff`` to every answer.

Every refusal is JSON in Chinese and English (``{"error": …}``) the page can show.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
"""Host names every server answers to."""
TOKEN_COOKIE = "gc_token"
"""Cookie holding the server token after the first visit."""
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS = (
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address the server listens on) is this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def machine_names() -> set[str]:
    """The host name and IP addresses of the machine (what colleagues type in the address bar)."""
    names = {socket.gethostname(), socket.getfqdn()}
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    names |= {str(info[4][0]) for info in infos}
    return {n.lower() for n in names if n}


def _hostname(value: str) -> str:
    """The host of a ``Host`` header or of an origin's netloc, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8501
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


class Guard:
    """ASGI middleware: the checks of the module docstring around ``app``.

    Parameters
    ----------
    app
        The workbench's ASGI app.
    listen_host
        The address the server listens on (``--host``).
    allowed_hosts
        Further host names the server answers to (``--allowed-host``).
    max_body_bytes
        The largest request body accepted.
    token
        The server token; None: generated when ``listen_host`` is not loopback, else none.
    """

    def __init__(
        self,
        app: App,
        *,
        listen_host: str = "127.0.0.1",
        allowed_hosts: Iterable[str] = (),
        max_body_bytes: int = 200 * 2**20,
        token: str | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = int(max_body_bytes)
        self.hosts = set(LOOPBACK_NAMES) | {h.lower() for h in allowed_hosts}
        self.exposed = not is_loopback(listen_host)
        if self.exposed:
            self.hosts |= machine_names()
            if listen_host not in {"0.0.0.0", "::"}:
                self.hosts.add(listen_host.lower())
        self.token = (
            token if token is not None else (secrets.token_urlsafe(24) if self.exposed else None)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on (or answer the refusal)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        set_cookie = self._token_from_query(scope) is not None
        limited = _LimitedBody(receive, self.max_body_bytes)
        answered = False

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if answered:
                return
            if limited.exceeded:  # whatever the app answers now, the answer is 413
                answered = True
                await _answer(send, 413, self._too_large())
                return
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if set_cookie:
                    cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    extra.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except _BodyTooLargeError:
            if not answered:
                answered = True
                await _answer(send, 413, self._too_large())

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        """Status and message of a request to refuse, or None to let it in."""
        host = _hostname(headers.get("host", ""))
        if host not in self.hosts:
            return 400, (
                "此地址不是本工作台的地址（Host 不在允许列表中）；请用启动时显示的地址打开，"
                "或以 --allowed-host 添加。 Host not served by this workbench; open the address "
                "it printed, or add it with --allowed-host."
            )
        origin = headers.get("origin")
        if scope["method"] in STATE_CHANGING and origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or _hostname(parts.netloc) not in self.hosts:
                return 403, (
                    "请求来自其他网页（Origin 不符），已拒绝。 Refused: the request comes from "
                    "another web page (Origin)."
                )
        if self.token is not None and not self._has_token(scope, headers):
            return 403, (
                "缺少工作台口令：请用启动时打印的完整地址（含 ?token=…）打开。 The workbench token "
                "is missing: open the full address it printed (with ?token=…)."
            )
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return 413, self._too_large()
        return None

    def _too_large(self) -> str:
        mb = self.max_body_bytes // 2**20
        return f"文件过大：上限 {mb} MB。 The upload is larger than {mb} MB."

    def _token_from_query(self, scope: Scope) -> str | None:
        if self.token is None:
            return None
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[0]
        return given if given is not None and secrets.compare_digest(given, self.token) else None

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        if self._token_from_query(scope) is not None:
            return True
        given = headers.get("x-gc-token")
        if given is None and "cookie" in headers:
            jar = SimpleCookie()
            jar.load(headers["cookie"])
            given = jar[TOKEN_COOKIE].value if TOKEN_COOKIE in jar else None
        return given is not None and secrets.compare_digest(given, str(self.token))


class _BodyTooLargeError(Exception):
    """The request body grew past the budget while it streamed."""


class _LimitedBody:
    """An ASGI ``receive`` that stops a body growing past ``limit`` bytes."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.seen = 0
        self.exceeded = False

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.exceeded = True
                raise _BodyTooLargeError
        return message


async def _answer(send: Send, status: int, text: str) -> None:
    body = json.dumps({"error": text}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
