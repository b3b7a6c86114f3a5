"""Running the app under uvicorn: one engine in each worker process, loaded once.

uvicorn starts each worker by importing the app factory by name (``chatbot.cli:web_app``), so the
options of `chatbot serve` reach the workers through one environment variable, as JSON; each worker
then loads the same settings file and the same prepared article index (read-only) itself. The
command line passes the functions that read settings and build an engine down to this module, so
that the web front end does not import the command line (layers go down).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chatbot.errors import UsageError
from chatbot.frontends.web.options import web_options

if TYPE_CHECKING:
    from chatbot.config import Settings
    from chatbot.engine import Engine

ENV = "CHATBOT_SERVE_ARGS"
PASSED = ("corpus", "config", "no_cache", "debug", "max_body", "rate_limit", "burst", "frame_ancestors",
          "no_access_log")
LOG = logging.getLogger("chatbot.web")


# One BLAS thread in each worker. The engine's matrix work is small, and on a machine whose cores the
# workers already keep busy, OpenBLAS's extra threads only spin and compete with them: with 2 workers
# on 2 cores the load benchmark answered 56 requests a second with the default, 202 with one thread.
THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads() -> None:
    """Before numpy is imported (a clinic's own setting of these variables is kept)."""
    for name in THREAD_LIMITS:
        os.environ.setdefault(name, "1")


def log_config(access_log: bool) -> dict[str, Any]:
    """uvicorn's logging, plus the app's: start-up and errors on stderr, the access log on stdout."""
    plain = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": plain, "access": {"format": "%(asctime)s %(message)s"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "chatbot.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "chatbot.web.access": {"handlers": ["access"], "level": "INFO" if access_log else "WARNING",
                                   "propagate": False},
        },
    }


def worker_app(load_settings: Callable[[argparse.Namespace], Settings],
               make_engine: Callable[[argparse.Namespace, Settings], Engine]) -> Any:
    """One worker's app, from the options `chatbot serve` left in the environment."""
    from chatbot.frontends.web.app import create_app

    try:
        passed = json.loads(os.environ[ENV])
    except (KeyError, ValueError):
        raise RuntimeError(f"{ENV} is not set: start the server with `chatbot serve`") from None
    args = argparse.Namespace(**passed)
    settings = load_settings(args)

    def build() -> Engine:
        engine = make_engine(args, settings)
        if engine.kb.problems:
            LOG.warning("%d article(s) could not be used; see `chatbot corpus`", len(engine.kb.problems))
        return engine

    return create_app(build, settings, web_options(args))


def check_port(host: str, port: int) -> None:
    """One clear line now, rather than a worker's traceback later, when the port cannot be had."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host: not an address this machine has: {host}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on {host} is in use; choose another with --port") from None
            raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror}") from None


def check_tls(cert: str | None, key: str | None) -> None:
    """Both or neither, and a pair that loads: one clear line now, not a traceback in each worker."""
    if not cert and not key:
        return
    if not (cert and key):
        raise UsageError("--tls-cert and --tls-key go together")
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except FileNotFoundError as exc:
        raise UsageError(f"TLS file not found: {exc.filename}") from None
    except (ssl.SSLError, OSError) as exc:
        raise UsageError(f"cannot use --tls-cert {cert} with --tls-key {key}: {exc}") from None


def serve(args: argparse.Namespace, factory: str) -> int:
    """Run uvicorn with ``factory`` (``module:function``) in ``args.workers`` processes until stopped."""
    import uvicorn

    os.environ[ENV] = json.dumps({name: getattr(args, name, None) for name in PASSED})
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.tls_cert:
        sys.stderr.write(f"chatbot: serving on {args.host}: the server speaks plain HTTP; put it behind the "
                         "clinic's HTTPS reverse proxy\n")
    access = not getattr(args, "no_access_log", False)
    uvicorn.run(factory, factory=True, host=args.host, port=args.port, workers=args.workers,
                log_config=log_config(access), access_log=False, server_header=False,
                proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                limit_concurrency=args.limit_concurrency, timeout_keep_alive=5, timeout_graceful_shutdown=10,
                ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key)
    return 0
