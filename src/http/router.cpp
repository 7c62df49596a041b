// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Router: a trie of path segments. Each node has literal children, at most one `{name}` child and
// at most one `{name...}` catch-all, plus a table of routes indexed by method.
//
// Matching rules (also what the tests pin down):
// - A path is split on '/'. "/" is one empty segment and a trailing slash adds an empty last
//   segment, so a trailing slash is significant: "/api/v1/tus/" and "/api/v1/tus" are different
//   routes, and neither matches the other's requests. No redirect is implied.
// - `{name}` matches one non-empty segment; `{name...}` matches the non-empty rest of the path,
//   slashes included ("/files/{p...}" matches "/files/a/b", not "/files/" nor "/files").
// - Literal beats `{name}` beats `{name...}`, with backtracking: when the higher-precedence branch
//   has no route for the request's method further down, the next branch is tried, so
//   "/a/{x}/c" and "/a/b/d" both work, and GET "/a/b" vs POST "/a/{x}" both work.
// - HEAD is served by a GET route when no HEAD route exists on the same node. OPTIONS is never
//   implied. kMethodNotAllowed lists every method any matching node accepts.
// - Matching works on the percent-decoded path, so an encoded "%2F" separates segments too; the
//   server rejects such paths where it matters (static files re-validate their parameter).
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/http.h"

namespace streamgate {
namespace {

// Methods a route can be registered for: every HttpMethod but kOther.
constexpr std::size_t kRoutableMethods = 7;
// Bounds the fixed-size parameter buffer of Find(), so that matching never allocates until a
// route is found. No sane pattern comes close.
constexpr std::size_t kMaxParams = 16;

constexpr std::size_t MethodIndex(HttpMethod method) { return static_cast<std::size_t>(method); }
constexpr uint32_t MethodBit(HttpMethod method) { return 1u << MethodIndex(method); }

struct Segment {
  enum class Kind { kLiteral, kParam, kCatchAll };
  Kind kind = Kind::kLiteral;
  std::string_view text;  // the literal, or the parameter's name
};

bool IsParamNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Splits and validates a pattern; the message says what is wrong with it.
Status ParsePattern(std::string_view pattern, std::vector<Segment>* out) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("route pattern \"" + std::string(pattern) +
                                   "\": " + std::string(why));
  };
  if (pattern.empty() || pattern.front() != '/') return invalid("must start with '/'");
  std::size_t pos = 1;
  while (true) {
    const std::size_t end = pattern.find('/', pos);
    const std::string_view text =
        pattern.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    const bool last = end == std::string_view::npos;
    Segment segment;
    if (!text.empty() && text.front() == '{') {
      if (text.back() != '}') return invalid("'{' without a closing '}' ending the segment");
      std::string_view name = text.substr(1, text.size() - 2);
      constexpr std::string_view kEllipsis = "...";
      segment.kind = Segment::Kind::kParam;
      if (name.size() >= kEllipsis.size() &&
          name.substr(name.size() - kEllipsis.size()) == kEllipsis) {
        segment.kind = Segment::Kind::kCatchAll;
        name.remove_suffix(kEllipsis.size());
        if (!last) return invalid("a {name...} parameter must be the last segment");
      }
      if (name.empty()) return invalid("unnamed parameter");
      if (!std::all_of(name.begin(), name.end(), IsParamNameChar)) {
        return invalid("parameter names are letters, digits and '_'");
      }
      for (const Segment& previous : *out) {
        if (previous.kind != Segment::Kind::kLiteral && previous.text == name) {
          return invalid("duplicate parameter name");
        }
      }
      segment.text = name;
    } else {
      if (text.find_first_of("{}") != std::string_view::npos) {
        return invalid("'{' and '}' must enclose a whole segment");
      }
      // Only the last segment may be empty ("/" and a trailing slash); "//" is a typo.
      if (text.empty() && !last) return invalid("empty segment");
      segment.text = text;
    }
    out->push_back(segment);
    if (last) break;
    pos = end + 1;
  }
  const auto params = std::count_if(
      out->begin(), out->end(), [](const Segment& s) { return s.kind != Segment::Kind::kLiteral; });
  if (static_cast<std::size_t>(params) > kMaxParams) return invalid("too many parameters");
  return Status::Ok();
}

}  // namespace

struct Router::Impl {
  struct Node {
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
    std::string param_name;
    std::unique_ptr<Node> param;
    std::string catch_all_name;
    std::unique_ptr<Node> catch_all;
    std::array<std::unique_ptr<Route>, kRoutableMethods> routes;
    // Methods this node answers (HEAD included when GET is there), for 405 responses.
    uint32_t allowed_mask = 0;
  };

  // The state of one Find(): views into the request's path and the trie, no allocation.
  struct Search {
    HttpMethod method;
    std::string_view path;
    std::array<std::pair<std::string_view, std::string_view>, kMaxParams> params;
    std::size_t param_count = 0;
    uint32_t allowed_mask = 0;
    const Route* found = nullptr;
  };

  Node root;

  Status Add(HttpMethod method, std::string_view pattern, Route route);
  static bool TryNode(const Node& node, Search& search);
  static bool Visit(const Node& node, std::size_t pos, Search& search);
};

