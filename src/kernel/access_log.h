// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "streamgate/http.h"

namespace streamgate::internal {

// An HttpObserver writing one info line per exchange to the "access" logger:
//   127.0.0.1 "GET /health" 200 17 85us
std::string FormatAccessLogLine(const HttpExchange& exchange);
HttpObserver NewAccessLogObserver();

}  // namespace streamgate::internal
