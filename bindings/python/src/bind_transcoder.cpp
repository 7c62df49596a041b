// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Transcoder: runs with the GIL released for the whole transcode; the progress callback takes
// the GIL only while it runs. A callback that raises cancels the transcode (which removes its
// partial output) and the exception reaches the caller unchanged.
#include <mutex>
#include <optional>
#include <variant>

#include "bind_runtime.h"
#include "common.h"
#include "streamgate/transcoder.h"

namespace streamgate::python {
namespace {

// Shares the Runtime the Transcoder borrows for parallel rungs.
struct PyTranscoder {
  std::shared_ptr<Runtime> runtime;
  std::unique_ptr<Transcoder> transcoder;
};

// The first Python exception a progress callback raised, kept until the transcode returns.
struct CallbackFailure {
  std::mutex mu;
  std::optional<py::error_already_set> error;  // guarded by mu; touched with the GIL held
};

std::vector<LadderRung> LadderFrom(const py::object& ladder) {
  if (ladder.is_none()) return DefaultLadder();
  if (py::isinstance<py::str>(ladder)) return Unwrap(ParseLadder(ladder.cast<std::string>()));
  std::vector<LadderRung> rungs;
  for (const py::handle item : ladder) {
    if (py::isinstance<LadderRung>(item)) {
      rungs.push_back(item.cast<LadderRung>());
      continue;
    }
    const auto pair = item.cast<std::pair<int, int>>();  // (height, video_kbps)
    rungs.push_back({"", pair.first, pair.second});
  }
  return rungs;
}

TranscodeResult RunTranscode(const PyTranscoder& self, std::string input_path,
                             std::string output_dir, const py::object& progress,
                             std::optional<CancelToken> cancel) {
  TranscodeRequest request;
  request.input_path = std::move(input_path);
  request.output_dir = std::move(output_dir);
  request.cancel = cancel.value_or(CancelToken());
  auto failure = std::make_shared<CallbackFailure>();
  if (!progress.is_none()) {
    PyCallable fn(progress);
    CancelToken token = request.cancel;
    request.progress = [fn, token, failure](double percent) {
      if (token.cancelled()) return;
      py::gil_scoped_acquire gil;
      try {
        fn(percent);
        // Ctrl-C while the transcode runs: handled here, where Python runs anyway.
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      } catch (py::error_already_set& e) {
        std::lock_guard<std::mutex> lock(failure->mu);
        if (!failure->error) failure->error.emplace(std::move(e));
        token.Cancel();
      }
    };
  }
  Result<TranscodeResult> result = [&] {
    py::gil_scoped_release release;
    return self.transcoder->Transcode(request);
  }();
  request.progress = nullptr;  // drops the callable while the GIL is held
  {
    std::lock_guard<std::mutex> lock(failure->mu);
    if (failure->error) throw std::move(*failure->error);
  }
  return Unwrap(std::move(result));
}

}  // namespace

void BindTranscoder(py::module_& m) {
  py::class_<LadderRung> rung_cls(m, "LadderRung");
  rung_cls
      .def(py::init([](int height, int video_kbps, std::string name) {
             return LadderRung{std::move(name), height, video_kbps};
           }),
           py::arg("height"), py::arg("video_kbps"), py::arg("name") = "")
      .def_readwrite("name", &LadderRung::name)
      .def_readwrite("height", &LadderRung::height)
      .def_readwrite("video_kbps", &LadderRung::video_kbps);
  AddRepr(rung_cls, "LadderRung", {"height", "video_kbps", "name"});
  m.def("default_ladder", &DefaultLadder);
  m.def(
      "parse_ladder", [](const std::string& text) { return Unwrap(ParseLadder(text)); },
      py::arg("text"), "\"720:3000,360:800\" → rungs.");
  m.def("ladder_to_string", &LadderToString, py::arg("ladder"));

  py::class_<CancelToken>(m, "CancelToken", "Cancel a transcode from any thread.")
      .def(py::init<>())
      .def("cancel", &CancelToken::Cancel)
      .def_property_readonly("cancelled", &CancelToken::cancelled);

  py::class_<TranscodeResult> result_cls(m, "TranscodeResult");
  result_cls.def_readonly("media", &TranscodeResult::media)
      .def_readonly("source_duration_s", &TranscodeResult::source_duration_s)
      .def_readonly("source_width", &TranscodeResult::source_width)
      .def_readonly("source_height", &TranscodeResult::source_height)
      .def_readonly("rotation_degrees", &TranscodeResult::rotation_degrees)
      .def_readonly("has_audio", &TranscodeResult::has_audio)
      .def_readonly("frames_decoded", &TranscodeResult::frames_decoded)
      .def_readonly("frames_encoded", &TranscodeResult::frames_encoded)
      .def_readonly("elapsed_s", &TranscodeResult::elapsed_s);
  AddRepr(result_cls, "TranscodeResult",
          {"source_duration_s", "source_width", "source_height", "has_audio", "frames_decoded",
           "frames_encoded", "elapsed_s"});

  const TranscoderOptions defaults;
  py::class_<PyTranscoder>(m, "Transcoder", "FFmpeg in-process: ABR ladder to CMAF HLS/DASH.")
      .def(py::init([](const py::object& ladder, std::string preset, int crf,
                       double segment_seconds, bool aes128, bool dash, bool poster, int audio_kbps,
                       int parallel_rungs, int encoder_threads, int decoder_threads,
                       std::string tune, int gop_frames, std::shared_ptr<Runtime> runtime) {
             TranscoderOptions options;
             options.ladder = LadderFrom(ladder);
             options.preset = std::move(preset);
             options.tune = std::move(tune);
             options.crf = crf;
             options.gop_frames = gop_frames;
             options.packager.segment_seconds = segment_seconds;
             options.packager.aes128 = aes128;
             options.packager.dash = dash;
             options.poster = poster;
             options.audio_kbps = audio_kbps;
             options.parallel_rungs = parallel_rungs;
             options.encoder_threads = encoder_threads;
             options.decoder_threads = decoder_threads;
             auto holder = std::make_unique<PyTranscoder>();
             if (parallel_rungs > 1) holder->runtime = RuntimeOrDefault(runtime);
             holder->transcoder =
                 Unwrap(Transcoder::Create(std::move(options), holder->runtime.get()));
             return holder;
           }),
           py::kw_only(), py::arg("ladder") = py::none(), py::arg("preset") = defaults.preset,
           py::arg("crf") = defaults.crf,
           py::arg("segment_seconds") = defaults.packager.segment_seconds,
           py::arg("aes128") = defaults.packager.aes128, py::arg("dash") = defaults.packager.dash,
           py::arg("poster") = defaults.poster, py::arg("audio_kbps") = defaults.audio_kbps,
           py::arg("parallel_rungs") = defaults.parallel_rungs,
           py::arg("encoder_threads") = defaults.encoder_threads,
           py::arg("decoder_threads") = defaults.decoder_threads, py::arg("tune") = defaults.tune,
           py::arg("gop_frames") = defaults.gop_frames, py::arg("runtime") = nullptr)
      .def("transcode", &RunTranscode, py::arg("input_path"), py::arg("output_dir"), py::kw_only(),
           py::arg("progress") = py::none(), py::arg("cancel") = py::none(),
           "Transcodes and packages into output_dir (must not exist). progress(percent) is "
           "called with 0..100, never backwards; if it raises, the transcode is cancelled, its "
           "output removed, and the exception propagates.")
      .def_property_readonly("ladder",
                             [](const PyTranscoder& t) { return t.transcoder->options().ladder; });
}

}  // namespace streamgate::python