Status Router::Impl::Add(HttpMethod method, std::string_view pattern, Route route) {
  if (MethodIndex(method) >= kRoutableMethods) {
    return Status::InvalidArgument("routes need a concrete method, not kOther");
  }
  if (!route.handler && !route.async_handler) {
    return Status::InvalidArgument("route " + std::string(pattern) + ": no handler");
  }
  std::vector<Segment> segments;
  STREAMGATE_RETURN_IF_ERROR(ParsePattern(pattern, &segments));

  // Conflicts can only arise on nodes that already exist, so a failing Add never leaves
  // half-built state behind that matters: new nodes are created only below the last existing one.
  Node* node = &root;
  for (const Segment& segment : segments) {
    switch (segment.kind) {
      case Segment::Kind::kLiteral: {
        auto it = std::find_if(node->literals.begin(), node->literals.end(),
                               [&](const auto& child) { return child.first == segment.text; });
        if (it == node->literals.end()) {
          node->literals.emplace_back(std::string(segment.text), std::make_unique<Node>());
          it = std::prev(node->literals.end());
        }
        node = it->second.get();
        break;
      }
      case Segment::Kind::kParam:
      case Segment::Kind::kCatchAll: {
        const bool catch_all = segment.kind == Segment::Kind::kCatchAll;
        std::unique_ptr<Node>& child = catch_all ? node->catch_all : node->param;
        std::string& name = catch_all ? node->catch_all_name : node->param_name;
        if (!child) {
          child = std::make_unique<Node>();
          name = std::string(segment.text);
        } else if (name != segment.text) {
          // Two names for one position would make Param() depend on which route matched.
          return Status::InvalidArgument("route pattern \"" + std::string(pattern) +
                                         "\": parameter {" + std::string(segment.text) +
                                         "} conflicts with {" + name + "} of another route");
        }
        node = child.get();
        break;
      }
    }
  }

  std::unique_ptr<Route>& slot = node->routes[MethodIndex(method)];
  if (slot) {
    return Status::AlreadyExists(std::string(HttpMethodName(method)) + " " + std::string(pattern) +
                                 " is already routed");
  }
  route.pattern = std::string(pattern);
  route.method = method;
  slot = std::make_unique<Route>(std::move(route));
  node->allowed_mask |= MethodBit(method);
  if (method == HttpMethod::kGet) node->allowed_mask |= MethodBit(HttpMethod::kHead);
  return Status::Ok();
}

bool Router::Impl::TryNode(const Node& node, Search& search) {
  if (node.allowed_mask == 0) return false;
  const std::size_t index = MethodIndex(search.method);
  if (index < kRoutableMethods && node.routes[index]) {
    search.found = node.routes[index].get();
    return true;
  }
  if (search.method == HttpMethod::kHead && node.routes[MethodIndex(HttpMethod::kGet)]) {
    search.found = node.routes[MethodIndex(HttpMethod::kGet)].get();
    return true;
  }
  search.allowed_mask |= node.allowed_mask;
  return false;
}

// `pos` is where the next segment starts, or npos when the whole path has been consumed.
bool Router::Impl::Visit(const Node& node, std::size_t pos, Search& search) {
  if (pos == std::string_view::npos) return TryNode(node, search);

  const std::string_view path = search.path;
  const std::size_t end = path.find('/', pos);
  const std::string_view segment =
      path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  const std::size_t next = end == std::string_view::npos ? std::string_view::npos : end + 1;

  for (const auto& [literal, child] : node.literals) {
    if (literal == segment) {
      if (Visit(*child, next, search)) return true;
      break;  // literals are unique per node
    }
  }
  if (node.param && !segment.empty()) {
    search.params[search.param_count++] = {node.param_name, segment};
    if (Visit(*node.param, next, search)) return true;
    --search.param_count;
  }
  if (node.catch_all && pos < path.size()) {
    search.params[search.param_count++] = {node.catch_all_name, path.substr(pos)};
    if (TryNode(*node.catch_all, search)) return true;
    --search.param_count;
  }
  return false;
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  std::vector<const Impl::Node*> pending = {&impl_->root};
  while (!pending.empty()) {
    const Impl::Node* node = pending.back();
    pending.pop_back();
    for (const std::unique_ptr<Route>& route : node->routes) {
      if (route) out.push_back({route->method, route->pattern});
    }
    for (const auto& [literal, child] : node->literals) pending.push_back(child.get());
    if (node->param) pending.push_back(node->param.get());
    if (node->catch_all) pending.push_back(node->catch_all.get());
  }
  std::sort(out.begin(), out.end(), [](const RouteInfo& a, const RouteInfo& b) {
    return a.pattern != b.pattern ? a.pattern < b.pattern
                                  : static_cast<int>(a.method) < static_cast<int>(b.method);
  });
  return out;
}

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::Add(HttpMethod method, std::string_view pattern, HttpHandler handler,
                   RouteOptions options) {
  Route route{};
  route.handler = std::move(handler);
  route.options = std::move(options);
  return impl_->Add(method, pattern, std::move(route));
}

Status Router::AddAsync(HttpMethod method, std::string_view pattern, AsyncHttpHandler handler,
                        RouteOptions options) {
  Route route{};
  route.async_handler = std::move(handler);
  route.options = std::move(options);
  return impl_->Add(method, pattern, std::move(route));
}

Router::Match Router::Find(HttpMethod method, std::string_view path) const {
  Match match;
  if (path.empty() || path.front() != '/') return match;

  Impl::Search search;
  search.method = method;
  search.path = path;
  if (Impl::Visit(impl_->root, 1, search)) {
    match.kind = MatchKind::kFound;
    match.route = search.found;
    match.params.reserve(search.param_count);
    for (std::size_t i = 0; i < search.param_count; ++i) {
      match.params.emplace_back(std::string(search.params[i].first),
                                std::string(search.params[i].second));
    }
    return match;
  }
  if (search.allowed_mask != 0) {
    match.kind = MatchKind::kMethodNotAllowed;
    for (std::size_t i = 0; i < kRoutableMethods; ++i) {
      if (search.allowed_mask & (1u << i)) match.allowed.push_back(static_cast<HttpMethod>(i));
    }
  }
  return match;
}

}  // namespace streamgate
