# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: a small generated video (ffmpeg CLI), ffprobe, the node wallet signer."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("STREAMGATE_SOURCE_DIR", Path(__file__).resolve().parents[3]))
PEERS_DIR = Path(os.environ.get("STREAMGATE_TEST_PEERS_DIR", SOURCE_DIR / "tests/peers/node_modules"))


def make_video(path, seconds=2, size="320x240", audio=True):
    """A real H.264/AAC MP4 from lavfi test sources (a few hundred KB)."""
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
           f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        cmd += ["-c:a", "aac", "-shortest"]
    cmd.append(str(path))
    subprocess.run(cmd, check=True)
    return Path(path)


def ffprobe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          "-show_format", str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def video(tmp_path_factory):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg CLI not installed")
    return make_video(tmp_path_factory.mktemp("media") / "clip.mp4")


def run_wallet(requests):
    """Signs with tests/support/auth/wallet_signer.js (ethers v6, siwe, tweetnacl)."""
    if shutil.which("node") is None or not (PEERS_DIR / "ethers").is_dir():
        pytest.skip("node or the npm test peers (scripts/install-test-peers.sh) are missing")
    script = SOURCE_DIR / "tests/support/auth/wallet_signer.js"
    env = dict(os.environ, STREAMGATE_TEST_PEERS_DIR=str(PEERS_DIR))
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(requests, f)
        name = f.name
    try:
        out = subprocess.run(["node", str(script), name], check=True, capture_output=True,
                             text=True, env=env, timeout=60)
    finally:
        os.unlink(name)
    return json.loads(out.stdout)
