# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Transcoder + Packager from Python: progress, GIL release, cancellation, playable output."""

import os
import subprocess
import sys
import threading
import time

import pytest

import streamgate
from conftest import SOURCE_DIR, ffprobe


def small_transcoder(**overrides):
    options = dict(ladder=[(240, 400)], preset="ultrafast", segment_seconds=1.0)
    options.update(overrides)
    return streamgate.Transcoder(**options)


def test_transcode_reports_increasing_progress_and_plays(video, tmp_path):
    seen = []
    out = tmp_path / "hls"
    result = small_transcoder().transcode(str(video), str(out), progress=seen.append)

    assert len(seen) >= 3
    assert seen == sorted(seen), "progress went backwards"
    assert seen[-1] == pytest.approx(100.0)
    assert 0 <= seen[0] < 100
    assert result.has_audio
    assert result.source_width == 320 and result.source_height == 240
    assert result.source_duration_s == pytest.approx(2.0, abs=0.2)
    assert result.frames_decoded >= 45

    media = result.media
    names = [r.name for r in media.renditions]
    assert names == ["240p", "audio"]
    video_rendition = media.rendition("240p")
    assert video_rendition.height == 240 and video_rendition.width == 320
    assert video_rendition.codecs.startswith("avc1.")
    assert len(video_rendition.segments) >= 2
    for segment in video_rendition.segments:
        assert (out / "240p" / segment.uri).stat().st_size == segment.bytes

    # What the library wrote is what the renderers produce from package.json.
    loaded = streamgate.PackagedMedia.from_json((out / "package.json").read_text())
    assert (out / "master.m3u8").read_text() == loaded.render_hls_master()
    assert (out / "240p/index.m3u8").read_text() == loaded.render_hls_media("240p")
    assert "token=abc" in loaded.render_hls_master("token=abc")
    assert "<MPD" in loaded.render_dash_mpd()
    with pytest.raises(streamgate.NotFoundError):
        loaded.rendition("1080p")

    # Playable: ffprobe reads the HLS ladder, and ffmpeg decodes every frame without error.
    probe = ffprobe(out / "240p/index.m3u8")
    stream = next(s for s in probe["streams"] if s["codec_type"] == "video")
    assert stream["codec_name"] == "h264" and stream["height"] == 240
    assert float(probe["format"]["duration"]) == pytest.approx(2.0, abs=0.3)
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out / "master.m3u8"), "-f",
                             "null", "-"], capture_output=True, text=True)
    assert decode.returncode == 0 and decode.stderr == ""


def test_transcode_releases_the_gil(video, tmp_path):
    # With a huge switch interval, another Python thread only runs when the thread holding the
    # GIL releases it; the spinner hands it back at once after each step (sleep(0)).
    counter = [0]
    started = threading.Event()
    stop = threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    thread = threading.Thread(target=spin)
    try:
        thread.start()
        started.wait()
        before = counter[0]
        small_transcoder().transcode(str(video), str(tmp_path / "out"))
        during = counter[0] - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        thread.join()
    assert during > 0, "the Python thread never ran while the transcode did"


def test_progress_callback_exception_cancels_and_propagates(video, tmp_path):
    class Stop(Exception):
        pass

    calls = []

    def progress(percent):
        calls.append(percent)
        if percent > 10:
            raise Stop("enough")

    out = tmp_path / "cancelled"
    with pytest.raises(Stop, match="enough"):
        small_transcoder().transcode(str(video), str(out), progress=progress)
    assert not out.exists(), "a cancelled transcode left output behind"
    assert calls and calls[-1] > 10 and calls[-1] < 100


def test_cancel_token_from_another_thread(video, tmp_path):
    token = streamgate.CancelToken()
    token.cancel()
    with pytest.raises(streamgate.CancelledError) as info:
        small_transcoder().transcode(str(video), str(tmp_path / "x"), cancel=token)
    assert info.value.code == streamgate.StatusCode.CANCELLED
    assert token.cancelled


def test_bad_input_and_options_raise_with_the_cpp_message(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 10)
    with pytest.raises(streamgate.InvalidArgumentError) as info:
        small_transcoder().transcode(str(junk), str(tmp_path / "out"))
    assert info.value.message and str(info.value).startswith("INVALID_ARGUMENT: ")
    with pytest.raises(ValueError):  # InvalidArgumentError is a ValueError
        streamgate.Transcoder(ladder="720:abc")
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.Transcoder(preset="warp-speed")
    assert [(r.height, r.video_kbps) for r in streamgate.parse_ladder("720:3000,360:800")] == [
        (720, 3000), (360, 800)]


def test_python_example_transcodes_to_hls(video, tmp_path):
    script = SOURCE_DIR / "examples/python/transcode_to_hls.py"
    out = tmp_path / "example"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, str(script), str(video), str(out), "--ladder",
                           "240:400", "--preset", "ultrafast"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "100.0%" in proc.stdout
    assert (out / "master.m3u8").read_text().startswith("#EXTM3U")
    probe = ffprobe(out / "master.m3u8")
    assert any(s["codec_name"] == "h264" for s in probe["streams"])
    assert str(out / "master.m3u8") in proc.stdout


def test_parallel_rungs_call_back_from_runtime_workers(video, tmp_path):
    runtime = streamgate.Runtime(io_threads=1, worker_threads=2)
    threads, seen = set(), []

    def progress(percent):
        threads.add(threading.get_ident())
        seen.append(percent)

    transcoder = streamgate.Transcoder(ladder="240:400,144:200", preset="ultrafast",
                                       segment_seconds=1.0, parallel_rungs=2, runtime=runtime)
    result = transcoder.transcode(str(video), str(tmp_path / "ladder"), progress=progress)
    assert [r.name for r in result.media.renditions] == ["240p", "144p", "audio"]
    assert result.frames_encoded >= 2 * 45
    assert seen == sorted(seen) and seen[-1] == pytest.approx(100.0)
    master = (tmp_path / "ladder/master.m3u8").read_text()
    assert "240p/index.m3u8" in master and "144p/index.m3u8" in master
    with runtime:
        pass  # stops the runtime's threads
