// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The ObjectStore contract as one function of Catch2 checks, so that every backend (local, S3)
// runs the same suite: call CheckObjectStoreContract(store, scratch_dir) on an empty store.
// Public API only.
#pragma once

#include <streamgate/object_store.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace streamgate::testing {

inline std::string ContractBytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xFF);
  return out;
}

inline std::string ContractRead(ObjectStore& store, std::string_view key, uint64_t offset,
                                uint64_t length, Status* status) {
  std::string out;
  *status = store.Read(key, offset, length, [&out](std::string_view bytes) {
    out.append(bytes);
    return Status::Ok();
  });
  return out;
}

inline std::string ContractReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// `store` must be empty; `scratch` is a directory the test may write local files into.
inline void CheckObjectStoreContract(ObjectStore& store, const std::filesystem::path& scratch) {
  const std::string data = ContractBytes(100'000, 42);
  const std::string odd_key = "uploads/id 1/sp ace+plus=eq&amp~(x)_\xC3\xA9.bin";

  // Put / Get / overwrite / empty objects.
  REQUIRE(store.Put("uploads/id1/source.mp4", "first").ok());
  REQUIRE(store.Put("uploads/id1/source.mp4", "v2").ok());
  REQUIRE(store.Put(odd_key, data).ok());
  REQUIRE(store.Put("media/c1/master.m3u8", "#EXTM3U\n").ok());
  REQUIRE(store.Put("empty", "").ok());
  Result<std::string> got = store.Get("uploads/id1/source.mp4");
  REQUIRE(got.ok());
  CHECK(*got == "v2");
  got = store.Get(odd_key);
  REQUIRE(got.ok());
  CHECK(*got == data);
  got = store.Get("empty");
  REQUIRE(got.ok());
  CHECK(got->empty());
  CHECK(store.Get("missing").status().code() == StatusCode::kNotFound);

  // Stat.
  Result<ObjectInfo> info = store.Stat(odd_key);
  REQUIRE(info.ok());
  CHECK(info->key == odd_key);
  CHECK(info->size == data.size());
  CHECK(info->modified_unix_ms > 0);
  CHECK(store.Stat("missing/x").status().code() == StatusCode::kNotFound);

  // List: prefix, key order, sizes.
  Result<std::vector<ObjectInfo>> listed = store.List("uploads/");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].key == odd_key);  // "id 1" sorts before "id1"
  CHECK((*listed)[0].size == data.size());
  CHECK((*listed)[1].key == "uploads/id1/source.mp4");
  CHECK((*listed)[1].size == 2);
  listed = store.List("");
  REQUIRE(listed.ok());
  std::vector<std::string> keys;
  for (const ObjectInfo& object : *listed) keys.push_back(object.key);
  CHECK(keys == std::vector<std::string>{"empty", "media/c1/master.m3u8", odd_key,
                                         "uploads/id1/source.mp4"});
  CHECK(store.List("nothing/")->empty());

  // Read: inside, to the end, past the end, zero-length, sink errors, missing keys.
  Status status;
  CHECK(ContractRead(store, odd_key, 10, 20, &status) == data.substr(10, 20));
  CHECK(status.ok());
  CHECK(ContractRead(store, odd_key, data.size() - 10, 10, &status) ==
        data.substr(data.size() - 10));
  CHECK(status.ok());
  CHECK(ContractRead(store, odd_key, data.size() - 5, 10, &status).empty());
  CHECK(status.code() == StatusCode::kOutOfRange);
  ContractRead(store, odd_key, data.size(), 1, &status);
  CHECK(status.code() == StatusCode::kOutOfRange);
  CHECK(ContractRead(store, odd_key, data.size(), 0, &status).empty());
  CHECK(status.ok());
  ContractRead(store, odd_key, data.size() + 1, 0, &status);
  CHECK(status.code() == StatusCode::kOutOfRange);
  ContractRead(store, "missing", 0, 1, &status);
  CHECK(status.code() == StatusCode::kNotFound);
  status = store.Read(odd_key, 0, data.size(),
                      [](std::string_view) { return Status::Cancelled("client left"); });
  CHECK(status.code() == StatusCode::kCancelled);

  // GetToFile and PutFile; a failed download leaves the destination alone and no temp file.
  const std::filesystem::path dir = scratch / "contract";
  std::filesystem::create_directories(dir);
  const auto copy = dir / "copy.bin";
  REQUIRE(store.GetToFile(odd_key, copy.string()).ok());
  CHECK(ContractReadFile(copy) == data);
  CHECK(store.GetToFile("missing", copy.string()).code() == StatusCode::kNotFound);
  CHECK(ContractReadFile(copy) == data);
  CHECK(std::distance(std::filesystem::directory_iterator(dir),
                      std::filesystem::directory_iterator()) == 1);
  REQUIRE(store.PutFile("files/copy.bin", copy.string()).ok());
  CHECK(*store.Get("files/copy.bin") == data);
  CHECK(store.PutFile("files/none.bin", (dir / "absent").string()).code() == StatusCode::kNotFound);
  CHECK(store.Stat("files/none.bin").status().code() == StatusCode::kNotFound);

  // Writers: invisible before Commit; Abort and destruction leave nothing.
  {
    Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter("written/a.bin");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("abc").ok());
    REQUIRE((*writer)->Append("def").ok());
    CHECK((*writer)->bytes_written() == 6);
    CHECK(store.Stat("written/a.bin").status().code() == StatusCode::kNotFound);
    REQUIRE((*writer)->Commit().ok());
    CHECK(*store.Get("written/a.bin") == "abcdef");
  }
  {
    Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter("written/aborted.bin");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("x").ok());
    (*writer)->Abort();
  }
  {
    Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter("written/dropped.bin");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("y").ok());
  }
  CHECK(store.Stat("written/aborted.bin").status().code() == StatusCode::kNotFound);
  CHECK(store.Stat("written/dropped.bin").status().code() == StatusCode::kNotFound);

  // Invalid keys are refused by every call.
  for (const std::string& key :
       {std::string(), std::string("/abs"), std::string("a//b"), std::string("a/"),
        std::string("a/./b"), std::string("../x"), std::string("a/.."), std::string("a\\b"),
        std::string("a\0b", 3)}) {
    INFO("key: " << key);
    CHECK(store.Put(key, "x").code() == StatusCode::kInvalidArgument);
    CHECK(store.Get(key).status().code() == StatusCode::kInvalidArgument);
    CHECK(store.Stat(key).status().code() == StatusCode::kInvalidArgument);
    CHECK(store.Delete(key).code() == StatusCode::kInvalidArgument);
    CHECK(store.OpenWriter(key).status().code() == StatusCode::kInvalidArgument);
    CHECK(store.PutFile(key, copy.string()).code() == StatusCode::kInvalidArgument);
  }

  // Delete is idempotent.
  REQUIRE(store.Delete("uploads/id1/source.mp4").ok());
  CHECK(store.Delete("uploads/id1/source.mp4").ok());
  CHECK(store.Get("uploads/id1/source.mp4").status().code() == StatusCode::kNotFound);
  CHECK(store.List("uploads/")->size() == 1);
}

}  // namespace streamgate::testing
