// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// ObjectStore: where uploads and packaged media live. Python gets the local and S3 backends and
// the calls an embedder needs (bytes in, bytes out, listing); every call blocks on disk or
// network, so it runs with the GIL released.
#include "common.h"
#include "streamgate/object_store.h"

namespace streamgate::python {

void BindStorage(py::module_& m) {
  py::class_<ObjectInfo> info_cls(m, "ObjectInfo");
  info_cls.def_readonly("key", &ObjectInfo::key)
      .def_readonly("size", &ObjectInfo::size)
      .def_readonly("modified_unix_ms", &ObjectInfo::modified_unix_ms)
      .def_readonly("etag", &ObjectInfo::etag);
  AddRepr(info_cls, "ObjectInfo", {"key", "size", "modified_unix_ms", "etag"});

  using Store = ObjectStore;
  py::class_<Store, std::shared_ptr<Store>>(m, "ObjectStore",
                                            "Keyed objects (local directory or S3). Thread-safe.")
      .def_property_readonly("backend", [](const Store& s) { return std::string(s.backend()); })
      .def(
          "put",
          [](Store& s, const std::string& key, const py::bytes& data) {
            std::string bytes = data;
            py::gil_scoped_release release;
            Check(s.Put(key, bytes));
          },
          py::arg("key"), py::arg("data"))
      .def(
          "put_file",
          [](Store& s, const std::string& key, const std::string& path) {
            py::gil_scoped_release release;
            Check(s.PutFile(key, path));
          },
          py::arg("key"), py::arg("path"))
      .def(
          "get",
          [](Store& s, const std::string& key) {
            Result<std::string> data = [&] {
              py::gil_scoped_release release;
              return s.Get(key);
            }();
            return py::bytes(Unwrap(std::move(data)));
          },
          py::arg("key"))
      .def(
          "stat",
          [](Store& s, const std::string& key) {
            py::gil_scoped_release release;
            return Unwrap(s.Stat(key));
          },
          py::arg("key"))
      .def(
          "delete",
          [](Store& s, const std::string& key) {
            py::gil_scoped_release release;
            Check(s.Delete(key));
          },
          py::arg("key"))
      .def(
          "list",
          [](Store& s, const std::string& prefix) {
            py::gil_scoped_release release;
            return Unwrap(s.List(prefix));
          },
          py::arg("prefix") = "")
      .def(
          "local_path", [](const Store& s, const std::string& key) { return s.LocalPath(key); },
          py::arg("key"), "The file holding `key` (local backend), else None.");

  m.def(
      "new_local_object_store",
      [](const std::string& root, bool fsync) -> std::shared_ptr<ObjectStore> {
        LocalObjectStoreOptions options;
        options.root = root;
        options.fsync = fsync;
        return Unwrap(NewLocalObjectStore(options));
      },
      py::arg("root"), py::arg("fsync") = true);
  m.def(
      "new_s3_object_store",
      [](std::string endpoint, std::string bucket, std::string region, std::string access_key,
         std::string secret_key, bool path_style,
         std::string key_prefix) -> std::shared_ptr<ObjectStore> {
        S3ObjectStoreOptions options;
        options.endpoint = std::move(endpoint);
        options.bucket = std::move(bucket);
        options.region = std::move(region);
        options.access_key = std::move(access_key);
        options.secret_key = std::move(secret_key);
        options.path_style = path_style;
        options.key_prefix = std::move(key_prefix);
        return Unwrap(NewS3ObjectStore(options));
      },
      py::arg("endpoint"), py::arg("bucket"), py::arg("region") = "us-east-1",
      py::arg("access_key") = "", py::arg("secret_key") = "", py::arg("path_style") = true,
      py::arg("key_prefix") = "");
}

}  // namespace streamgate::python
