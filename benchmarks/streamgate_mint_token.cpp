// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Mints a playback token with the public API, for benchmarks/delivery_vs_nginx.sh:
//   streamgate_mint_token KID SECRET CONTENT_ID TTL_SECONDS
// SECRET is the raw key (the server is given base64(SECRET) in streaming.playback_keys).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "streamgate/playback_token.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s KID SECRET CONTENT_ID TTL_SECONDS\n", argv[0]);
    return 2;
  }
  const int64_t ttl = std::atoll(argv[4]);
  auto signer = streamgate::PlaybackTokenSigner::Create({{{argv[1], argv[2]}}, ttl});
  if (!signer.ok()) {
    std::fprintf(stderr, "%s\n", signer.status().ToString().c_str());
    return 2;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string content_id = argv[3];
  auto token =
      (*signer)->Mint({content_id, "0xbenchmark", "/stream/" + content_id + "/", now + ttl}, now);
  if (!token.ok()) {
    std::fprintf(stderr, "%s\n", token.status().ToString().c_str());
    return 2;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}
