// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Ladder planning: which rungs a source gets and at what exact size. Never upscales, keeps the
// display aspect ratio, rounds to even dimensions (4:2:0). Thread-safe (pure functions).
#pragma once

#include <string>
#include <vector>

#include "streamgate/transcoder.h"

namespace streamgate::internal {

struct PlannedRung {
  std::string name;
  int width = 0;
  int height = 0;
  int kbps = 0;
};

// `display_width`/`display_height`: the upright picture with square pixels. Rungs taller than
// the source are dropped; when none is left, one rung at the source size (even) with the
// bit rate of the smallest rung.
std::vector<PlannedRung> PlanLadder(const std::vector<LadderRung>& ladder, int display_width,
                                    int display_height);

}  // namespace streamgate::internal
