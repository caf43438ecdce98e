"""The FastAPI app of the Starlette middleware's tests, the uvicorn server
that serves it on 127.0.0.1, and a cookie-keeping httpx client.

The app has the endpoints of the lifecycle conformance contract (``/none``,
``/read``, ``/write``, ``/purge``, ``/regenerate``, ``/status/{code}``,
``/fail``, ``/big``), a login/counter/logout flow, and an OAuth login with
Authlib's Starlette client against a tiny provider on the same server.
"""

from __future__ import annotations

import contextlib
import datetime
import socket
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from sealed_session.starlette import SealedSessionMiddleware


def create_app(base_url: str | None = None, *, session: bool = True, **options: Any) -> FastAPI:
    """The app, with ``SealedSessionMiddleware(**options)`` (unless
    ``session`` is false); ``base_url`` (the server's own) turns on the
    OAuth login."""
    app = FastAPI()
    if session:
        app.add_middleware(SealedSessionMiddleware, **options)

    # --- The conformance contract ---------------------------------------------

    @app.get("/none")
    def none() -> Response:
        return PlainTextResponse("none")

    @app.get("/read")
    def read(request: Request) -> Response:
        return PlainTextResponse(str(request.session.get("n", 0)))

    @app.get("/write")
    def write(request: Request) -> Response:
        request.session["n"] = request.session.get("n", 0) + 1
        return PlainTextResponse(str(request.session["n"]))

    @app.get("/purge")
    def purge(request: Request) -> Response:
        request.session.clear()
        return PlainTextResponse("")

    @app.get("/regenerate")
    def regenerate(request: Request) -> Response:
        request.session.regenerate()
        request.session["n"] = request.session.get("n", 0) + 1
        return PlainTextResponse(str(request.session["n"]))

    @app.get("/status/{code}")
    def status(request: Request, code: int) -> Response:
        request.session["n"] = request.session.get("n", 0) + 1
        headers = {"Location": "/"} if 300 <= code < 400 else {}
        return PlainTextResponse(str(request.session["n"]), status_code=code, headers=headers)

    @app.get("/fail")
    def fail(request: Request) -> Response:
        request.session["n"] = request.session.get("n", 0) + 1
        raise RuntimeError("the handler failed")

    @app.get("/big")
    def big(request: Request) -> Response:
        request.session["big"] = "x" * 5000
        return PlainTextResponse("big")

    # --- Login, counter, logout -----------------------------------------------

    @app.post("/login")
    async def login(request: Request) -> Response:
        body = await request.json()
        request.session.regenerate()
        request.session["user"] = body["user"]
        return JSONResponse({"user": body["user"]})

    @app.post("/counter")
    def counter(request: Request) -> Response:
        if "user" not in request.session:
            raise HTTPException(status_code=401)
        request.session["counter"] = request.session.get("counter", 0) + 1
        return JSONResponse({"counter": request.session["counter"]})

    @app.get("/me")
    def me(request: Request) -> Response:
        return JSONResponse(
            {"user": request.session.get("user"), "counter": request.session.get("counter", 0)}
        )

    @app.post("/logout")
    def logout(request: Request) -> Response:
        request.session.clear()
        return JSONResponse({"user": None})

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(dict(websocket.session))
        websocket.session["from_websocket"] = True
        await websocket.close()

    if base_url is not None:
        add_oauth(app, base_url)
    return app


CONFORMANCE = Path(__file__).resolve().parents[4] / "tests" / "conformance"


def create_conformance_app(base_url: str | None = None) -> Any:
    """The app of the lifecycle's conformance table (tests/conformance), with
    the contract's configuration, the middleware wrapped around the whole
    app (outside Starlette's ``ServerErrorMiddleware``) so that the 500 of
    a failing handler passes through it too and gets ``Vary: Cookie``."""
    from sealed_session import Keyring, Legacy

    legacy = Legacy.encrypted_session(
        (CONFORMANCE / "legacy-key.txt").read_text().strip(),
        since=time.time(),
        until=datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc),
        cookie_name="legacy_session",
    )
    # Public test keys in a file of mode 0644: read as text.
    keyring = Keyring.from_text((CONFORMANCE / "keys.txt").read_text())
    app = create_app(session=False)
    return SealedSessionMiddleware(
        app, keyring, idle_timeout=3600, absolute_timeout=86400, refresh=60, legacy=[legacy]
    )


def add_oauth(app: FastAPI, base_url: str) -> None:
    """Authlib's Starlette client (``authorize_redirect`` keeps the state
    in ``request.session`` across the provider's redirect), and a provider
    on the same server that hands out code ``code-1`` and a token for it."""
    from authlib.integrations.starlette_client import OAuth, OAuthError

    oauth = OAuth()
    oauth.register(
        "provider",
        client_id="client-1",
        client_secret="client-secret",
        authorize_url=f"{base_url}/provider/authorize",
        access_token_url=f"{base_url}/provider/token",
        client_kwargs={"scope": "profile"},
    )

    @app.get("/oauth/login")
    async def oauth_login(request: Request) -> Response:
        return await oauth.provider.authorize_redirect(request, f"{base_url}/oauth/callback")

    @app.get("/oauth/callback")
    async def oauth_callback(request: Request) -> Response:
        try:
            token = await oauth.provider.authorize_access_token(request)
        except OAuthError as error:
            return JSONResponse({"error": error.error}, status_code=400)
        request.session.regenerate()
        request.session["user"] = token["user"]
        return JSONResponse({"user": token["user"]})

    @app.get("/provider/authorize")
    def provider_authorize(request: Request) -> Response:
        params = request.query_params
        assert params["client_id"] == "client-1" and params["response_type"] == "code"
        return RedirectResponse(f"{params['redirect_uri']}?code=code-1&state={params['state']}", status_code=302)

    @app.post("/provider/token")
    async def provider_token(request: Request) -> Response:
        form = urllib.parse.parse_qs((await request.body()).decode())
        if form.get("code") != ["code-1"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse({"access_token": "token-1", "token_type": "Bearer", "user": "oauth-ann"})


@contextlib.contextmanager
def serve(make_app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serves ``make_app(base_url)`` with uvicorn on ``host`` (a free port)
    in a thread until the block ends; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    url = f"http://{host}:{sock.getsockname()[1]}"
    config = uvicorn.Config(make_app(url), log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{url}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Browser:
    """An httpx client that keeps cookies as a browser does for one host,
    whatever their ``Secure`` attribute (the server runs over plain HTTP on
    127.0.0.1): set by ``Set-Cookie``, removed by ``Max-Age=0``, sent back
    as one ``Cookie`` header."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}
        self.client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies and "Cookie" not in headers:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            pair, _, attributes = header.partition(";")
            name, _, value = pair.partition("=")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)
