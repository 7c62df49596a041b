// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/av_util.h"

#include <new>
#include <string>

namespace streamgate::internal {

FramePtr NewFrame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw std::bad_alloc();
  return frame;
}

PacketPtr NewPacket() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw std::bad_alloc();
  return packet;
}

std::string AvErrorText(int error) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(error, text, sizeof(text));
  return text;
}

Status AvStatus(int error, std::string_view what) {
  const std::string message = std::string(what) + ": " + AvErrorText(error);
  if (error == AVERROR_EXIT) return Status::Cancelled(message);
  return Status::Internal(message);
}

}  // namespace streamgate::internal
