// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// JobQueue and JobWorker. Queue calls block on SQLite/Redis and run with the GIL released.
// Python handlers run on the Runtime's worker threads and take the GIL only while they run; a
// handler's JobContext is valid only during its call. Returning None succeeds, a str/dict/list
// becomes the job's result (JSON), raising streamgate.Error fails with its code (permanent for
// InvalidArgument, NotFound, …) and any other exception fails as INTERNAL (retried).
#include <chrono>

#include "bind_runtime.h"
#include "common.h"
#include "streamgate/job_queue.h"

namespace streamgate::python {
namespace {

using ms = std::chrono::milliseconds;

std::string JsonText(const py::object& value) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  return py::module_::import("json").attr("dumps")(value).cast<std::string>();
}

// A handler's view of its JobContext, cut off when the handler returns.
struct PyJobContext {
  JobContext* context = nullptr;
  JobContext& get() const {
    if (context == nullptr) Check(Status::FailedPrecondition("the job's handler has returned"));
    return *context;
  }
};

Status StatusFromPython(py::error_already_set& e) {
  py::object error_class = py::module_::import("streamgate.errors").attr("Error");
  if (e.matches(error_class)) {
    const int code = e.value().attr("code").cast<int>();
    const std::string message = e.value().attr("message").cast<std::string>();
    if (code != 0) return Status(static_cast<StatusCode>(code), message);
  }
  return Status::Internal(py::repr(e.value()).cast<std::string>());
}

JobHandler WrapHandler(const py::object& handler) {
  PyCallable fn(handler);
  return [fn](const Job& job, JobContext& context) -> Status {
    py::gil_scoped_acquire gil;
    py::object py_context = py::cast(PyJobContext{&context});
    Status status;
    try {
      py::object result = fn(job, py_context);
      if (!result.is_none()) context.SetResult(JsonText(result));
    } catch (py::error_already_set& e) {
      status = StatusFromPython(e);
    } catch (const std::exception& e) {
      status = Status::Internal(e.what());
    }
    py_context.cast<PyJobContext&>().context = nullptr;
    return status;
  };
}

struct PyJobWorker {
  std::shared_ptr<Runtime> runtime;
  std::shared_ptr<JobWorker> worker;  // destroyed without the GIL: Stop waits for handlers
};

SubmitJobRequest MakeSubmit(std::string type, const py::object& payload, int priority,
                            int max_attempts, int64_t run_at_ms, int64_t interval_ms,
                            std::string idempotency_key) {
  SubmitJobRequest request;
  request.type = std::move(type);
  request.payload = JsonText(payload);
  request.priority = priority;
  request.max_attempts = max_attempts;
  request.run_at_ms = run_at_ms;
  request.interval_ms = interval_ms;
  request.idempotency_key = std::move(idempotency_key);
  return request;
}

std::optional<JobState> OptState(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(value)) return Unwrap(ParseJobState(value.cast<std::string>()));
  return value.cast<JobState>();
}

}  // namespace

