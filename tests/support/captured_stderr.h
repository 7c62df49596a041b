// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Redirects file descriptor 2 into a temporary file while alive, so that tests can read what the
// real stderr log sink wrote. Test-only; not thread-safe against other redirections.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace streamgate::testing {

class CapturedStderr {
 public:
  CapturedStderr() {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("streamgate_stderr_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
              ".log"))
                .string();
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~CapturedStderr() {
    Restore();
    std::filesystem::remove(path_);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  // Ends the capture and returns every line written meanwhile.
  std::vector<std::string> Lines() {
    Restore();
    std::ifstream file(path_, std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) lines.push_back(line);
    return lines;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }

  std::string path_;
  int saved_ = -1;
};

}  // namespace streamgate::testing
