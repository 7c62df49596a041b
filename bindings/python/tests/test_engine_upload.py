# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""The Engine (kernel + plugins over loopback HTTP) and the Uploader."""

import hashlib
import json
import os
import subprocess
import sys
import urllib.request

import pytest

import streamgate


def http_get(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_engine_serves_health_and_metrics(tmp_path):
    config = {"data_dir": str(tmp_path), "server": {"host": "127.0.0.1", "port": 0},
              "log": {"level": "warn"}}
    with streamgate.Engine(config, plugins=["metadata", "cache", "monitor"]) as engine:
        assert engine.port > 0 and engine.ready
        engine.metrics.counter("embedder_events_total", "Embedder events.").get().inc(4)
        status, body = http_get(engine.url + "/health")
        assert status == 200 and json.loads(body)["status"] == "healthy"
        status, body = http_get(engine.url + "/metrics")
        assert status == 200 and "embedder_events_total 4" in body
        status, body = http_get(engine.url + "/api/v1/metadata?id=nope")
        assert status == 404 and json.loads(body)["error"]["code"] == "NOT_FOUND"
        health = engine.health()
        assert set(health["plugins"]) == {"metadata", "cache", "monitor"}
    assert (tmp_path / "metadata.db").exists()


def test_engine_rejects_unknown_plugin_and_bad_config(tmp_path):
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.Engine({"data_dir": str(tmp_path)}, plugins=["teleporter"])
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.Engine({"server": {"port": -1}})


def test_upload_a_local_file(video, tmp_path):
    store = streamgate.new_local_object_store(str(tmp_path / "objects"), fsync=False)
    uploader = streamgate.Uploader(str(tmp_path / "state"), store, fsync=False)
    info = uploader.upload_file(str(video), owner="0xabc", content_type="video/mp4")
    data = video.read_bytes()
    assert info.state == streamgate.UploadState.COMPLETED
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.length == len(data) and info.filename == "clip.mp4"
    assert store.get(info.object_key) == data
    assert store.stat(info.object_key).size == len(data)
    assert uploader.get(info.id, owner="0xabc").object_key == info.object_key
    with pytest.raises(streamgate.NotFoundError):
        uploader.get(info.id, owner="0xsomeone-else")
    assert streamgate.sniff_video_container(data[:64]) == "mp4"

    text = tmp_path / "notes.txt"
    text.write_text("hello, not a video " * 20)
    with pytest.raises(streamgate.UnimplementedError):
        uploader.upload_file(str(text), owner="0xabc")
    with pytest.raises(streamgate.DataLossError):
        uploader.upload_file(str(video), owner="0xabc", sha256="0" * 64)
    with pytest.raises(streamgate.NotFoundError):
        uploader.upload_file(str(tmp_path / "missing.mp4"), owner="0xabc")


def test_engine_applies_the_log_section(tmp_path):
    script = (
        "import streamgate, sys\n"
        f"config = {{'data_dir': {str(tmp_path)!r}, 'server': {{'host': '127.0.0.1', 'port': 0}},"
        " 'log': {'level': sys.argv[1], 'format': 'json'}}\n"
        "with streamgate.Engine(config, plugins=['metadata']):\n"
        "    streamgate.log('warn', 'embedder', 'hello from python')\n")
    quiet = subprocess.run([sys.executable, "-c", script, "error"], capture_output=True,
                           text=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    loud = subprocess.run([sys.executable, "-c", script, "info"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr + loud.stderr
    assert "hello from python" not in quiet.stderr
    lines = [json.loads(line) for line in loud.stderr.splitlines() if line.startswith("{")]
    assert {"logger": "embedder", "msg": "hello from python"}.items() <= next(
        line for line in lines if line.get("logger") == "embedder").items()
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.configure_logging(level="chatty")


def test_local_object_store(tmp_path):
    store = streamgate.new_local_object_store(str(tmp_path / "objects"), fsync=False)
    assert store.backend == "local"
    store.put("media/a/one.bin", b"\x00\x01\x02")
    store.put("media/a/two.bin", b"xyz")
    store.put("other/three.bin", b"")
    assert [o.key for o in store.list("media/")] == ["media/a/one.bin", "media/a/two.bin"]
    assert store.get("media/a/one.bin") == b"\x00\x01\x02"
    assert store.local_path("media/a/two.bin") == str(tmp_path / "objects/media/a/two.bin")
    store.delete("media/a/one.bin")
    with pytest.raises(streamgate.NotFoundError):
        store.get("media/a/one.bin")
    with pytest.raises(streamgate.InvalidArgumentError):
        store.put("../escape", b"x")
