// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/metadata_store.h"

#include <SQLiteCpp/Database.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "metadata/cursor.h"
#include "metadata/fts_query.h"

namespace streamgate {
namespace {

namespace fs = std::filesystem;

// A unique directory removed at the end of the test.
struct TempDir {
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("sg-metadata-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string Db() const { return (path / "metadata.db").string(); }
  fs::path path;
};

std::unique_ptr<MetadataStore> OpenStore(const std::string& path,
                                         std::function<void(const std::string&)> on_change = {}) {
  MetadataStoreOptions options;
  options.path = path;
  options.on_change = std::move(on_change);
  Result<std::unique_ptr<MetadataStore>> store = MetadataStore::Open(options);
  REQUIRE(store.ok());
  return std::move(store).value();
}

ContentItem Item(std::string id, std::string owner, std::string title,
                 std::vector<std::string> tags = {}, std::string description = {}) {
  ContentItem item;
  item.id = std::move(id);
  item.owner = std::move(owner);
  item.title = std::move(title);
  item.tags = std::move(tags);
  item.description = std::move(description);
  return item;
}

std::vector<std::string> Ids(const ContentPage& page) {
  std::vector<std::string> ids;
  for (const auto& item : page.items) ids.push_back(item.id);
  return ids;
}

TEST_CASE("MetadataStore CRUD with owner checks", "[metadata]") {
  TempDir dir;
  std::mutex mu;
  std::vector<std::string> changes;
  auto store = OpenStore(dir.Db(), [&](const std::string& id) {
    std::lock_guard lock(mu);
    changes.push_back(id);
  });

  ContentItem item = Item("", "alice", "Sunset over the sea", {"nature", "sea"}, "Long take.");
  item.gating_rule_json = R"({"chain":"eip155:1","contract":"0xabc"})";
  Result<ContentItem> created = store->Create(item);
  REQUIRE(created.ok());
  const std::string id = created->id;
  CHECK(id.size() == 32);
  CHECK(created->created_unix_ms > 0);
  CHECK(created->state == ContentState::kUploading);

  Result<ContentItem> got = store->Get(id);
  REQUIRE(got.ok());
  CHECK(got->title == "Sunset over the sea");
  CHECK(got->tags == std::vector<std::string>{"nature", "sea"});
  CHECK(got->gating_rule_json == item.gating_rule_json);
  CHECK(got->owner == "alice");

  ContentItem duplicate = Item(id, "mallory", "dup");
  CHECK(store->Create(duplicate).status().code() == StatusCode::kAlreadyExists);

  ContentPatch patch;
  patch.title = "Sunrise";
  CHECK(store->Update(id, patch, "mallory").status().code() == StatusCode::kPermissionDenied);
  CHECK(store->Get(id)->title == "Sunset over the sea");
  Result<ContentItem> updated = store->Update(id, patch, "alice");
  REQUIRE(updated.ok());
  CHECK(updated->title == "Sunrise");
  CHECK(updated->updated_unix_ms >= updated->created_unix_ms);
  CHECK(store->Get(id)->title == "Sunrise");
  CHECK(store->Get(id)->description == "Long take.");  // untouched fields stay

  ContentPatch bad;
  bad.gating_rule_json = "[1,2]";
  CHECK(store->Update(id, bad, "alice").status().code() == StatusCode::kInvalidArgument);
  bad.gating_rule_json = "{not json";
  CHECK(store->Update(id, bad, "alice").status().code() == StatusCode::kInvalidArgument);
  CHECK(store->Get(id)->gating_rule_json == item.gating_rule_json);

  CHECK(store->Update("missing", patch, "alice").status().code() == StatusCode::kNotFound);

  // Conditional state transitions (what event handlers use).
  ContentPatch forward;
  forward.state = ContentState::kProcessing;
  forward.only_if_state = ContentState::kUploaded;
  CHECK(store->UpdateTrusted(id, forward).status().code() == StatusCode::kFailedPrecondition);
  CHECK(store->Get(id)->state == ContentState::kUploading);
  forward.only_if_state = ContentState::kUploading;
  CHECK(store->UpdateTrusted(id, forward)->state == ContentState::kProcessing);
  CHECK(store->Delete(id, "mallory").code() == StatusCode::kPermissionDenied);
  CHECK(store->Get(id).ok());
  REQUIRE(store->Delete(id, "alice").ok());
  CHECK(store->Get(id).status().code() == StatusCode::kNotFound);
  CHECK(store->Delete(id, "alice").code() == StatusCode::kNotFound);

  std::lock_guard lock(mu);
  CHECK(changes == std::vector<std::string>{id, id, id, id});  // create, 2 updates, delete
}

TEST_CASE("MetadataStore rejects invalid items and stores nothing", "[metadata]") {
  TempDir dir;
  auto store = OpenStore(dir.Db());
  auto expect_invalid = [&](ContentItem item) {
    CHECK(store->Create(std::move(item)).status().code() == StatusCode::kInvalidArgument);
  };
  expect_invalid(Item("bad id!", "alice", "t"));
  expect_invalid(Item(std::string(129, 'a'), "alice", "t"));
  expect_invalid(Item("ok", "", "t"));
  expect_invalid(Item("ok", "alice", std::string(513, 't')));
  expect_invalid(Item("ok", "alice", "bad \xff utf8"));
  expect_invalid(Item("ok", "alice", "ctl\x01"));
  expect_invalid(Item("ok", "alice", "t", {""}));
  expect_invalid(Item("ok", "alice", "t", {std::string(65, 'x')}));
  expect_invalid(Item("ok", "alice", "t", std::vector<std::string>(33, "x")));
  ContentItem item = Item("ok", "alice", "t");
  item.renditions_json = "{}";
  expect_invalid(item);
  item = Item("ok", "alice", "t");
  item.duration_s = -1;
  expect_invalid(item);
  CHECK(store->Count().value() == 0);
  CHECK(store->Get("../etc").status().code() == StatusCode::kInvalidArgument);
  CHECK(ParseContentState("READY").status().code() == StatusCode::kInvalidArgument);
  CHECK(ParseContentState("ready").value() == ContentState::kReady);
}

TEST_CASE("MetadataStore pagination is stable across inserts", "[metadata]") {
  TempDir dir;
  auto store = OpenStore(dir.Db());
  for (int i = 0; i < 25; ++i) {
    REQUIRE(store->Create(Item("item" + std::to_string(i), i % 2 ? "bob" : "alice", "t")).ok());
  }
  std::vector<std::string> seen;
  ContentListQuery query;
  query.limit = 7;
  int pages = 0;
  int inserted = 0;
  do {
    Result<ContentPage> page = store->List(query);
    REQUIRE(page.ok());
    for (const auto& id : Ids(*page)) seen.push_back(id);
    query.cursor = page->next_cursor;
    ++pages;
    // Inserts between pages must cause neither repeats nor gaps.
    REQUIRE(store->Create(Item("late" + std::to_string(inserted++), "carol", "t")).ok());
  } while (!query.cursor.empty());
  CHECK(pages == 4);
  REQUIRE(seen.size() == 25);
  for (int i = 0; i < 25; ++i)
    CHECK(seen[static_cast<size_t>(i)] == "item" + std::to_string(24 - i));

  // Filters, and cursors bound to their query.
  ContentListQuery bob;
  bob.owner = "bob";
  bob.limit = 5;
  Result<ContentPage> first = store->List(bob);
  REQUIRE(first.ok());
  CHECK(first->items.size() == 5);
  for (const auto& item : first->items) CHECK(item.owner == "bob");
  REQUIRE(!first->next_cursor.empty());
  ContentListQuery alice = bob;
  alice.owner = "alice";
  alice.cursor = first->next_cursor;
  CHECK(store->List(alice).status().code() == StatusCode::kInvalidArgument);
  bob.cursor = first->next_cursor;
  Result<ContentPage> second = store->List(bob);
  REQUIRE(second.ok());
  CHECK(second->items.size() == 5);
  CHECK(second->items.front().id == "item13");

  // Tampered, truncated and garbage cursors.
  std::string tampered = first->next_cursor;
  tampered[2] = tampered[2] == 'A' ? 'B' : 'A';
  for (const std::string& cursor :
       {tampered, first->next_cursor.substr(0, first->next_cursor.size() - 1),
        std::string("garbage"), std::string("."), std::string(600, 'A'),
        std::string("\xff\xfe.\x01")}) {
    bob.cursor = cursor;
    CHECK(store->List(bob).status().code() == StatusCode::kInvalidArgument);
  }
  ContentListQuery state_query;
  state_query.state = ContentState::kReady;
  CHECK(store->List(state_query)->items.empty());
  ContentListQuery too_big;
  too_big.limit = 101;
  CHECK(store->List(too_big).status().code() == StatusCode::kInvalidArgument);
  too_big.limit = 0;
  CHECK(store->List(too_big).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("MetadataStore full-text search: ranking, prefixes, tags, pages", "[metadata]") {
  TempDir dir;
  auto store = OpenStore(dir.Db());
  REQUIRE(store->Create(Item("a", "o", "Guitar lesson", {"music"}, "learn chords")).ok());
  REQUIRE(
      store->Create(Item("b", "o", "Cooking pasta", {"food"}, "a guitar plays at the back")).ok());
  REQUIRE(store->Create(Item("c", "o", "Drum solo", {"guitar", "music"}, "loud")).ok());
  REQUIRE(store->Create(Item("d", "o", "Café crème", {"food"}, "Paris")).ok());

  ContentSearchQuery query;
  query.text = "guitar";
  Result<ContentPage> page = store->Search(query);
  REQUIRE(page.ok());
  // Title matches outrank tag matches, which outrank description matches.
  CHECK(Ids(*page) == std::vector<std::string>{"a", "c", "b"});

  query.text = "guit*";
  CHECK(Ids(store->Search(query).value()).size() == 3);
  query.text = "tag:guitar";
  CHECK(Ids(store->Search(query).value()) == std::vector<std::string>{"c"});
  query.text = "TAG:music guitar";
  CHECK(Ids(store->Search(query).value()) == std::vector<std::string>{"a", "c"});
  query.text = "cafe";  // diacritics folded
  CHECK(Ids(store->Search(query).value()) == std::vector<std::string>{"d"});
  query.text = "nothing-like-this";
  CHECK(store->Search(query)->items.empty());

  // Updates and deletes reach the index.
  ContentPatch patch;
  patch.title = "Bass lesson";
  REQUIRE(store->Update("a", patch, "o").ok());
  query.text = "guitar";
  CHECK(Ids(store->Search(query).value()) == std::vector<std::string>{"c", "b"});
  query.text = "bass";
  CHECK(Ids(store->Search(query).value()) == std::vector<std::string>{"a"});
  REQUIRE(store->Delete("c", "o").ok());
  query.text = "music";
  CHECK(Ids(store->Search(query).value()) == std::vector<std::string>{"a"});

  // Pages of a search.
  for (int i = 0; i < 12; ++i) {
    REQUIRE(
        store->Create(Item("s" + std::to_string(i), "o", "space film " + std::to_string(i))).ok());
  }
  ContentSearchQuery space;
  space.text = "space";
  space.limit = 5;
  std::set<std::string> all;
  int pages = 0;
  do {
    Result<ContentPage> p = store->Search(space);
    REQUIRE(p.ok());
    for (const auto& id : Ids(*p)) all.insert(id);
    space.cursor = p->next_cursor;
    ++pages;
  } while (!space.cursor.empty());
  CHECK(pages == 3);
  CHECK(all.size() == 12);
  // A search cursor does not work for another query.
  space.text = "space";
  space.cursor = "";
  const std::string cursor = store->Search(space)->next_cursor;
  space.text = "film";
  space.cursor = cursor;
  CHECK(store->Search(space).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("MetadataStore search rejects or neutralises hostile input", "[metadata]") {
  TempDir dir;
  auto store = OpenStore(dir.Db());
  REQUIRE(store->Create(Item("a", "o", "Guitar lesson", {"music"}, "learn chords")).ok());
  // Input that must be InvalidArgument (never an SQL error, never a crash).
  const std::vector<std::string> invalid = {
      "",
      "   ",
      "\"",
      "***",
      "(",
      ")",
      "-",
      "^",
      ":",
      "tag:",
      "\"\"\"",
      "{}",
      "*:*",
      std::string(257, 'a'),
      "bad\xff",
      "ctl\x01x",
      std::string("nul\0x", 5),
      "a b c d e f g h i j k l m n o p q",  // 17 words
  };
  for (const std::string& text : invalid) {
    INFO("query " << text);
    ContentSearchQuery query;
    query.text = text;
    Result<ContentPage> result = store->Search(query);
    REQUIRE(!result.ok());
    CHECK(result.status().code() == StatusCode::kInvalidArgument);
    CHECK(result.status().message().find("SQL") == std::string::npos);
    CHECK(result.status().message().find("fts5") == std::string::npos);
  }
  // FTS syntax in user text is treated as plain words.
  const std::vector<std::pair<std::string, std::size_t>> neutral = {
      {"guitar OR drums", 0},  // OR is a word, not an operator
      {"guitar\" OR \"x", 0},  // quotes cannot close the string
      {"NOT guitar", 0},
      {"title:guitar", 0},  // column filters other than tag: are words
      {"guitar*", 1},
      {"g*", 1},
      {"(guitar)", 1},
      {"guitar -lesson", 1},  // '-' is a separator
      {"NEAR(guitar lesson)", 0},
      {"NEAR(,", 0},
      {"guitar^2", 0},
      {"'; DROP TABLE items; --", 0},
      {"{title}:guitar", 0},
      {"lesson guitar", 1},
      {"\xE2\x80\x9Cguitar\xE2\x80\x9D", 1},  // curly quotes are punctuation for unicode61
  };
  for (const auto& [text, expected] : neutral) {
    INFO("query " << text);
    ContentSearchQuery query;
    query.text = text;
    Result<ContentPage> result = store->Search(query);
    REQUIRE(result.ok());
    CHECK(result->items.size() == expected);
  }
  CHECK(store->Count().value() == 1);
}

TEST_CASE("FTS query translation quotes every word", "[metadata]") {
  using internal::BuildFtsQuery;
  CHECK(BuildFtsQuery("hello world", 256, 16).value() == "\"hello\" AND \"world\"");
  CHECK(BuildFtsQuery("hel*", 256, 16).value() == "\"hel\"*");
  CHECK(BuildFtsQuery("tag:rock", 256, 16).value() == "tags_text : \"rock\"");
  CHECK(BuildFtsQuery("foo-bar", 256, 16).value() == "\"foo bar\"");
  CHECK(BuildFtsQuery("a\"b", 256, 16).value() == "\"a b\"");
  CHECK(!internal::IsValidUtf8("\xC0\xAF"));      // overlong '/'
  CHECK(!internal::IsValidUtf8("\xED\xA0\x80"));  // surrogate
  CHECK(internal::IsValidUtf8("caf\xC3\xA9"));
}

TEST_CASE("Cursor codec round-trips and rejects forgeries", "[metadata]") {
  internal::CursorCodec codec("secret-key");
  const std::string cursor = codec.Encode("scope", 42);
  CHECK(codec.Decode(cursor, "scope").value() == 42);
  CHECK(!codec.Decode(cursor, "other").ok());
  CHECK(!internal::CursorCodec("other-key").Decode(cursor, "scope").ok());
  const std::string forged = internal::Base64UrlEncode("v1|x|1") + cursor.substr(cursor.find('.'));
  CHECK(!codec.Decode(forged, "scope").ok());
}

TEST_CASE("MetadataStore survives reopening and a killed writer process", "[metadata]") {
  TempDir dir;
  {
    auto store = OpenStore(dir.Db());
    REQUIRE(store->Create(Item("kept", "alice", "Persistent title", {"x"})).ok());
  }
  {
    auto store = OpenStore(dir.Db());
    Result<ContentItem> item = store->Get("kept");
    REQUIRE(item.ok());
    CHECK(item->title == "Persistent title");
    ContentSearchQuery query;
    query.text = "persistent";
    CHECK(store->Search(query)->items.size() == 1);
  }
  // A child process commits a write, then is killed with SIGKILL while its connection is open:
  // the committed row must be there and the file must be usable.
  int ready_pipe[2];
  REQUIRE(::pipe(ready_pipe) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready_pipe[0]);
    MetadataStoreOptions options;
    options.path = dir.Db();
    auto store = MetadataStore::Open(options);
    const bool ok = store.ok() && (*store)->Create(Item("from-child", "bob", "Child item")).ok();
    const char byte = ok ? '1' : '0';
    (void)!::write(ready_pipe[1], &byte, 1);
    for (;;) ::pause();
  }
  ::close(ready_pipe[1]);
  char byte = 0;
  REQUIRE(::read(ready_pipe[0], &byte, 1) == 1);
  ::close(ready_pipe[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(byte == '1');
  auto store = OpenStore(dir.Db());
  CHECK(store->Get("from-child")->title == "Child item");
  CHECK(store->Get("kept").ok());
  CHECK(store->Count().value() == 2);
}

TEST_CASE("MetadataStore refuses a database from a newer schema", "[metadata]") {
  TempDir dir;
  { auto store = OpenStore(dir.Db()); }
  {
    // Bump the version behind the store's back: the store has no API for it, on purpose.
    SQLite::Database db(dir.Db(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE schema_version SET version = 99");
  }
  MetadataStoreOptions options;
  options.path = dir.Db();
  CHECK(MetadataStore::Open(options).status().code() == StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace streamgate
