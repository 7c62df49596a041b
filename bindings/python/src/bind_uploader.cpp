// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Uploader: Python uploads a local file in one call (a "whole" upload streamed from disk in
// 1 MiB pieces, verified and published like any other) and queries upload state.
#include <cstdio>
#include <fstream>

#include "bind_runtime.h"
#include "common.h"
#include "streamgate/uploader.h"

namespace streamgate::python {
namespace {

// Shares the Runtime the Uploader borrows, so Python cannot destroy it first.
struct PyUploader {
  std::shared_ptr<Runtime> runtime;
  std::shared_ptr<Uploader> uploader;
};

UploadCaller MakeCaller(const std::string& owner, const std::string& secret) {
  UploadCaller caller;
  caller.owner = owner;
  caller.secret = secret;
  caller.client_key = owner.empty() ? "python:anonymous" : "python:" + owner;
  return caller;
}

Result<UploadInfo> UploadFile(Uploader& uploader, const std::string& path,
                              CreateUploadRequest create, const UploadCaller& caller) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::NotFound("cannot open \"" + path + "\"");
  const auto size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  create.kind = UploadKind::kWhole;
  create.length = size;
  AppendRequest first;
  first.content_length = size;
  STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<UploadWriter> writer,
                              uploader.BeginUpload(create, caller, first));
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    Status written = writer->Write(std::string_view(buffer.data(), static_cast<size_t>(got)));
    if (!written.ok()) {
      writer->Abort();
      return written;
    }
  }
  if (in.bad()) {
    writer->Abort();
    return Status::DataLoss("reading \"" + path + "\" failed");
  }
  return writer->Finish();
}

}  // namespace

void BindUploader(py::module_& m) {
  py::enum_<UploadKind>(m, "UploadKind")
      .value("TUS", UploadKind::kTus)
      .value("CHUNKED", UploadKind::kChunked)
      .value("WHOLE", UploadKind::kWhole);
  py::enum_<UploadState>(m, "UploadState")
      .value("RECEIVING", UploadState::kReceiving)
      .value("COMPLETED", UploadState::kCompleted)
      .value("EXPIRED", UploadState::kExpired);

  py::class_<UploadInfo> info_cls(m, "UploadInfo");
  info_cls.def_readonly("id", &UploadInfo::id)
      .def_readonly("kind", &UploadInfo::kind)
      .def_readonly("state", &UploadInfo::state)
      .def_readonly("owner", &UploadInfo::owner)
      .def_readonly("secret", &UploadInfo::secret)
      .def_readonly("offset", &UploadInfo::offset)
      .def_readonly("length", &UploadInfo::length)
      .def_readonly("filename", &UploadInfo::filename)
      .def_readonly("content_type", &UploadInfo::content_type)
      .def_readonly("metadata", &UploadInfo::metadata)
      .def_readonly("created_unix_ms", &UploadInfo::created_unix_ms)
      .def_readonly("expires_unix_ms", &UploadInfo::expires_unix_ms)
      .def_readonly("object_key", &UploadInfo::object_key)
      .def_readonly("sha256", &UploadInfo::sha256);
  AddRepr(info_cls, "UploadInfo",
          {"id", "state", "owner", "offset", "length", "filename", "object_key", "sha256"});

  py::class_<PyUploader>(m, "Uploader", "Uploads into an ObjectStore, state in <state_dir>.")
      .def(py::init([](const std::string& state_dir, std::shared_ptr<ObjectStore> store,
                       std::shared_ptr<Runtime> runtime, uint64_t max_upload_bytes,
                       bool accept_video_only, bool fsync, int64_t expiry_seconds,
                       std::string key_prefix) {
             if (!store) Check(Status::InvalidArgument("store is required"));
             UploaderOptions options;
             options.state_dir = state_dir;
             options.max_upload_bytes = max_upload_bytes;
             options.accept_video_only = accept_video_only;
             options.fsync = fsync;
             options.expiry_seconds = expiry_seconds;
             options.key_prefix = std::move(key_prefix);
             auto holder = std::make_unique<PyUploader>();
             holder->runtime = RuntimeOrDefault(runtime);
             holder->uploader = ShareWithoutGil(
                 Unwrap(Uploader::Create(options, std::move(store), *holder->runtime, nullptr)));
             return holder;
           }),
           py::arg("state_dir"), py::arg("store"), py::arg("runtime") = nullptr,
           py::arg("max_upload_bytes") = UploaderOptions{}.max_upload_bytes,
           py::arg("accept_video_only") = true, py::arg("fsync") = true,
           py::arg("expiry_seconds") = UploaderOptions{}.expiry_seconds,
           py::arg("key_prefix") = UploaderOptions{}.key_prefix)
      .def(
          "upload_file",
          [](PyUploader& u, const std::string& path, const std::string& owner,
             const std::string& secret, const std::string& filename,
             const std::string& content_type, const std::string& sha256) {
            CreateUploadRequest create;
            create.filename = filename.empty() ? path.substr(path.find_last_of('/') + 1) : filename;
            create.content_type = content_type;
            create.expected_sha256 = sha256;
            const UploadCaller caller = MakeCaller(owner, secret);
            py::gil_scoped_release release;
            return Unwrap(UploadFile(*u.uploader, path, create, caller));
          },
          py::arg("path"), py::kw_only(), py::arg("owner") = "", py::arg("secret") = "",
          py::arg("filename") = "", py::arg("content_type") = "", py::arg("sha256") = "")
      .def(
          "get",
          [](PyUploader& u, const std::string& upload_id, const std::string& owner,
             const std::string& secret) {
            py::gil_scoped_release release;
            return Unwrap(u.uploader->GetUpload(upload_id, MakeCaller(owner, secret)));
          },
          py::arg("upload_id"), py::kw_only(), py::arg("owner") = "", py::arg("secret") = "")
      .def(
          "terminate",
          [](PyUploader& u, const std::string& upload_id, const std::string& owner,
             const std::string& secret) {
            py::gil_scoped_release release;
            Check(u.uploader->Terminate(upload_id, MakeCaller(owner, secret)));
          },
          py::arg("upload_id"), py::kw_only(), py::arg("owner") = "", py::arg("secret") = "")
      .def_property_readonly("store", [](const PyUploader& u) { return u.uploader->store(); });

  m.def(
      "sniff_video_container",
      [](const py::bytes& head) { return std::string(SniffVideoContainer(std::string(head))); },
      py::arg("head"), "\"mp4\", \"matroska\", … or \"\" for the first bytes of a file.");
}

}  // namespace streamgate::python
