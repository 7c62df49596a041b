# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""JobQueue + JobWorker with Python handlers, and the MetricsRegistry."""

import json
import threading
import time

import pytest

import streamgate
from streamgate import JobState


def wait_for_state(queue, job_id, states, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.get(job_id)
        if job.state in states:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {queue.get(job_id)!r}")


def test_queue_round_trip_without_worker(tmp_path):
    queue = streamgate.new_sqlite_job_queue(str(tmp_path / "jobs.db"))
    assert queue.backend == "sqlite"
    job = queue.submit("resize", {"w": 320}, priority=5, idempotency_key="k1")
    assert len(job.id) == 32 and job.state == JobState.QUEUED
    assert json.loads(job.payload) == {"w": 320}
    assert queue.submit("resize", {"w": 999}, idempotency_key="k1").id == job.id
    assert queue.depth().queued == 1

    leased = queue.lease("w1", ["resize"], lease_ms=10_000)
    assert leased.id == job.id and leased.state == JobState.RUNNING and leased.attempts == 1
    assert queue.lease("w1", ["resize"]) is None
    assert queue.heartbeat(job.id, "w1", progress=40).progress == 40
    with pytest.raises(streamgate.AbortedError):
        queue.complete(job.id, "someone-else")
    done = queue.complete(job.id, "w1", result={"ok": True})
    assert done.state == JobState.SUCCEEDED and json.loads(done.result) == {"ok": True}

    other = queue.submit("resize")
    assert queue.cancel(other.id).state == JobState.CANCELLED
    with pytest.raises(streamgate.FailedPreconditionError):
        queue.cancel(other.id)
    with pytest.raises(streamgate.NotFoundError):
        queue.get("0" * 32)
    with pytest.raises(streamgate.InvalidArgumentError):
        queue.submit("bad type!")
    page = queue.list(state="succeeded")
    assert [j.id for j in page.jobs] == [job.id] and page.next_cursor == ""


def test_worker_runs_python_handlers_on_library_threads(tmp_path):
    queue = streamgate.new_sqlite_job_queue(str(tmp_path / "jobs.db"), backoff_base_ms=10,
                                            backoff_cap_ms=20)
    threads, contexts = set(), []
    worker = streamgate.JobWorker(queue, concurrency=2, poll_interval_ms=20)

    @worker.handler("square")
    def square(job, context):
        threads.add(threading.get_ident())
        contexts.append(context)
        context.set_progress(50)
        n = json.loads(job.payload)["n"]
        return {"square": n * n}

    @worker.handler("reject")
    def reject(job, context):
        raise streamgate.InvalidArgumentError("payload is not acceptable")

    @worker.handler("crash")
    def crash(job, context):
        raise RuntimeError("boom")

    assert sorted(worker.types) == ["crash", "reject", "square"]
    with worker:
        jobs = [queue.submit("square", {"n": n}) for n in range(5)]
        rejected = queue.submit("reject")
        crashed = queue.submit("crash", max_attempts=2)
        results = [wait_for_state(queue, j.id, {JobState.SUCCEEDED}) for j in jobs]
        failed = wait_for_state(queue, rejected.id, {JobState.FAILED})
        crashed = wait_for_state(queue, crashed.id, {JobState.FAILED})
    assert [json.loads(r.result)["square"] for r in results] == [0, 1, 4, 9, 16]
    assert failed.attempts == 1  # InvalidArgument is permanent
    assert "payload is not acceptable" in failed.last_error
    assert crashed.attempts == 2 and "boom" in crashed.last_error  # other errors are retried
    assert threading.get_ident() not in threads
    with pytest.raises(streamgate.FailedPreconditionError):
        contexts[0].set_progress(1)  # a context is only valid during its handler


def test_builtin_handlers_and_cancel_of_a_running_job(tmp_path):
    queue = streamgate.new_sqlite_job_queue(str(tmp_path / "jobs.db"))
    worker = streamgate.JobWorker(queue, poll_interval_ms=20)
    worker.register_builtin_handlers()
    with worker:
        echo = queue.submit("echo", {"hello": "world"})
        assert json.loads(wait_for_state(queue, echo.id, {JobState.SUCCEEDED}).result) == {
            "hello": "world"}
        sleeper = queue.submit("sleep", {"ms": 60_000})
        wait_for_state(queue, sleeper.id, {JobState.RUNNING})
        queue.cancel(sleeper.id)
        assert wait_for_state(queue, sleeper.id, {JobState.CANCELLED}).state == JobState.CANCELLED


def test_metrics_registry_renders_prometheus_text():
    registry = streamgate.MetricsRegistry()
    requests = registry.counter("app_requests_total", "Requests served.", ["method"])
    requests.labels("GET").inc()
    requests.labels("GET").inc(2)
    requests.labels("POST").inc()
    assert registry.counter("app_requests_total", "Requests served.", ["method"]) is not None
    queue = registry.gauge("app_queue_depth", "Jobs waiting.")
    queue.get().set(7)
    queue.get().dec()
    latency = registry.histogram("app_latency_seconds", "Latency.", buckets=[0.1, 1.0])
    for value in (0.05, 0.5, 5.0):
        latency.get().observe(value)

    assert requests.labels("GET").value == 3
    assert latency.get().cumulative_counts == [1, 2, 3]
    text = registry.render_prometheus()
    assert "# TYPE app_requests_total counter" in text
    assert 'app_requests_total{method="GET"} 3' in text
    assert 'app_requests_total{method="POST"} 1' in text
    assert "app_queue_depth 6" in text
    assert 'app_latency_seconds_bucket{le="1"} 2' in text
    assert 'app_latency_seconds_bucket{le="+Inf"} 3' in text
    assert "app_latency_seconds_count 3" in text
    data = json.loads(registry.render_json("app_queue"))
    assert [m["name"] for m in data["metrics"]] == ["app_queue_depth"]

    with pytest.raises(streamgate.InvalidArgumentError):
        registry.counter("app_requests", "no _total suffix")
    with pytest.raises(streamgate.AlreadyExistsError):
        registry.histogram("app_queue_depth", "conflicting type")
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.validate_metric_name("9lives")


def test_monitor_alerts_and_recent_logs():
    registry = streamgate.MetricsRegistry()
    errors = registry.counter("app_errors_total", "Errors.", ["kind"])
    monitor = streamgate.Monitor(registry, alert_rules='too_many: app_errors_total{kind="db"} > 2',
                                 log_buffer_lines=50)
    errors.labels("db").inc(2)
    errors.labels("net").inc(10)  # other label values do not count
    [alert] = monitor.evaluate_alerts()
    assert alert["name"] == "too_many" and alert["state"] == "inactive" and alert["value"] == 2
    errors.labels("db").inc()
    [alert] = monitor.evaluate_alerts()
    assert alert["state"] == "firing" and alert["value"] == 3

    streamgate.log("warn", "embedder", "disk almost full")
    lines = monitor.recent_logs(min_level="warn")
    assert {"level": "warn", "logger": "embedder", "message": "disk almost full"}.items() <= (
        lines[-1].items())
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.Monitor(registry, alert_rules="broken rule >")
