// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Playback tokens ("pt1."): mint and verify. Secrets are bytes; `now` defaults to the clock.
#include <ctime>

#include "common.h"
#include "streamgate/playback_token.h"

namespace streamgate::python {
namespace {

int64_t NowOr(const std::optional<int64_t>& now) {
  return now ? *now : static_cast<int64_t>(std::time(nullptr));
}

}  // namespace

void BindPlayback(py::module_& m) {
  py::class_<PlaybackGrant> grant_cls(m, "PlaybackGrant");
  grant_cls
      .def(py::init([](std::string content_id, std::string wallet, std::string path_prefix,
                       int64_t expires_unix) {
             return PlaybackGrant{std::move(content_id), std::move(wallet), std::move(path_prefix),
                                  expires_unix};
           }),
           py::kw_only(), py::arg("content_id"), py::arg("wallet"), py::arg("path_prefix"),
           py::arg("expires_unix"))
      .def_readwrite("content_id", &PlaybackGrant::content_id)
      .def_readwrite("wallet", &PlaybackGrant::wallet)
      .def_readwrite("path_prefix", &PlaybackGrant::path_prefix)
      .def_readwrite("expires_unix", &PlaybackGrant::expires_unix);
  AddRepr(grant_cls, "PlaybackGrant", {"content_id", "wallet", "path_prefix", "expires_unix"});

  py::class_<PlaybackTokenSigner>(m, "PlaybackTokenSigner",
                                  "Mints and verifies playback tokens; immutable, thread-safe.")
      .def(py::init([](const std::vector<std::pair<std::string, py::bytes>>& keys,
                       int64_t max_ttl_seconds) {
             PlaybackTokenOptions options;
             for (const auto& [id, secret] : keys) {
               options.keys.push_back({id, std::string(secret)});
             }
             options.max_ttl_seconds = max_ttl_seconds;
             return Unwrap(PlaybackTokenSigner::Create(options));
           }),
           py::arg("keys"), py::kw_only(),
           py::arg("max_ttl_seconds") = PlaybackTokenOptions{}.max_ttl_seconds,
           "keys: [(key_id, secret_bytes), ...]; the first signs, all verify.")
      .def(
          "mint",
          [](const PlaybackTokenSigner& s, const PlaybackGrant& grant, std::optional<int64_t> now) {
            return Unwrap(s.Mint(grant, NowOr(now)));
          },
          py::arg("grant"), py::kw_only(), py::arg("now") = py::none())
      .def(
          "verify",
          [](const PlaybackTokenSigner& s, const std::string& token, const std::string& content_id,
             const std::string& request_path, std::optional<int64_t> now) {
            return Unwrap(s.Verify(token, content_id, request_path, NowOr(now)));
          },
          py::arg("token"), py::kw_only(), py::arg("content_id"), py::arg("request_path"),
          py::arg("now") = py::none());
}

}  // namespace streamgate::python
