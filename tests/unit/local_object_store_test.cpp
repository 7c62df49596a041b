// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The local-filesystem ObjectStore: atomic publish (nothing partial ever visible), key
// validation, ranges, listing, and the hard-link publish of PutFile.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "streamgate/object_store.h"

namespace streamgate {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sg_store_XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

std::unique_ptr<ObjectStore> Open(const fs::path& root) {
  Result<std::unique_ptr<ObjectStore>> store = NewLocalObjectStore({root.string(), false});
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("LocalObjectStore: put, get, stat, read ranges, delete", "[object_store]") {
  TempDir dir;
  auto store = Open(dir.path / "root");
  CHECK(store->backend() == "local");
  REQUIRE(store->Put("a/b/c.txt", "hello world").ok());
  Result<std::string> got = store->Get("a/b/c.txt");
  REQUIRE(got.ok());
  CHECK(*got == "hello world");
  Result<ObjectInfo> info = store->Stat("a/b/c.txt");
  REQUIRE(info.ok());
  CHECK(info->key == "a/b/c.txt");
  CHECK(info->size == 11);
  CHECK_FALSE(info->etag.empty());

  std::string range;
  REQUIRE(store
              ->Read("a/b/c.txt", 6, 5,
                     [&](std::string_view piece) {
                       range.append(piece);
                       return Status::Ok();
                     })
              .ok());
  CHECK(range == "world");
  CHECK(store->Read("a/b/c.txt", 6, 6, [](std::string_view) { return Status::Ok(); }).code() ==
        StatusCode::kOutOfRange);
  CHECK(store->Read("a/b/c.txt", 12, 0, [](std::string_view) { return Status::Ok(); }).code() ==
        StatusCode::kOutOfRange);
  // The sink's error stops the read.
  CHECK(
      store->Read("a/b/c.txt", 0, 11, [](std::string_view) { return Status::Cancelled("enough"); })
          .code() == StatusCode::kCancelled);

  CHECK(store->LocalPath("a/b/c.txt") == (fs::canonical(dir.path / "root") / "a/b/c.txt").string());
  REQUIRE(store->Put("a/b/c.txt", "replaced").ok());
  CHECK(*store->Get("a/b/c.txt") == "replaced");
  REQUIRE(store->Delete("a/b/c.txt").ok());
  CHECK(store->Get("a/b/c.txt").status().code() == StatusCode::kNotFound);
  CHECK(store->Stat("a/b/c.txt").status().code() == StatusCode::kNotFound);
  CHECK(store->Delete("a/b/c.txt").ok());            // idempotent
  CHECK_FALSE(fs::exists(dir.path / "root" / "a"));  // empty prefixes are pruned
}

TEST_CASE("LocalObjectStore: a writer's bytes are invisible until Commit", "[object_store]") {
  TempDir dir;
  auto store = Open(dir.path);
  REQUIRE(store->Put("v/obj", "old").ok());
  {
    Result<std::unique_ptr<ObjectWriter>> writer = store->OpenWriter("v/obj");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("new ").ok());
    REQUIRE((*writer)->Append("bytes").ok());
    CHECK((*writer)->bytes_written() == 9);
    CHECK(*store->Get("v/obj") == "old");  // readers still see the old object
    Result<std::vector<ObjectInfo>> listed = store->List("v/");
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);  // the temp file is never listed
    CHECK((*listed)[0].size == 3);
    REQUIRE((*writer)->Commit().ok());
  }
  CHECK(*store->Get("v/obj") == "new bytes");
  {
    // Dropped without Commit: nothing changes and nothing is left behind.
    Result<std::unique_ptr<ObjectWriter>> writer = store->OpenWriter("v/obj");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("partial").ok());
  }
  {
    Result<std::unique_ptr<ObjectWriter>> writer = store->OpenWriter("v/other");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("partial").ok());
    (*writer)->Abort();
    CHECK((*writer)->Commit().code() == StatusCode::kFailedPrecondition);
  }
  CHECK(*store->Get("v/obj") == "new bytes");
  CHECK(store->Stat("v/other").status().code() == StatusCode::kNotFound);
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path)) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  CHECK(files == 1);
}

