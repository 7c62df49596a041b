# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""The committed type stub matches the compiled module (regenerate with tools/make_stubs.py)."""

import subprocess
import sys
from pathlib import Path

import streamgate

BINDINGS = Path(__file__).resolve().parents[1]


def test_stub_is_up_to_date():
    generated = subprocess.run([sys.executable, str(BINDINGS / "tools/make_stubs.py")],
                               check=True, capture_output=True, text=True).stdout
    committed = (BINDINGS / "streamgate/_streamgate.pyi").read_text()
    assert generated == committed, (
        "bindings/python/streamgate/_streamgate.pyi is stale: regenerate it with "
        "PYTHONPATH=build/bindings/python python3 bindings/python/tools/make_stubs.py")
    assert "class Transcoder:" in committed and "def transcode(" in committed


def test_every_public_name_is_documented_in_the_stub():
    committed = (BINDINGS / "streamgate/_streamgate.pyi").read_text()
    for name in dir(streamgate._streamgate):
        if not name.startswith("_"):
            assert name in committed, name


def test_the_package_re_exports_every_public_name():
    missing = [name for name in dir(streamgate._streamgate)
               if not name.startswith("_") and not hasattr(streamgate, name)]
    assert missing == []
