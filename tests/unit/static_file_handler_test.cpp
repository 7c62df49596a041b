// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "http/url.h"
#include "streamgate/http.h"

using namespace streamgate;
namespace fs = std::filesystem;

namespace {

// A fresh directory tree, removed on scope exit:
//   <base>/root/{a.txt, Video.MP4, sub/seg.m4s, dir.m3u8/, link_in -> sub/seg.m4s,
//                link_out -> ../secret.txt, link_dir_out -> .., link_abs -> /etc/hostname,
//                link_abs_in -> <base>/root/a.txt, fifo}
//   <base>/secret.txt
//   <base>/root-sibling/x.txt (shares the root's name as a prefix)
class TempTree {
 public:
  TempTree() {
    std::string tmpl = (fs::temp_directory_path() / "sg_static_XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    base_ = tmpl;
    fs::create_directories(root() / "sub");
    fs::create_directories(root() / "dir.m3u8");
    fs::create_directories(base_ / "root-sibling");
    Write(root() / "a.txt", "hello");
    Write(root() / "Video.MP4", "mp4 bytes");
    Write(root() / "sub" / "seg.m4s", "segment");
    Write(root() / "name with space.ts", "ts");
    Write(base_ / "secret.txt", "secret");
    Write(base_ / "root-sibling" / "x.txt", "sibling");
    fs::create_symlink("sub/seg.m4s", root() / "link_in");
    fs::create_symlink("../secret.txt", root() / "link_out");
    fs::create_symlink("..", root() / "link_dir_out");
    fs::create_symlink("/etc/hostname", root() / "link_abs");
    fs::create_symlink(root() / "a.txt", root() / "link_abs_in");
    REQUIRE(mkfifo((root() / "fifo").c_str(), 0600) == 0);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  fs::path root() const { return base_ / "root"; }
  fs::path base() const { return base_; }

 private:
  static void Write(const fs::path& p, const std::string& content) {
    std::ofstream(p, std::ios::binary) << content;
  }
  fs::path base_;
};

HttpResponse Serve(const HttpHandler& handler, const std::string& relative,
                   const std::string& param = "path") {
  HttpRequest request;
  request.path_params = {{param, relative}};
  return handler(request);
}

// What the server hands the handler for a raw request path below "/files/".
HttpResponse ServeRaw(const HttpHandler& handler, const std::string& encoded) {
  auto decoded = internal::PercentDecode(encoded, false);
  REQUIRE(decoded);
  return Serve(handler, *decoded);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("StaticFileHandler serves regular files under the root", "[http][static]") {
  TempTree tree;
  HttpHandler handler = StaticFileHandler(tree.root().string());

  HttpResponse r = Serve(handler, "a.txt");
  CHECK(r.status == 200);
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "hello");
  CHECK(r.headers.Get("Content-Type") == "text/plain; charset=utf-8");

  r = Serve(handler, "sub/seg.m4s");
  CHECK(r.status == 200);
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "segment");
  CHECK(r.headers.Get("Content-Type") == "video/iso.segment");

  r = Serve(handler, "Video.MP4");
  REQUIRE(r.file_path);
  CHECK(r.headers.Get("Content-Type") == "video/mp4");

  r = ServeRaw(handler, "name%20with%20space.ts");
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "ts");

  // Harmless "." segments and doubled slashes still resolve below the root.
  r = Serve(handler, "./sub//seg.m4s");
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "segment");
}

TEST_CASE("StaticFileHandler follows symlinks that stay inside the root", "[http][static]") {
  TempTree tree;
  HttpHandler handler = StaticFileHandler(tree.root().string());
  HttpResponse r = Serve(handler, "link_in");
  CHECK(r.status == 200);
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "segment");
  // The type follows the requested name (no extension here), not the target's.
  CHECK(r.headers.Get("Content-Type") == "application/octet-stream");

  // An absolute symlink is refused by openat2's RESOLVE_BENEATH even when it points inside;
  // the realpath check then lets it through.
  r = Serve(handler, "link_abs_in");
  CHECK(r.status == 200);
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "hello");
}

