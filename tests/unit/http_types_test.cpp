// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "streamgate/http.h"

using namespace streamgate;

TEST_CASE("HttpMethodName and ParseHttpMethod agree", "[http][types]") {
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kPost, HttpMethod::kPut,
                       HttpMethod::kPatch, HttpMethod::kDelete, HttpMethod::kOptions}) {
    CHECK(ParseHttpMethod(HttpMethodName(m)) == m);
  }
  CHECK(HttpMethodName(HttpMethod::kPatch) == "PATCH");
  CHECK(ParseHttpMethod("TRACE") == HttpMethod::kOther);
  CHECK(ParseHttpMethod("CONNECT") == HttpMethod::kOther);
  CHECK(ParseHttpMethod("") == HttpMethod::kOther);
  // Methods are case-sensitive.
  CHECK(ParseHttpMethod("get") == HttpMethod::kOther);
  CHECK(ParseHttpMethod("GETX") == HttpMethod::kOther);
}

TEST_CASE("HttpReasonPhrase", "[http][types]") {
  CHECK(HttpReasonPhrase(200) == "OK");
  CHECK(HttpReasonPhrase(204) == "No Content");
  CHECK(HttpReasonPhrase(206) == "Partial Content");
  CHECK(HttpReasonPhrase(304) == "Not Modified");
  CHECK(HttpReasonPhrase(404) == "Not Found");
  CHECK(HttpReasonPhrase(405) == "Method Not Allowed");
  CHECK(HttpReasonPhrase(408) == "Request Timeout");
  CHECK(HttpReasonPhrase(412) == "Precondition Failed");
  CHECK(HttpReasonPhrase(413) == "Content Too Large");
  CHECK(HttpReasonPhrase(414) == "URI Too Long");
  CHECK(HttpReasonPhrase(415) == "Unsupported Media Type");
  CHECK(HttpReasonPhrase(416) == "Range Not Satisfiable");
  CHECK(HttpReasonPhrase(429) == "Too Many Requests");
  CHECK(HttpReasonPhrase(431) == "Request Header Fields Too Large");
  CHECK(HttpReasonPhrase(460) == "Checksum Mismatch");
  CHECK(HttpReasonPhrase(499) == "Client Closed Request");
  CHECK(HttpReasonPhrase(500) == "Internal Server Error");
  CHECK(HttpReasonPhrase(503) == "Service Unavailable");
  CHECK(HttpReasonPhrase(0) == "Unknown");
  CHECK(HttpReasonPhrase(299) == "Unknown");
  CHECK(HttpReasonPhrase(-1) == "Unknown");
}

TEST_CASE("HttpHeaders: case-insensitive lookup, ordered entries", "[http][types]") {
  HttpHeaders h;
  CHECK(h.empty());
  CHECK(h.Find("x") == nullptr);
  CHECK(h.Get("x", "fallback") == "fallback");
  h.Add("Content-Type", "text/plain");
  h.Add("Set-Cookie", "a=1");
  h.Add("set-cookie", "b=2");
  REQUIRE(h.Find("content-type") != nullptr);
  CHECK(*h.Find("CONTENT-TYPE") == "text/plain");
  CHECK(h.Get("Set-Cookie") == "a=1");  // the first of several
  CHECK(h.Has("SET-COOKIE"));
  CHECK_FALSE(h.Has("Content-Typ"));
  CHECK_FALSE(h.Has("Content-Type2"));
  CHECK(h.entries().size() == 3);

  h.Set("SET-COOKIE", "c=3");
  REQUIRE(h.entries().size() == 2);
  CHECK(h.entries()[0] == HttpHeaders::Entry{"Content-Type", "text/plain"});
  // Set keeps the position of the first occurrence.
  CHECK(h.entries()[1] == HttpHeaders::Entry{"SET-COOKIE", "c=3"});

  h.Set("X-New", "1");
  CHECK(h.entries().back() == HttpHeaders::Entry{"X-New", "1"});

  h.Add("x-new", "2");
  h.Remove("X-NEW");
  CHECK_FALSE(h.Has("x-new"));
  CHECK(h.entries().size() == 2);
  h.Remove("absent");
  CHECK(h.entries().size() == 2);
}

