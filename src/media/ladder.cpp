// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/ladder.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace streamgate {

std::vector<LadderRung> DefaultLadder() {
  return {{"1080p", 1080, 5000}, {"720p", 720, 3000}, {"480p", 480, 1200}, {"360p", 360, 800}};
}

Result<std::vector<LadderRung>> ParseLadder(std::string_view text) {
  std::vector<LadderRung> ladder;
  std::size_t position = 0;
  while (position <= text.size()) {
    const std::size_t comma = std::min(text.find(',', position), text.size());
    const std::string_view item = text.substr(position, comma - position);
    const std::size_t colon = item.find(':');
    int height = 0;
    int kbps = 0;
    const auto parse = [](std::string_view digits, int& value) {
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), value);
      return error == std::errc() && end == digits.data() + digits.size() && !digits.empty();
    };
    if (colon == std::string_view::npos || !parse(item.substr(0, colon), height) ||
        !parse(item.substr(colon + 1), kbps) || height < 16 || height > 8192 || kbps < 50 ||
        kbps > 200000) {
      return Status::InvalidArgument("ladder item \"" + std::string(item) +
                                     "\" is not <height 16..8192>:<kbps 50..200000>");
    }
    for (const LadderRung& rung : ladder) {
      if (rung.height == height) {
        return Status::InvalidArgument("ladder height " + std::to_string(height) +
                                       " appears twice");
      }
    }
    ladder.push_back({std::to_string(height) + "p", height, kbps});
    position = comma + 1;
  }
  std::sort(ladder.begin(), ladder.end(),
            [](const LadderRung& a, const LadderRung& b) { return a.height > b.height; });
  return ladder;
}

std::string LadderToString(const std::vector<LadderRung>& ladder) {
  std::string text;
  for (const LadderRung& rung : ladder) {
    if (!text.empty()) text += ',';
    text += std::to_string(rung.height) + ":" + std::to_string(rung.video_kbps);
  }
  return text;
}

namespace internal {

std::vector<PlannedRung> PlanLadder(const std::vector<LadderRung>& ladder, int display_width,
                                    int display_height) {
  const auto even = [](double value) {
    return std::max(2, static_cast<int>(std::lround(value / 2.0)) * 2);
  };
  const double aspect = static_cast<double>(display_width) / std::max(1, display_height);
  std::vector<LadderRung> sorted = ladder;
  std::sort(sorted.begin(), sorted.end(),
            [](const LadderRung& a, const LadderRung& b) { return a.height > b.height; });
  std::vector<PlannedRung> planned;
  for (const LadderRung& rung : sorted) {
    if (rung.height > display_height) continue;
    PlannedRung out;
    out.name = rung.name.empty() ? std::to_string(rung.height) + "p" : rung.name;
    out.height = even(rung.height);
    out.width = even(rung.height * aspect);
    out.kbps = rung.video_kbps;
    planned.push_back(out);
  }
  if (planned.empty() && !sorted.empty()) {
    PlannedRung out;
    out.height = std::max(2, display_height / 2 * 2);
    out.width = std::max(2, display_width / 2 * 2);
    out.name = std::to_string(out.height) + "p";
    out.kbps = sorted.back().video_kbps;
    planned.push_back(out);
  }
  return planned;
}

}  // namespace internal
}  // namespace streamgate
