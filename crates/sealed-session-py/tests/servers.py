"""A real werkzeug server on 127.0.0.1, port 0, in a thread."""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from flask import Flask
from werkzeug.serving import make_server


@contextlib.contextmanager
def serve(app: Flask, host: str = "127.0.0.1") -> Iterator[str]:
    """Serves `app` until the block ends; yields its base URL."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"werkzeug:{server.server_port}", daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
