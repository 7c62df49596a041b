// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Cache: bytes in, bytes out (str values are stored as UTF-8), TTLs in milliseconds like the C++
// API. get() returns None for a miss; NotFoundError is kept for take(), which is about a
// single-use value that must exist.
#include <chrono>

#include "common.h"
#include "streamgate/cache.h"

namespace streamgate::python {
namespace {

std::string BytesOf(const py::object& value) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  return py::bytes(value).cast<std::string>();
}

}  // namespace

void BindCache(py::module_& m) {
  py::class_<CacheStats> stats_cls(m, "CacheStats");
  stats_cls.def_readonly("hits", &CacheStats::hits)
      .def_readonly("misses", &CacheStats::misses)
      .def_readonly("evictions", &CacheStats::evictions)
      .def_readonly("entries", &CacheStats::entries)
      .def_readonly("bytes", &CacheStats::bytes);
  AddRepr(stats_cls, "CacheStats", {"hits", "misses", "evictions", "entries", "bytes"});

  using ms = std::chrono::milliseconds;
  py::class_<Cache, std::shared_ptr<Cache>>(m, "Cache", "Key-value cache with TTL; thread-safe.")
      .def_property_readonly("backend", [](const Cache& c) { return std::string(c.backend()); })
      .def(
          "get",
          [](Cache& c, const std::string& key, const py::object& default_value) -> py::object {
            Result<std::string> value = [&] {
              py::gil_scoped_release release;
              return c.Get(key);
            }();
            if (!value.ok() && value.status().code() == StatusCode::kNotFound) {
              return default_value;
            }
            return py::bytes(Unwrap(std::move(value)));
          },
          py::arg("key"), py::arg("default") = py::none())
      .def(
          "set",
          [](Cache& c, const std::string& key, const py::object& value, int64_t ttl_ms) {
            const std::string bytes = BytesOf(value);
            py::gil_scoped_release release;
            Check(c.Set(key, bytes, ms(ttl_ms)));
          },
          py::arg("key"), py::arg("value"), py::kw_only(), py::arg("ttl_ms") = 0,
          "ttl_ms == 0: the backend's default TTL.")
      .def(
          "set_if_absent",
          [](Cache& c, const std::string& key, const py::object& value, int64_t ttl_ms) {
            const std::string bytes = BytesOf(value);
            py::gil_scoped_release release;
            return Unwrap(c.SetIfAbsent(key, bytes, ms(ttl_ms)));
          },
          py::arg("key"), py::arg("value"), py::kw_only(), py::arg("ttl_ms") = 0)
      .def(
          "take",
          [](Cache& c, const std::string& key) {
            Result<std::string> value = [&] {
              py::gil_scoped_release release;
              return c.Take(key);
            }();
            return py::bytes(Unwrap(std::move(value)));
          },
          py::arg("key"), "Returns and removes atomically; NotFoundError when absent.")
      .def(
          "delete",
          [](Cache& c, const std::string& key) {
            py::gil_scoped_release release;
            return Unwrap(c.Delete(key));
          },
          py::arg("key"))
      .def(
          "delete_prefix",
          [](Cache& c, const std::string& prefix) {
            py::gil_scoped_release release;
            return Unwrap(c.DeleteByPrefix(prefix));
          },
          py::arg("prefix"))
      .def("clear",
           [](Cache& c) {
             py::gil_scoped_release release;
             Check(c.Clear());
           })
      .def("stats", &Cache::Stats)
      .def("__contains__", [](Cache& c, const std::string& key) {
        py::gil_scoped_release release;
        return c.Get(key).ok();
      });

  const LruCacheOptions lru;
  m.def(
      "new_lru_cache",
      [](std::size_t max_bytes, std::size_t shards, int64_t default_ttl_ms,
         std::size_t max_key_bytes, std::size_t max_value_bytes) -> std::shared_ptr<Cache> {
        LruCacheOptions options;
        options.max_bytes = max_bytes;
        options.shards = shards;
        options.default_ttl = ms(default_ttl_ms);
        options.max_key_bytes = max_key_bytes;
        options.max_value_bytes = max_value_bytes;
        return NewLruCache(options);
      },
      py::kw_only(), py::arg("max_bytes") = lru.max_bytes, py::arg("shards") = lru.shards,
      py::arg("default_ttl_ms") = 0, py::arg("max_key_bytes") = lru.max_key_bytes,
      py::arg("max_value_bytes") = lru.max_value_bytes);

  const RedisCacheOptions redis;
  m.def(
      "new_redis_cache",
      [](std::string host, int port, std::string password, int database, std::string key_prefix,
         std::size_t pool_size, int64_t connect_timeout_ms, int64_t command_timeout_ms,
         int64_t default_ttl_ms) -> std::shared_ptr<Cache> {
        RedisCacheOptions options;
        options.host = std::move(host);
        options.port = port;
        options.password = std::move(password);
        options.database = database;
        options.key_prefix = std::move(key_prefix);
        options.pool_size = pool_size;
        options.connect_timeout = ms(connect_timeout_ms);
        options.command_timeout = ms(command_timeout_ms);
        options.default_ttl = ms(default_ttl_ms);
        return Unwrap(NewRedisCache(options));
      },
      py::kw_only(), py::arg("host") = redis.host, py::arg("port") = redis.port,
      py::arg("password") = "", py::arg("database") = 0, py::arg("key_prefix") = redis.key_prefix,
      py::arg("pool_size") = redis.pool_size, py::arg("connect_timeout_ms") = 1000,
      py::arg("command_timeout_ms") = 1000, py::arg("default_ttl_ms") = 0);
}

}  // namespace streamgate::python
