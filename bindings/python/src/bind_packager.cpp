// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Packager: the packaged-media model (package.json) and the pure renderers of HLS and DASH.
#include "common.h"
#include "streamgate/packager.h"

namespace streamgate::python {
namespace {

const PackagedRendition& RenditionByName(const PackagedMedia& media, const std::string& name) {
  return *Unwrap(FindRendition(media, name));
}

}  // namespace

void BindPackager(py::module_& m) {
  py::enum_<RenditionKind>(m, "RenditionKind")
      .value("VIDEO", RenditionKind::kVideo)
      .value("AUDIO", RenditionKind::kAudio);

  py::class_<PackagedSegment> segment_cls(m, "PackagedSegment");
  segment_cls.def_readonly("uri", &PackagedSegment::uri)
      .def_readonly("start", &PackagedSegment::start)
      .def_readonly("duration", &PackagedSegment::duration)
      .def_readonly("duration_s", &PackagedSegment::duration_s)
      .def_readonly("bytes", &PackagedSegment::bytes)
      .def_readonly("iv_hex", &PackagedSegment::iv_hex);
  AddRepr(segment_cls, "PackagedSegment", {"uri", "duration_s", "bytes"});

  py::class_<PackagedRendition> rendition_cls(m, "PackagedRendition");
  rendition_cls.def_readonly("name", &PackagedRendition::name)
      .def_readonly("kind", &PackagedRendition::kind)
      .def_readonly("codecs", &PackagedRendition::codecs)
      .def_readonly("width", &PackagedRendition::width)
      .def_readonly("height", &PackagedRendition::height)
      .def_readonly("frame_rate", &PackagedRendition::frame_rate)
      .def_readonly("sample_rate", &PackagedRendition::sample_rate)
      .def_readonly("channels", &PackagedRendition::channels)
      .def_readonly("peak_bandwidth", &PackagedRendition::peak_bandwidth)
      .def_readonly("average_bandwidth", &PackagedRendition::average_bandwidth)
      .def_readonly("timescale", &PackagedRendition::timescale)
      .def_readonly("init_uri", &PackagedRendition::init_uri)
      .def_readonly("playlist_uri", &PackagedRendition::playlist_uri)
      .def_readonly("key_uri", &PackagedRendition::key_uri)
      .def_readonly("segments", &PackagedRendition::segments);
  AddRepr(rendition_cls, "PackagedRendition",
          {"name", "kind", "codecs", "width", "height", "peak_bandwidth", "playlist_uri"});

  py::class_<PackagedMedia> media_cls(m, "PackagedMedia", "The model of one packaged item.");
  media_cls.def_readonly("duration_s", &PackagedMedia::duration_s)
      .def_readonly("segment_seconds", &PackagedMedia::segment_seconds)
      .def_readonly("encrypted", &PackagedMedia::encrypted)
      .def_readonly("has_dash", &PackagedMedia::has_dash)
      .def_readonly("poster_uri", &PackagedMedia::poster_uri)
      .def_readonly("renditions", &PackagedMedia::renditions)
      .def_static(
          "from_json", [](const std::string& json) { return Unwrap(PackagedMediaFromJson(json)); },
          py::arg("json"), "Parses package.json text (InvalidArgumentError with the reason).")
      .def("to_json", &PackagedMediaToJson)
      .def("rendition", &RenditionByName, py::arg("name"), py::return_value_policy::copy,
           "The rendition with this name (NotFoundError otherwise).")
      .def("render_hls_master", &RenderHlsMaster, py::arg("token_query") = "")
      .def(
          "render_hls_media",
          [](const PackagedMedia& self, const std::string& name, const std::string& query) {
            return RenderHlsMedia(self, RenditionByName(self, name), query);
          },
          py::arg("rendition"), py::arg("token_query") = "")
      .def("render_dash_mpd", &RenderDashMpd, py::arg("token_query") = "")
      .def(
          "write_playlists",
          [](const PackagedMedia& self, const std::string& directory) {
            py::gil_scoped_release release;
            Check(WritePlaylists(self, directory));
          },
          py::arg("directory"), "Writes master.m3u8, media playlists, MPD and package.json.");
  AddRepr(media_cls, "PackagedMedia", {"duration_s", "encrypted", "has_dash", "renditions"});

  m.def("append_query", &AppendQuery, py::arg("uri"), py::arg("token_query"));
}

}  // namespace streamgate::python
