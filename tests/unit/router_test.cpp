// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "streamgate/http.h"

using namespace streamgate;
using Kind = Router::MatchKind;
using Params = std::vector<std::pair<std::string, std::string>>;

namespace {

// Each handler answers with its pattern, so a test can tell which route really ran.
HttpHandler Tagged(std::string tag) {
  return [tag](HttpRequest&) { return HttpResponse::Text(200, tag); };
}

Status AddTagged(Router& r, HttpMethod m, std::string_view pattern) {
  return r.Add(m, pattern, Tagged(std::string(HttpMethodName(m)) + " " + std::string(pattern)));
}

// Runs the matched handler and returns its tag, or "" when nothing matched.
std::string Dispatch(const Router& r, HttpMethod m, std::string_view path,
                     Params* params = nullptr) {
  Router::Match match = r.Find(m, path);
  if (match.kind != Kind::kFound) return "";
  REQUIRE(match.route != nullptr);
  REQUIRE(match.route->handler);
  HttpRequest request;
  request.path_params = match.params;
  if (params) *params = match.params;
  return match.route->handler(request).body;
}

}  // namespace

TEST_CASE("Router: literal routes", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/health").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/api/v1/cache/get").ok());
  REQUIRE(AddTagged(r, HttpMethod::kPost, "/api/v1/cache/set").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/").ok());

  CHECK(Dispatch(r, HttpMethod::kGet, "/health") == "GET /health");
  CHECK(Dispatch(r, HttpMethod::kGet, "/api/v1/cache/get") == "GET /api/v1/cache/get");
  CHECK(Dispatch(r, HttpMethod::kPost, "/api/v1/cache/set") == "POST /api/v1/cache/set");
  CHECK(Dispatch(r, HttpMethod::kGet, "/") == "GET /");

  CHECK(r.Find(HttpMethod::kGet, "/healt").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/healthz").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/Health").kind == Kind::kNotFound);  // case-sensitive
  CHECK(r.Find(HttpMethod::kGet, "/api/v1/cache").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/api/v1/cache/get/more").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "health").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "//health").kind == Kind::kNotFound);
}

TEST_CASE("Router: a trailing slash is significant", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kPost, "/api/v1/tus/").ok());
  REQUIRE(AddTagged(r, HttpMethod::kPatch, "/api/v1/tus/{id}").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/api/v1/upload").ok());

  CHECK(Dispatch(r, HttpMethod::kPost, "/api/v1/tus/") == "POST /api/v1/tus/");
  CHECK(r.Find(HttpMethod::kPost, "/api/v1/tus").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/api/v1/upload/").kind == Kind::kNotFound);
  Params p;
  CHECK(Dispatch(r, HttpMethod::kPatch, "/api/v1/tus/abc123", &p) == "PATCH /api/v1/tus/{id}");
  CHECK(p == Params{{"id", "abc123"}});
  // {id} never matches an empty segment, and a trailing slash after it is another route.
  CHECK(r.Find(HttpMethod::kPatch, "/api/v1/tus/").kind == Kind::kMethodNotAllowed);
  CHECK(r.Find(HttpMethod::kPatch, "/api/v1/tus/abc/").kind == Kind::kNotFound);
}

TEST_CASE("Router: parameters and catch-all", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/stream/{content_id}/master.m3u8").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/stream/{content_id}/{file...}").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/users/{user}/items/{item}").ok());

  Params p;
  CHECK(Dispatch(r, HttpMethod::kGet, "/stream/c1/master.m3u8", &p) ==
        "GET /stream/{content_id}/master.m3u8");
  CHECK(p == Params{{"content_id", "c1"}});
  CHECK(Dispatch(r, HttpMethod::kGet, "/stream/c1/720p/seg_1.m4s", &p) ==
        "GET /stream/{content_id}/{file...}");
  CHECK(p == Params{{"content_id", "c1"}, {"file", "720p/seg_1.m4s"}});
  CHECK(Dispatch(r, HttpMethod::kGet, "/stream/c1/manifest.mpd", &p) ==
        "GET /stream/{content_id}/{file...}");
  CHECK(p == Params{{"content_id", "c1"}, {"file", "manifest.mpd"}});
  // The rest is taken verbatim, empty segments and trailing slash included.
  CHECK(Dispatch(r, HttpMethod::kGet, "/stream/c1/a//b/", &p) ==
        "GET /stream/{content_id}/{file...}");
  CHECK(p == Params{{"content_id", "c1"}, {"file", "a//b/"}});
  // The catch-all needs at least one character.
  CHECK(r.Find(HttpMethod::kGet, "/stream/c1/").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/stream/c1").kind == Kind::kNotFound);

  CHECK(Dispatch(r, HttpMethod::kGet, "/users/u%20x/items/42", &p) ==
        "GET /users/{user}/items/{item}");
  CHECK(p == Params{{"user", "u%20x"}, {"item", "42"}});
  CHECK(r.Find(HttpMethod::kGet, "/users//items/42").kind == Kind::kNotFound);
}

TEST_CASE("Router: literal beats parameter beats catch-all, with backtracking", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/a/b/d").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/a/{x}/c").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/a/{x}").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/a/{rest...}").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/a/b").ok());

  Params p;
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/b/d", &p) == "GET /a/b/d");
  CHECK(p.empty());
  // "b" matches the literal first; the literal subtree has no "c", so the parameter is tried.
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/b/c", &p) == "GET /a/{x}/c");
  CHECK(p == Params{{"x", "b"}});
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/z/c", &p) == "GET /a/{x}/c");
  CHECK(p == Params{{"x", "z"}});
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/b", &p) == "GET /a/b");
  CHECK(p.empty());
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/q", &p) == "GET /a/{x}");
  CHECK(p == Params{{"x", "q"}});
  // Neither literal nor parameter branches go that deep: the catch-all takes it.
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/b/e", &p) == "GET /a/{rest...}");
  CHECK(p == Params{{"rest", "b/e"}});
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/z/c/d", &p) == "GET /a/{rest...}");
  CHECK(p == Params{{"rest", "z/c/d"}});  // the failed {x} attempt left no parameter behind
}

