// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Alert evaluation: the value a rule looks at in a registry snapshot, and the state machine
// inactive → pending → firing → resolved. ParseAlertRules itself is public (monitor.h).
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "streamgate/monitor.h"

namespace streamgate::internal {

// The sum over the series of `rule.metric` whose labels equal every matcher; nullopt when the
// metric does not exist or no series matches. "<histogram>_count" and "<histogram>_sum" address
// a histogram's count and sum.
std::optional<double> AlertValue(const AlertRule& rule,
                                 const std::vector<MetricFamilySnapshot>& families);

bool AlertConditionHolds(const AlertRule& rule, double value);

// Moves `status` on given the value evaluated at `now`; true when the state changed.
bool AdvanceAlert(AlertStatus& status, std::optional<double> value,
                  std::chrono::system_clock::time_point now);

}  // namespace streamgate::internal
