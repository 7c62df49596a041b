// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The service kit for executables: everything a service's main() does besides choosing its
// plugins. Embedders with their own main loop use Kernel directly instead.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "streamgate/kernel.h"

namespace streamgate {

struct ServiceInfo {
  std::string name;           // "upload"; the monolith is "streamgate"
  uint16_t default_port = 8080;
};

// Exit codes of RunService, so that supervisors can tell why a process ended.
enum ServiceExitCode : int {
  kExitOk = 0,              // clean shutdown after SIGINT/SIGTERM, or --help / --version
  kExitStartupFailed = 1,   // a plugin failed to initialise or start, or the port was taken
  kExitBadConfig = 2,       // the configuration was invalid (the message names the key)
};

// Loads the configuration from argv and the environment (defaults: `info`), configures logging,
// creates the Runtime and Kernel, calls `register_plugins`, starts, serves until SIGINT or
// SIGTERM, shuts down gracefully, and returns the exit code. Handles --help and --version.
// Call it once, from main(), before any other thread exists: it blocks SIGINT/SIGTERM in the
// calling thread (threads started later inherit the mask) and owns everything it creates. Errors
// are reported on stderr and in the exit code, never thrown.
int RunService(int argc, char** argv, const ServiceInfo& info,
               const std::function<Status(Kernel&)>& register_plugins);

}  // namespace streamgate