TEST_CASE("Router: backtracking also considers the method", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/items/new").ok());
  REQUIRE(AddTagged(r, HttpMethod::kDelete, "/items/{id}").ok());
  CHECK(Dispatch(r, HttpMethod::kGet, "/items/new") == "GET /items/new");
  CHECK(Dispatch(r, HttpMethod::kDelete, "/items/new") == "DELETE /items/{id}");
  auto m = r.Find(HttpMethod::kPost, "/items/new");
  CHECK(m.kind == Kind::kMethodNotAllowed);
  // Every method that some matching route accepts.
  CHECK(m.allowed ==
        std::vector<HttpMethod>{HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kDelete});
}

TEST_CASE("Router: HEAD falls back to GET, OPTIONS is not implied, 405 lists methods",
          "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/v").ok());
  REQUIRE(AddTagged(r, HttpMethod::kPut, "/v").ok());
  REQUIRE(AddTagged(r, HttpMethod::kHead, "/h").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/h").ok());
  REQUIRE(AddTagged(r, HttpMethod::kPost, "/p").ok());

  CHECK(Dispatch(r, HttpMethod::kHead, "/v") == "GET /v");
  CHECK(Dispatch(r, HttpMethod::kHead, "/h") == "HEAD /h");  // an explicit HEAD route wins

  auto m = r.Find(HttpMethod::kOptions, "/v");
  CHECK(m.kind == Kind::kMethodNotAllowed);
  CHECK(m.route == nullptr);
  CHECK(m.allowed ==
        std::vector<HttpMethod>{HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kPut});

  m = r.Find(HttpMethod::kHead, "/p");
  CHECK(m.kind == Kind::kMethodNotAllowed);
  CHECK(m.allowed == std::vector<HttpMethod>{HttpMethod::kPost});

  m = r.Find(HttpMethod::kOther, "/p");
  CHECK(m.kind == Kind::kMethodNotAllowed);
  CHECK(m.allowed == std::vector<HttpMethod>{HttpMethod::kPost});
  CHECK(r.Find(HttpMethod::kOther, "/nothing").kind == Kind::kNotFound);
}

