// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The S3 object store against a real S3-compatible server: s3rver from tests/peers, started by
// each test on 127.0.0.1 and a free port, killed when the test ends (also on failure, and by the
// kernel if this process dies). Public API only. s3rver does not check SigV4 signatures; the
// signatures are checked against botocore in tests/unit/s3_sigv4_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <streamgate/object_store.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "object_store_contract.h"
#include "s3rver_process.h"

namespace {

using streamgate::NewS3ObjectStore;
using streamgate::ObjectInfo;
using streamgate::ObjectStore;
using streamgate::ObjectWriter;
using streamgate::Result;
using streamgate::S3ObjectStoreOptions;
using streamgate::Status;
using streamgate::StatusCode;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr const char* kBucket = streamgate::testing::S3rverProcess::kBucket;

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-s3-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

// A TCP port nobody listens on right now (bound, read, released).
uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t length = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// s3rver on 127.0.0.1:<free port> with one bucket, its data in a fresh temporary directory.
using S3rver = streamgate::testing::S3rverProcess;

std::unique_ptr<ObjectStore> OpenStore(const S3ObjectStoreOptions& options) {
  auto store = NewS3ObjectStore(options);
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::string RandomBytes(std::size_t size, unsigned seed) {
  std::mt19937_64 random(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const uint64_t value = random();
    std::memcpy(out.data() + i, &value, std::min<std::size_t>(8, size - i));
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  std::ostringstream hex;
  for (unsigned int i = 0; i < length; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex << kHex[digest[i] >> 4] << kHex[digest[i] & 0xF];
  }
  return hex.str();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

std::string ReadRange(ObjectStore& store, std::string_view key, uint64_t offset, uint64_t length,
                      Status* status_out) {
  std::string out;
  *status_out = store.Read(key, offset, length, [&out](std::string_view bytes) {
    out.append(bytes);
    return Status::Ok();
  });
  return out;
}

}  // namespace

TEST_CASE("S3 object store passes the ObjectStore contract on s3rver", "[s3]") {
  S3rver server;
  S3ObjectStoreOptions options = server.Options();
  options.key_prefix = "sg/";
  auto store = OpenStore(options);
  CHECK(store->backend() == "s3");
  CHECK_FALSE(store->LocalPath("a/b").has_value());
  TempDir scratch;
  streamgate::testing::CheckObjectStoreContract(*store, scratch.path);

  // S3 specifics: the key prefix is real (a store without it sees the objects under "sg/"),
  // ETags are reported, keys longer than S3's 1024 bytes are refused.
  auto raw = OpenStore(server.Options());
  CHECK(*raw->Get("sg/media/c1/master.m3u8") == "#EXTM3U\n");
  CHECK(raw->Get("media/c1/master.m3u8").status().code() == StatusCode::kNotFound);
  auto info = store->Stat("media/c1/master.m3u8");
  REQUIRE(info.ok());
  CHECK_FALSE(info->etag.empty());
  // 1022 bytes in segments short enough for s3rver's files: fits alone, not with "sg/".
  std::string long_key = std::string(99, 'k');
  while (long_key.size() < 1022)
    long_key += "/" + std::string(std::min<std::size_t>(99, 1021 - long_key.size()), 'k');
  REQUIRE(long_key.size() == 1022);
  CHECK(store->Put(long_key, "x").code() == StatusCode::kInvalidArgument);
  CHECK(raw->Put(long_key, "x").ok());
}

TEST_CASE("S3 object store passes the contract with virtual-host style URLs", "[s3]") {
  // s3rver maps <bucket>.s3.<service endpoint> to the bucket; curl resolves *.localhost to the
  // loopback address (RFC 6761), so no DNS set-up is needed.
  S3rver server({"--service-endpoint", "localhost"});
  S3ObjectStoreOptions options = server.Options();
  options.endpoint = "http://s3.localhost:" + std::to_string(server.port());
  options.path_style = false;
  auto store = OpenStore(options);
  TempDir scratch;
  streamgate::testing::CheckObjectStoreContract(*store, scratch.path);
  // The objects really went to the bucket: a path-style store over the same server sees them.
  auto path_style = OpenStore(server.Options());
  CHECK(*path_style->Get("media/c1/master.m3u8") == "#EXTM3U\n");
}

TEST_CASE("S3 object store: multipart PutFile and streaming writer round-trip 11 MiB", "[s3]") {
  S3rver server;
  S3ObjectStoreOptions options = server.Options();
  options.multipart_threshold = 5 * kMiB;
  options.part_size = 5 * kMiB;
  auto store = OpenStore(options);

  const std::string data = RandomBytes(11 * kMiB + 12345, 7);
  const std::string digest = Sha256Hex(data);
  TempDir local;
  const auto source = local.path / "source.bin";
  std::ofstream(source, std::ios::binary) << data;

  SECTION("PutFile goes multipart above the threshold") {
    REQUIRE(store->PutFile("big/file.bin", source.string()).ok());
    CHECK(server.PendingPartFiles() == 0);  // completed: s3rver assembled and removed the parts
    auto info = store->Stat("big/file.bin");
    REQUIRE(info.ok());
    CHECK(info->size == data.size());
    const auto copy = local.path / "copy.bin";
    REQUIRE(store->GetToFile("big/file.bin", copy.string()).ok());
    CHECK(Sha256Hex(ReadFile(copy)) == digest);
    // A range across the part boundary at 5 MiB.
    Status status;
    CHECK(ReadRange(*store, "big/file.bin", 5 * kMiB - 100, 300, &status) ==
          data.substr(5 * kMiB - 100, 300));
    CHECK(status.ok());
  }

  SECTION("a writer streams parts, shows nothing before Commit, and round-trips") {
    auto writer = store->OpenWriter("big/written.bin");
    REQUIRE(writer.ok());
    // Odd chunk sizes so that parts never line up with appends.
    std::size_t offset = 0;
    std::size_t chunk = 777'777;
    while (offset < data.size()) {
      const std::size_t n = std::min(chunk, data.size() - offset);
      REQUIRE((*writer)->Append(std::string_view(data).substr(offset, n)).ok());
      offset += n;
      chunk = chunk * 3 % 1'500'000 + 1;
    }
    CHECK((*writer)->bytes_written() == data.size());
    CHECK(server.PendingPartFiles() == 2);  // two full parts sent, the rest buffered
    CHECK(store->Stat("big/written.bin").status().code() == StatusCode::kNotFound);
    REQUIRE((*writer)->Commit().ok());
    CHECK((*writer)->Append("more").code() == StatusCode::kFailedPrecondition);
    auto got = store->Get("big/written.bin");
    REQUIRE(got.ok());
    CHECK(got->size() == data.size());
    CHECK(Sha256Hex(*got) == digest);
  }

  SECTION("a small writer is one PUT; an aborted writer leaves nothing visible") {
    {
      auto writer = store->OpenWriter("small.txt");
      REQUIRE(writer.ok());
      REQUIRE((*writer)->Append("abc").ok());
      REQUIRE((*writer)->Append("def").ok());
      CHECK(store->Stat("small.txt").status().code() == StatusCode::kNotFound);
      REQUIRE((*writer)->Commit().ok());
    }
    CHECK(*store->Get("small.txt") == "abcdef");
    CHECK(server.PendingPartFiles() == 0);

    {
      auto writer = store->OpenWriter("aborted.bin");
      REQUIRE(writer.ok());
      REQUIRE((*writer)->Append(std::string_view(data).substr(0, 6 * kMiB)).ok());
      (*writer)->Abort();
      CHECK((*writer)->Commit().code() == StatusCode::kFailedPrecondition);
    }
    {
      auto writer = store->OpenWriter("dropped.bin");
      REQUIRE(writer.ok());
      REQUIRE((*writer)->Append("never committed").ok());
    }  // destroyed uncommitted
    CHECK(store->Stat("aborted.bin").status().code() == StatusCode::kNotFound);
    CHECK(store->Stat("dropped.bin").status().code() == StatusCode::kNotFound);
    CHECK(*store->Get("small.txt") == "abcdef");
  }

  SECTION("PutFile of a missing file fails without touching the store") {
    CHECK(store->PutFile("x.bin", (local.path / "nope").string()).code() == StatusCode::kNotFound);
    CHECK(store->List("")->empty());
  }
}

TEST_CASE("S3 object store: an unreachable endpoint is Unavailable", "[s3]") {
  S3ObjectStoreOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(FreePort());  // nobody listens
  options.bucket = kBucket;
  options.access_key = "S3RVER";
  options.secret_key = "S3RVER";
  options.max_retries = 1;
  auto store = OpenStore(options);
  CHECK(store->Put("a", "x").code() == StatusCode::kUnavailable);
  CHECK(store->Get("a").status().code() == StatusCode::kUnavailable);
  CHECK(store->Stat("a").status().code() == StatusCode::kUnavailable);
  CHECK(store->List("").status().code() == StatusCode::kUnavailable);
  auto writer = store->OpenWriter("a");
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Append("x").ok());
  CHECK((*writer)->Commit().code() == StatusCode::kUnavailable);
}

TEST_CASE("NewS3ObjectStore refuses bad options", "[s3]") {
  const auto code_of = [](const S3ObjectStoreOptions& options) {
    return NewS3ObjectStore(options).status().code();
  };
  S3ObjectStoreOptions good;
  good.endpoint = "http://127.0.0.1:9";
  good.bucket = kBucket;
  CHECK(NewS3ObjectStore(good).ok());
  auto bad = good;
  bad.endpoint = "ftp://x";
  CHECK(code_of(bad) == StatusCode::kInvalidArgument);
  bad = good;
  bad.endpoint = "http://host/path";
  CHECK(code_of(bad) == StatusCode::kInvalidArgument);
  bad = good;
  bad.bucket = "Bad_Bucket";
  CHECK(code_of(bad) == StatusCode::kInvalidArgument);
  bad = good;
  bad.part_size = 4 * kMiB;
  CHECK(code_of(bad) == StatusCode::kInvalidArgument);
  bad = good;
  bad.access_key = "only-access";
  CHECK(code_of(bad) == StatusCode::kInvalidArgument);
  bad = good;
  bad.key_prefix = "a//b/";
  CHECK(code_of(bad) == StatusCode::kInvalidArgument);
}
