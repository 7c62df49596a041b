// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// The small non-virtual parts of the plugin contract.
#include "streamgate/kernel.h"
#include "streamgate/version.h"

namespace streamgate {

std::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kDegraded:
      return "degraded";
    case HealthState::kUnhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

// Plugins shipped with the library carry its version; third-party plugins override this.
std::string Plugin::Version() const { return kVersion; }

}  // namespace streamgate
