// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// RFC 9110 §14 byte ranges, single range only. A multi-range request is answered with the whole
// representation (200), which the RFC allows and which every player copes with.
#pragma once

#include <cstdint>
#include <string_view>

namespace streamgate::internal {

struct ByteRange {
  enum class Kind {
    kNone,           // no usable Range header (absent, not "bytes=", multi-range, malformed): 200
    kSatisfiable,    // 206 with [first, last]
    kUnsatisfiable,  // 416 with "Content-Range: bytes */size"
  };
  Kind kind = Kind::kNone;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

// `header` is the Range field value; `size` the representation's length in bytes.
// Handles "bytes=a-b", "bytes=a-", "bytes=-n" (suffix), clamps `b` to size-1, and treats an empty
// representation as unsatisfiable for any range.
ByteRange ParseRange(std::string_view header, uint64_t size);

}  // namespace streamgate::internal
