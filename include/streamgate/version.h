// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// The library version. CMake reads it from here, so this file is the single source of truth.
#pragma once

#define STREAMGATE_VERSION_MAJOR 0
#define STREAMGATE_VERSION_MINOR 1
#define STREAMGATE_VERSION_PATCH 0
#define STREAMGATE_VERSION_STRING "0.1.0"

namespace streamgate {
inline constexpr const char* kVersion = STREAMGATE_VERSION_STRING;
}  // namespace streamgate