TEST_CASE("Router: async handlers and options are kept", "[http][router]") {
  Router r;
  RouteOptions options;
  options.mode = HandlerMode::kInline;
  options.max_body_bytes = 1u << 30;
  bool called = false;
  REQUIRE(r.AddAsync(
               HttpMethod::kPatch, "/api/v1/tus/{id}",
               [&called](HttpRequest&, HttpResponder respond) {
                 called = true;
                 respond(HttpResponse::Text(204, ""));
               },
               options)
              .ok());
  auto m = r.Find(HttpMethod::kPatch, "/api/v1/tus/x");
  REQUIRE(m.kind == Kind::kFound);
  CHECK(m.route->pattern == "/api/v1/tus/{id}");
  CHECK(m.route->method == HttpMethod::kPatch);
  CHECK(m.route->options.mode == HandlerMode::kInline);
  CHECK(m.route->options.max_body_bytes == (1u << 30));
  CHECK_FALSE(m.route->handler);
  REQUIRE(m.route->async_handler);
  HttpRequest req;
  int status = 0;
  m.route->async_handler(req, [&status](HttpResponse resp) { status = resp.status; });
  CHECK(called);
  CHECK(status == 204);
}

TEST_CASE("Router: malformed patterns are InvalidArgument", "[http][router]") {
  Router r;
  for (const char* pattern : {
           "",
           "health",
           "/a//b",
           "/a/{}",
           "/a/{...}",
           "/a/{x",
           "/a/x}",
           "/a/{x}y",
           "/a/y{x}",
           "/a/{x-y}",
           "/a/{x y}",
           "/a/{rest...}/b",
           "/a/{rest...}/",
           "/a/{x}/{x}",
           "/a/{x}/{x...}",
           "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}",
       }) {
    INFO(pattern);
    Status s = AddTagged(r, HttpMethod::kGet, pattern);
    CHECK(s.code() == StatusCode::kInvalidArgument);
  }
  CHECK(r.Add(HttpMethod::kGet, "/ok", HttpHandler()).code() == StatusCode::kInvalidArgument);
  CHECK(AddTagged(r, HttpMethod::kOther, "/ok").code() == StatusCode::kInvalidArgument);
  // Nothing above was registered.
  CHECK(r.Find(HttpMethod::kGet, "/a/b").kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/ok").kind == Kind::kNotFound);
}

TEST_CASE("Router: conflicting parameter names and duplicates", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/a/{x}").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/f/{path...}").ok());
  Status s = AddTagged(r, HttpMethod::kPost, "/a/{y}/b");
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("{y}") != std::string::npos);
  CHECK(AddTagged(r, HttpMethod::kGet, "/f/{other...}").code() == StatusCode::kInvalidArgument);
  // Same name at the same position is fine.
  CHECK(AddTagged(r, HttpMethod::kPost, "/a/{x}/b").ok());
  CHECK(AddTagged(r, HttpMethod::kPost, "/a/{x}").ok());

  CHECK(AddTagged(r, HttpMethod::kGet, "/a/{x}").code() == StatusCode::kAlreadyExists);
  CHECK(AddTagged(r, HttpMethod::kGet, "/f/{path...}").code() == StatusCode::kAlreadyExists);
  // The original route is untouched.
  CHECK(Dispatch(r, HttpMethod::kGet, "/a/1") == "GET /a/{x}");
  CHECK(Dispatch(r, HttpMethod::kPost, "/a/1/b") == "POST /a/{x}/b");
}

TEST_CASE("Router: hostile paths", "[http][router]") {
  Router r;
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/f/{path...}").ok());
  REQUIRE(AddTagged(r, HttpMethod::kGet, "/x/{a}/{b}").ok());
  std::string deep = "/f";
  for (int i = 0; i < 10000; ++i) deep += "/..";
  Params p;
  CHECK(Dispatch(r, HttpMethod::kGet, deep, &p) == "GET /f/{path...}");
  CHECK(p.at(0).second.size() == deep.size() - 3);
  std::string slashes(10000, '/');
  CHECK(r.Find(HttpMethod::kGet, slashes).kind == Kind::kNotFound);
  CHECK(r.Find(HttpMethod::kGet, "/x/" + std::string(100000, 'a') + "/b").kind == Kind::kFound);
}

TEST_CASE("Router: move keeps routes", "[http][router]") {
  Router a;
  REQUIRE(AddTagged(a, HttpMethod::kGet, "/m").ok());
  Router b(std::move(a));
  CHECK(Dispatch(b, HttpMethod::kGet, "/m") == "GET /m");
  Router c;
  c = std::move(b);
  CHECK(Dispatch(c, HttpMethod::kGet, "/m") == "GET /m");
}
