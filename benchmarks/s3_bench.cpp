// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Upload and download throughput of the S3 object store (public API only), driven by
// s3_vs_curl.sh against s3rver next to the curl command line doing the same transfers.
//
//   streamgate_s3_bench ENDPOINT BUCKET FILE ROUNDS [MULTIPART_THRESHOLD]
//
// Prints "put_seconds S" and "get_seconds S": the totals over ROUNDS PutFile and GetToFile calls.
#include <streamgate/object_store.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s ENDPOINT BUCKET FILE ROUNDS [MULTIPART_THRESHOLD]\n",
                 argv[0]);
    return 2;
  }
  streamgate::S3ObjectStoreOptions options;
  options.endpoint = argv[1];
  options.bucket = argv[2];
  options.access_key = "S3RVER";
  options.secret_key = "S3RVER";
  if (argc == 6) options.multipart_threshold = std::strtoull(argv[5], nullptr, 10);
  const std::string file = argv[3];
  const int rounds = std::atoi(argv[4]);
  auto store = streamgate::NewS3ObjectStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  Clock::duration put{0};
  Clock::duration get{0};
  const std::string copy = file + ".streamgate-copy";
  for (int i = 0; i < rounds; ++i) {
    const std::string key = "bench/streamgate-" + std::to_string(i);
    auto start = Clock::now();
    streamgate::Status status = (*store)->PutFile(key, file);
    put += Clock::now() - start;
    if (!status.ok()) {
      std::fprintf(stderr, "PutFile: %s\n", status.ToString().c_str());
      return 1;
    }
    start = Clock::now();
    status = (*store)->GetToFile(key, copy);
    get += Clock::now() - start;
    if (!status.ok() || std::filesystem::file_size(copy) != std::filesystem::file_size(file)) {
      std::fprintf(stderr, "GetToFile: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  std::filesystem::remove(copy);
  std::printf("put_seconds %.3f\nget_seconds %.3f\n", std::chrono::duration<double>(put).count(),
              std::chrono::duration<double>(get).count());
  return 0;
}
