# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Engine: the StreamGate server (Runtime + Kernel + plugins) embedded in a Python process."""

from . import _streamgate
from .config import load_config

MONOLITH_PLUGINS = tuple(_streamgate.MONOLITH_PLUGINS)


class Engine:
    """A Kernel with the named plugins over a Runtime.

    ``with Engine({"data_dir": d, "server": {"port": 0}}) as engine:`` starts it (listening on
    ``engine.port``) and stops it on exit. ``plugins`` defaults to the monolith (every plugin but
    the gateway); start/stop release the GIL.
    """

    def __init__(self, config=None, *, plugins=None, runtime=None):
        self.config = load_config(config)
        self.plugins = tuple(MONOLITH_PLUGINS if plugins is None else plugins)
        self._engine = _streamgate.Engine(self.config, list(self.plugins), runtime)

    def start(self):
        self._engine.start()
        return self

    def stop(self):
        self._engine.stop()

    def close(self):
        """Stops (if running) and releases the kernel; idempotent."""
        self._engine.close()

    @property
    def port(self):
        return self._engine.port

    @property
    def url(self):
        host = self.config.server_host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def ready(self):
        return self._engine.ready

    @property
    def metrics(self):
        """The MetricsRegistry that GET /metrics renders."""
        return self._engine.metrics

    @property
    def runtime(self):
        return self._engine.runtime

    def health(self):
        return self._engine.health()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Engine(plugins={list(self.plugins)!r}, config={self.config!r})"
