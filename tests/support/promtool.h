// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Runs Prometheus's own checker (Debian package prometheus: /usr/bin/promtool) over an
// exposition, so that tests hold /metrics to the real parser and linter.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace streamgate {
namespace testing {

struct PromtoolResult {
  int exit_code = -1;
  std::string output;
};

// Runs `promtool check metrics` on `exposition` (written to a unique temp file).
inline PromtoolResult PromtoolCheck(const std::string& exposition) {
  std::random_device random;
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("streamgate-promtool-" + std::to_string(getpid()) + "-" + std::to_string(random()) + ".txt");
  {
    std::ofstream out(file, std::ios::binary);
    out << exposition;
  }
  PromtoolResult result;
  const std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::filesystem::remove(file);
  return result;
}

}  // namespace testing

}  // namespace streamgate