TEST_CASE("StaticFileHandler refuses to leave the root", "[http][static]") {
  TempTree tree;
  HttpHandler handler = StaticFileHandler(tree.root().string());
  for (const char* relative : {
           "../secret.txt", "sub/../../secret.txt", "..", "sub/..", "/etc/passwd", "//etc/passwd",
           "..\\secret.txt", "sub\\..\\..\\secret.txt", "../root-sibling/x.txt",
           "../root/a.txt",  // even when it would land back inside
       }) {
    INFO(relative);
    HttpResponse r = Serve(handler, relative);
    CHECK(r.status == 403);
    CHECK_FALSE(r.file_path);
    CHECK(r.body.find("secret") == std::string::npos);
  }
  // Percent-encoded traversal arrives decoded; the same rules catch it.
  for (const char* encoded :
       {"%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt", "sub/%2e%2e/%2e%2e/secret.txt",
        "..%2fsecret.txt", "%2fetc%2fpasswd", "..%5csecret.txt"}) {
    INFO(encoded);
    HttpResponse r = ServeRaw(handler, encoded);
    CHECK(r.status == 403);
    CHECK_FALSE(r.file_path);
  }
  // An embedded NUL never reaches the file system.
  HttpResponse nul = Serve(handler, std::string("a.txt\0.mp4", 10));
  CHECK(nul.status == 403);
  CHECK_FALSE(nul.file_path);
}

TEST_CASE("StaticFileHandler refuses symlinks pointing out of the root", "[http][static]") {
  TempTree tree;
  HttpHandler handler = StaticFileHandler(tree.root().string());
  for (const char* relative :
       {"link_out", "link_abs", "link_dir_out/secret.txt", "link_dir_out/root-sibling/x.txt"}) {
    INFO(relative);
    HttpResponse r = Serve(handler, relative);
    CHECK(r.status == 403);
    CHECK_FALSE(r.file_path);
  }
  // Out through a symlink and back in again: what counts is where the path finally resolves.
  HttpResponse back = Serve(handler, "link_dir_out/root/a.txt");
  CHECK(back.status == 200);
  REQUIRE(back.file_path);
  CHECK(ReadAll(*back.file_path) == "hello");
}

TEST_CASE("StaticFileHandler answers 404 for missing files, directories and specials",
          "[http][static]") {
  TempTree tree;
  HttpHandler handler = StaticFileHandler(tree.root().string());
  for (const char* relative :
       {"missing.mp4", "sub/missing.m4s", "a.txt/x", "sub", "sub/", "dir.m3u8", ".", "fifo", ""}) {
    INFO(relative);
    HttpResponse r = Serve(handler, relative);
    CHECK(r.status == 404);
    CHECK_FALSE(r.file_path);
    CHECK(r.headers.Get("Content-Type") == "application/json");
    CHECK(r.body.find("NOT_FOUND") != std::string::npos);
  }
  // A route without the parameter the handler expects.
  HttpResponse r = Serve(handler, "a.txt", "other");
  CHECK(r.status == 404);
}

TEST_CASE("StaticFileHandler uses the configured parameter name", "[http][static]") {
  TempTree tree;
  HttpHandler handler = StaticFileHandler(tree.root().string(), "file");
  HttpResponse r = Serve(handler, "a.txt", "file");
  CHECK(r.status == 200);
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "hello");
}

TEST_CASE("StaticFileHandler works with a relative or symlinked root, and a late root",
          "[http][static]") {
  TempTree tree;
  // A root given through a symlink: realpath of the root is the reference.
  fs::create_symlink(tree.root(), tree.base() / "root_alias");
  HttpHandler via_alias = StaticFileHandler((tree.base() / "root_alias").string());
  HttpResponse r = Serve(via_alias, "a.txt");
  CHECK(r.status == 200);
  CHECK(Serve(via_alias, "link_out").status == 403);

  // A root that does not exist yet: 404 until it appears, then served.
  const fs::path late = tree.base() / "late";
  HttpHandler late_handler = StaticFileHandler(late.string());
  CHECK(Serve(late_handler, "f.txt").status == 404);
  fs::create_directories(late);
  std::ofstream(late / "f.txt") << "late";
  r = Serve(late_handler, "f.txt");
  CHECK(r.status == 200);
  REQUIRE(r.file_path);
  CHECK(ReadAll(*r.file_path) == "late");
}
