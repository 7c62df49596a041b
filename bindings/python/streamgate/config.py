# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Configuration from Python values, through the library's own loader.

A dict is written as the JSON config file and loaded with ``--config FILE``, so keys, defaults,
validation and error messages are exactly those of the StreamGate executables (unknown keys raise
:class:`streamgate.InvalidArgumentError` naming them).
"""

import json
import os
import tempfile

from . import _streamgate

Config = _streamgate.Config


def load_config(settings=None, *, args=(), environment=None, use_environment=False):
    """Build a :class:`Config`: defaults, then ``settings``, then the environment, then ``args``.

    settings: a dict shaped like the JSON config file, e.g.
        ``{"data_dir": "/tmp/sg", "server": {"port": 0}, "transcode": {"ladder": "360:800"}}``,
        or None.
    args: command-line style overrides, e.g. ``["--server.port=0"]``.
    environment: a dict of ``STREAMGATE_*`` variables to apply; when None, the process
        environment is read only if ``use_environment`` is true.
    """
    if isinstance(settings, Config):
        return settings
    if environment is None and not use_environment:
        environment = {}
    argv = list(args)
    path = None
    try:
        if settings:
            fd, path = tempfile.mkstemp(prefix="streamgate-config-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(settings, out)
            argv = ["--config", path] + argv
        return _streamgate.load_config(argv, environment)
    finally:
        if path is not None:
            os.unlink(path)


def config_to_dict(config):
    """The effective configuration as a dict (the JSON config file's shape)."""
    return json.loads(config.to_json())


Config.to_dict = config_to_dict