TEST_CASE("LocalObjectStore: keys are validated", "[object_store]") {
  TempDir dir;
  auto store = Open(dir.path / "root");
  for (const std::string& key :
       {std::string(""), std::string("/abs"), std::string("a//b"), std::string("a/./b"),
        std::string("../escape"), std::string("a/.."), std::string("a\\b"), std::string("a\0b", 3),
        std::string("trailing/"), std::string(".sg-tmp-x"), std::string(2000, 'k')}) {
    INFO(key);
    CHECK(store->Put(key, "x").code() == StatusCode::kInvalidArgument);
    CHECK(store->Get(key).status().code() == StatusCode::kInvalidArgument);
    CHECK(store->Delete(key).code() == StatusCode::kInvalidArgument);
    CHECK_FALSE(store->LocalPath(key).has_value());
  }
  CHECK_FALSE(fs::exists(dir.path / "escape"));
}

TEST_CASE("LocalObjectStore: List by prefix, in key order", "[object_store]") {
  TempDir dir;
  auto store = Open(dir.path);
  for (const char* key :
       {"media/b/2.m4s", "media/a/1.m4s", "media/a/0.m4s", "uploads/x/source", "mediax/other"}) {
    REQUIRE(store->Put(key, key).ok());
  }
  Result<std::vector<ObjectInfo>> media = store->List("media/");
  REQUIRE(media.ok());
  std::vector<std::string> keys;
  for (const ObjectInfo& info : *media) keys.push_back(info.key);
  CHECK(keys == std::vector<std::string>{"media/a/0.m4s", "media/a/1.m4s", "media/b/2.m4s"});
  Result<std::vector<ObjectInfo>> partial = store->List("media");
  REQUIRE(partial.ok());
  CHECK(partial->size() == 4);  // "mediax/other" shares the prefix
  Result<std::vector<ObjectInfo>> all = store->List("");
  REQUIRE(all.ok());
  CHECK(all->size() == 5);
  Result<std::vector<ObjectInfo>> none = store->List("nothing/here");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("LocalObjectStore: PutFile publishes a copy; GetToFile writes atomically",
          "[object_store]") {
  TempDir dir;
  auto store = Open(dir.path / "root");
  const fs::path source = dir.path / "source.bin";
  std::string bytes(300'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  {
    std::ofstream out(source, std::ios::binary);
    out << bytes;
  }
  REQUIRE(store->PutFile("uploads/id/source.mp4", source.string()).ok());
  CHECK(*store->Get("uploads/id/source.mp4") == bytes);
  // The source stays, and removing it does not affect the object.
  REQUIRE(fs::exists(source));
  fs::remove(source);
  CHECK(*store->Get("uploads/id/source.mp4") == bytes);
  CHECK(store->PutFile("x", (dir.path / "missing").string()).code() == StatusCode::kNotFound);

  const fs::path copy = dir.path / "copy.bin";
  REQUIRE(store->GetToFile("uploads/id/source.mp4", copy.string()).ok());
  CHECK(ReadFile(copy) == bytes);
  CHECK(store->GetToFile("uploads/none", copy.string()).code() == StatusCode::kNotFound);
  CHECK(ReadFile(copy) == bytes);  // a failed GetToFile leaves the target alone
}

TEST_CASE("LocalObjectStore: a key that names a prefix is not an object", "[object_store]") {
  TempDir dir;
  auto store = Open(dir.path);
  REQUIRE(store->Put("dir/file", "x").ok());
  CHECK(store->Get("dir").status().code() == StatusCode::kNotFound);
  CHECK(store->Put("dir", "y").code() == StatusCode::kInvalidArgument);
  CHECK(store->Delete("dir").ok());
  CHECK(*store->Get("dir/file") == "x");
  CHECK(NewLocalObjectStore({"", true}).status().code() == StatusCode::kInvalidArgument);
}

}  // namespace streamgate