void BindJobs(py::module_& m) {
  py::enum_<JobState>(m, "JobState")
      .value("QUEUED", JobState::kQueued)
      .value("RUNNING", JobState::kRunning)
      .value("SUCCEEDED", JobState::kSucceeded)
      .value("FAILED", JobState::kFailed)
      .value("CANCELLED", JobState::kCancelled)
      .value("SCHEDULED", JobState::kScheduled)
      .def_property_readonly("label", [](JobState s) { return std::string(JobStateName(s)); })
      .def_property_readonly("terminal", &IsTerminal);

  py::class_<Job> job_cls(m, "Job");
  job_cls.def_readonly("id", &Job::id)
      .def_readonly("type", &Job::type)
      .def_readonly("payload", &Job::payload)
      .def_readonly("result", &Job::result)
      .def_readonly("priority", &Job::priority)
      .def_readonly("state", &Job::state)
      .def_readonly("attempts", &Job::attempts)
      .def_readonly("max_attempts", &Job::max_attempts)
      .def_readonly("run_at_ms", &Job::run_at_ms)
      .def_readonly("interval_ms", &Job::interval_ms)
      .def_readonly("runs", &Job::runs)
      .def_readonly("lease_owner", &Job::lease_owner)
      .def_readonly("lease_expires_ms", &Job::lease_expires_ms)
      .def_readonly("cancel_requested", &Job::cancel_requested)
      .def_readonly("progress", &Job::progress)
      .def_readonly("last_error", &Job::last_error)
      .def_readonly("idempotency_key", &Job::idempotency_key)
      .def_readonly("created_ms", &Job::created_ms)
      .def_readonly("updated_ms", &Job::updated_ms);
  AddRepr(job_cls, "Job", {"id", "type", "state", "attempts", "progress", "result", "last_error"});

  py::class_<ListJobsResponse> list_cls(m, "JobPage");
  list_cls.def_readonly("jobs", &ListJobsResponse::jobs)
      .def_readonly("next_cursor", &ListJobsResponse::next_cursor);
  AddRepr(list_cls, "JobPage", {"jobs", "next_cursor"});

  py::class_<JobQueueDepth> depth_cls(m, "JobQueueDepth");
  depth_cls.def_readonly("queued", &JobQueueDepth::queued)
      .def_readonly("scheduled", &JobQueueDepth::scheduled)
      .def_readonly("running", &JobQueueDepth::running);
  AddRepr(depth_cls, "JobQueueDepth", {"queued", "scheduled", "running"});

  py::class_<PyJobContext>(m, "JobContext", "What a running handler sees; valid during its call.")
      .def_property_readonly("cancelled", [](const PyJobContext& c) { return c.get().cancelled(); })
      .def_property(
          "progress", [](const PyJobContext& c) { return c.get().progress(); },
          [](const PyJobContext& c, int percent) { c.get().SetProgress(percent); })
      .def(
          "set_progress", [](const PyJobContext& c, int percent) { c.get().SetProgress(percent); },
          py::arg("percent"))
      .def(
          "set_result",
          [](const PyJobContext& c, const py::object& value) {
            c.get().SetResult(JsonText(value));
          },
          py::arg("result"));

  const SubmitJobRequest submit;
  py::class_<JobQueue, std::shared_ptr<JobQueue>>(m, "JobQueue", "Durable jobs; thread-safe.")
      .def_property_readonly("backend", [](const JobQueue& q) { return std::string(q.backend()); })
      .def(
          "submit",
          [](JobQueue& q, std::string type, const py::object& payload, int priority,
             int max_attempts, int64_t run_at_ms, int64_t interval_ms, std::string key) {
            SubmitJobRequest request = MakeSubmit(std::move(type), payload, priority, max_attempts,
                                                  run_at_ms, interval_ms, std::move(key));
            py::gil_scoped_release release;
            return Unwrap(q.Submit(request));
          },
          py::arg("type"), py::arg("payload") = "{}", py::kw_only(),
          py::arg("priority") = submit.priority, py::arg("max_attempts") = submit.max_attempts,
          py::arg("run_at_ms") = submit.run_at_ms, py::arg("interval_ms") = submit.interval_ms,
          py::arg("idempotency_key") = "", "payload: JSON text, or any value json.dumps accepts.")
      .def(
          "schedule",
          [](JobQueue& q, std::string type, const py::object& payload, int priority,
             int max_attempts, int64_t run_at_ms, int64_t interval_ms, std::string key) {
            SubmitJobRequest request = MakeSubmit(std::move(type), payload, priority, max_attempts,
                                                  run_at_ms, interval_ms, std::move(key));
            py::gil_scoped_release release;
            return Unwrap(q.Schedule(request));
          },
          py::arg("type"), py::arg("payload") = "{}", py::kw_only(),
          py::arg("priority") = submit.priority, py::arg("max_attempts") = submit.max_attempts,
          py::arg("run_at_ms") = submit.run_at_ms, py::arg("interval_ms") = submit.interval_ms,
          py::arg("idempotency_key") = "")
      .def(
          "get",
          [](JobQueue& q, const std::string& id) {
            py::gil_scoped_release release;
            return Unwrap(q.Get(id));
          },
          py::arg("id"))
      .def(
          "cancel",
          [](JobQueue& q, const std::string& id) {
            py::gil_scoped_release release;
            return Unwrap(q.Cancel(id));
          },
          py::arg("id"))
      .def(
          "list",
          [](JobQueue& q, const py::object& state, std::string type, std::string cursor,
             int limit) {
            ListJobsRequest request;
            request.state = OptState(state);
            request.type = std::move(type);
            request.cursor = std::move(cursor);
            request.limit = limit;
            py::gil_scoped_release release;
            return Unwrap(q.List(request));
          },
          py::kw_only(), py::arg("state") = py::none(), py::arg("type") = "",
          py::arg("cursor") = "", py::arg("limit") = 50)
      .def(
          "lease",
          [](JobQueue& q, const std::string& worker_id, const std::vector<std::string>& types,
             int64_t lease_ms) {
            py::gil_scoped_release release;
            return Unwrap(q.Lease(worker_id, types, ms(lease_ms)));
          },
          py::arg("worker_id"), py::arg("types"), py::kw_only(), py::arg("lease_ms") = 30000)
      .def(
          "heartbeat",
          [](JobQueue& q, const std::string& id, const std::string& worker_id, int64_t lease_ms,
             int progress) {
            py::gil_scoped_release release;
            return Unwrap(q.Heartbeat(id, worker_id, ms(lease_ms), progress));
          },
          py::arg("id"), py::arg("worker_id"), py::kw_only(), py::arg("lease_ms") = 30000,
          py::arg("progress") = 0)
      .def(
          "complete",
          [](JobQueue& q, const std::string& id, const std::string& worker_id,
             const py::object& result) {
            const std::string text = result.is_none() ? std::string() : JsonText(result);
            py::gil_scoped_release release;
            return Unwrap(q.Complete(id, worker_id, text));
          },
          py::arg("id"), py::arg("worker_id"), py::kw_only(), py::arg("result") = py::none())
      .def(
          "fail",
          [](JobQueue& q, const std::string& id, const std::string& worker_id,
             const std::string& error, bool retryable) {
            py::gil_scoped_release release;
            return Unwrap(q.Fail(id, worker_id, error, retryable));
          },
          py::arg("id"), py::arg("worker_id"), py::kw_only(), py::arg("error"),
          py::arg("retryable") = true)
      .def("depth", [](JobQueue& q) {
        py::gil_scoped_release release;
        return Unwrap(q.Depth());
      });

  const JobQueueOptions qd;
  m.def(
      "new_sqlite_job_queue",
      [](std::string path, int max_attempts, int64_t backoff_base_ms, int64_t backoff_cap_ms,
         std::size_t max_payload_bytes) -> std::shared_ptr<JobQueue> {
        JobQueueOptions options;
        options.backend = JobBackend::kSqlite;
        options.sqlite_path = std::move(path);
        options.max_attempts = max_attempts;
        options.backoff_base_ms = backoff_base_ms;
        options.backoff_cap_ms = backoff_cap_ms;
        options.max_payload_bytes = max_payload_bytes;
        py::gil_scoped_release release;
        return ShareWithoutGil(Unwrap(NewSqliteJobQueue(options)));
      },
      py::arg("path"), py::kw_only(), py::arg("max_attempts") = qd.max_attempts,
      py::arg("backoff_base_ms") = qd.backoff_base_ms,
      py::arg("backoff_cap_ms") = qd.backoff_cap_ms,
      py::arg("max_payload_bytes") = qd.max_payload_bytes);
  m.def(
      "new_redis_job_queue",
      [](std::string host, int port, std::string password, int db, std::string key_prefix,
         int max_attempts, int64_t backoff_base_ms,
         int64_t backoff_cap_ms) -> std::shared_ptr<JobQueue> {
        JobQueueOptions options;
        options.backend = JobBackend::kRedis;
        options.redis_host = std::move(host);
        options.redis_port = port;
        options.redis_password = std::move(password);
        options.redis_db = db;
        options.key_prefix = std::move(key_prefix);
        options.max_attempts = max_attempts;
        options.backoff_base_ms = backoff_base_ms;
        options.backoff_cap_ms = backoff_cap_ms;
        return ShareWithoutGil(Unwrap(NewRedisJobQueue(options)));
      },
      py::kw_only(), py::arg("host") = qd.redis_host, py::arg("port") = qd.redis_port,
      py::arg("password") = "", py::arg("db") = 0, py::arg("key_prefix") = qd.key_prefix,
      py::arg("max_attempts") = qd.max_attempts, py::arg("backoff_base_ms") = qd.backoff_base_ms,
      py::arg("backoff_cap_ms") = qd.backoff_cap_ms);

  const JobWorkerOptions wd;
  py::class_<PyJobWorker>(m, "JobWorker", "Runs Python handlers for leased jobs.")
      .def(py::init([](std::shared_ptr<JobQueue> queue, std::string worker_id, int concurrency,
                       int64_t poll_interval_ms, int64_t lease_ms,
                       std::shared_ptr<Runtime> runtime) {
             if (!queue) Check(Status::InvalidArgument("queue is required"));
             JobWorkerOptions options;
             options.worker_id = std::move(worker_id);
             options.concurrency = concurrency;
             options.poll_interval_ms = poll_interval_ms;
             options.lease_ms = lease_ms;
             auto holder = std::make_unique<PyJobWorker>();
             holder->runtime = runtime ? runtime : NewRuntime(1, std::max(2, concurrency));
             holder->worker = ShareWithoutGil(
                 Unwrap(JobWorker::Create(std::move(queue), options, *holder->runtime)));
             return holder;
           }),
           py::arg("queue"), py::kw_only(), py::arg("worker_id") = "",
           py::arg("concurrency") = wd.concurrency,
           py::arg("poll_interval_ms") = wd.poll_interval_ms, py::arg("lease_ms") = wd.lease_ms,
           py::arg("runtime") = nullptr)
      .def(
          "register",
          [](PyJobWorker& w, std::string type, const py::object& handler) {
            Check(w.worker->RegisterHandler(std::move(type), WrapHandler(handler)));
          },
          py::arg("type"), py::arg("handler"), "handler(job, context) for jobs of `type`.")
      .def("register_builtin_handlers",
           [](PyJobWorker& w) { Check(RegisterBuiltinJobHandlers(*w.worker)); })
      .def_property_readonly("types", [](const PyJobWorker& w) { return w.worker->types(); })
      .def_property_readonly("worker_id",
                             [](const PyJobWorker& w) { return w.worker->worker_id(); })
      .def_property_readonly("queue_reachable",
                             [](const PyJobWorker& w) { return w.worker->queue_reachable(); })
      .def("start",
           [](PyJobWorker& w) {
             py::gil_scoped_release release;
             Check(w.worker->Start());
           })
      .def("stop", [](PyJobWorker& w) {
        py::gil_scoped_release release;
        w.worker->Stop();
      });
}

}  // namespace streamgate::python