TEST_CASE("HttpRequest accessors", "[http][types]") {
  HttpRequest r;
  r.query = {{"a", "1"}, {"flag", ""}, {"a", "2"}};
  r.path_params = {{"id", "abc"}, {"path", "x/y.ts"}};
  r.headers.Add("Range", "bytes=0-1");
  CHECK(r.Query("a") == "1");
  CHECK(r.Query("flag").empty());
  CHECK(r.HasQuery("flag"));
  CHECK_FALSE(r.HasQuery("missing"));
  CHECK(r.Query("missing").empty());
  CHECK_FALSE(r.HasQuery("A"));  // query names are case-sensitive
  CHECK(r.Param("id") == "abc");
  CHECK(r.Param("path") == "x/y.ts");
  CHECK(r.Param("nope").empty());
  CHECK(r.Header("range") == "bytes=0-1");
}

TEST_CASE("HttpResponse builders", "[http][types]") {
  auto json = HttpResponse::Json(201, R"({"ok":true})");
  CHECK(json.status == 201);
  CHECK(json.body == R"({"ok":true})");
  CHECK(json.headers.Get("content-type") == "application/json");
  CHECK_FALSE(json.file_path);
  CHECK_FALSE(json.close_connection);

  auto text = HttpResponse::Text(200, "hi");
  CHECK(text.body == "hi");
  CHECK(text.headers.Get("Content-Type") == "text/plain; charset=utf-8");
  auto csv = HttpResponse::Text(200, "a,b", "text/csv");
  CHECK(csv.headers.Get("Content-Type") == "text/csv");

  auto file = HttpResponse::File("/data/media/x/720p/index.m3u8");
  CHECK(file.status == 200);
  REQUIRE(file.file_path);
  CHECK(*file.file_path == "/data/media/x/720p/index.m3u8");
  CHECK(file.body.empty());
  CHECK(file.headers.Get("Content-Type") == "application/vnd.apple.mpegurl");
  auto typed = HttpResponse::File("/data/blob", "video/mp4");
  CHECK(typed.headers.Get("Content-Type") == "video/mp4");
  CHECK(typed.headers.entries().size() == 1);
}

TEST_CASE("MimeTypeForPath", "[http][types]") {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"master.m3u8", "application/vnd.apple.mpegurl"},
      {"manifest.mpd", "application/dash+xml"},
      {"720p/seg_00001.m4s", "video/iso.segment"},
      {"init.mp4", "video/mp4"},
      {"seg0.ts", "video/mp2t"},
      {"keys/720p.key", "application/octet-stream"},
      {"poster.jpg", "image/jpeg"},
      {"poster.jpeg", "image/jpeg"},
      {"a.png", "image/png"},
      {"a.webp", "image/webp"},
      {"a.json", "application/json"},
      {"index.html", "text/html; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"app.css", "text/css; charset=utf-8"},
      {"logo.svg", "image/svg+xml"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"mod.wasm", "application/wasm"},
      {"subs.vtt", "text/vtt; charset=utf-8"},
      {"clip.webm", "video/webm"},
      {"audio.m4a", "audio/mp4"},
      // Case-insensitive extension.
      {"MASTER.M3U8", "application/vnd.apple.mpegurl"},
      {"Movie.Mp4", "video/mp4"},
      {"PHOTO.JPG", "image/jpeg"},
      // Unknown or absent extensions.
      {"file.unknownext", "application/octet-stream"},
      {"file.verylongextension", "application/octet-stream"},
      {"README", "application/octet-stream"},
      {"trailing.", "application/octet-stream"},
      {"", "application/octet-stream"},
      {"dir.mp4/file", "application/octet-stream"},  // the dot is in a directory name
      {"/a/b/c.d/e.ts", "video/mp2t"},
      {"archive.tar.gz", "application/gzip"},
  };
  for (const auto& [path, type] : cases) {
    INFO(path);
    CHECK(MimeTypeForPath(path) == type);
  }
}
