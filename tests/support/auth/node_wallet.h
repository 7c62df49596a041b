// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Runs tests/support/auth/wallet_signer.js (ethers v6, siwe, tweetnacl from tests/peers) as a real
// wallet: writes the request JSON to a unique temp file, runs `node`, returns the parsed stdout.
// Throws std::runtime_error when node or the peers are missing, so the test fails loudly.
#pragma once

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace streamgate::testing {

inline nlohmann::json RunNodeWallet(const nlohmann::json& request) {
  static std::atomic<int> counter{0};
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("sg-wallet-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".json");
  {
    std::ofstream out(file);
    out << request.dump();
  }
  const std::string script =
      std::string(STREAMGATE_SOURCE_DIR) + "/tests/support/auth/wallet_signer.js";
  const std::string command = "STREAMGATE_TEST_PEERS_DIR='" +
                              std::string(STREAMGATE_TEST_PEERS_DIR) + "' node '" + script + "' '" +
                              file.string() + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run node");
  std::string output;
  std::array<char, 4096> buffer;
  std::size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), read);
  const int rc = ::pclose(pipe);
  std::filesystem::remove(file);
  if (rc != 0) {
    throw std::runtime_error("wallet_signer.js failed (run scripts/install-test-peers.sh): " +
                             output);
  }
  return nlohmann::json::parse(output);
}

}  // namespace streamgate::testing
