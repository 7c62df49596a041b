// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metadata plugin: content items, gating rules and search over HTTP, kept up to date by
// the upload and transcoder events. It opens <data_dir>/metadata.db, Provides the
// MetadataStore to other plugins, and publishes `content.updated` after every change, whoever
// made it (the store's on_change hook), so that caches invalidate.
#include <atomic>
#include <charconv>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/log.h"
#include "service/plugins/service_plugin.h"
#include "service/session_caller.h"
#include "streamgate/metadata_store.h"
#include "streamgate/ownership.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

using json = nlohmann::json;

constexpr std::string_view kOwnerHeader = "X-StreamGate-Owner";
constexpr std::string_view kAnonymous = "anonymous";
constexpr std::size_t kMaxOwnerBytes = 256;
constexpr std::size_t kMaxTitleFromFilename = 200;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse JsonResponse(int status, const json& body) {
  return HttpResponse::Json(status, Dump(body));
}

json ItemToJson(const ContentItem& item) {
  json out;
  out["id"] = item.id;
  out["owner"] = item.owner;
  out["title"] = item.title;
  out["description"] = item.description;
  out["tags"] = item.tags;
  out["duration_s"] = item.duration_s;
  out["state"] = std::string(ContentStateName(item.state));
  out["renditions"] = json::parse(item.renditions_json, nullptr, false);
  if (out["renditions"].is_discarded()) out["renditions"] = json::array();
  out["gating_rule"] = item.gating_rule_json.empty()
                           ? json(nullptr)
                           : json::parse(item.gating_rule_json, nullptr, false);
  if (out["gating_rule"].is_discarded()) out["gating_rule"] = nullptr;
  out["poster"] = item.poster_key;
  out["hls"] = item.hls_key;
  out["dash"] = item.dash_key;
  out["created_unix_ms"] = item.created_unix_ms;
  out["updated_unix_ms"] = item.updated_unix_ms;
  return out;
}

json PageToJson(const ContentPage& page) {
  json items = json::array();
  for (const ContentItem& item : page.items) items.push_back(ItemToJson(item));
  return json{{"items", std::move(items)}, {"next_cursor", page.next_cursor}};
}

Result<std::size_t> ParseLimit(const HttpRequest& request, std::size_t fallback) {
  if (!request.HasQuery("limit")) return fallback;
  const std::string_view text = request.Query("limit");
  std::size_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("limit must be a positive integer");
  }
  return value;
}

// The fields of a create/update body a caller may set. Unknown fields are errors, so that a
// typo ("tittle") is not silently ignored.
Status ReadEditableFields(const json& body, ContentPatch& patch, bool allow_id) {
  for (const auto& [name, value] : body.items()) {
    if (name == "id" && allow_id) continue;
    if (name == "title" || name == "description") {
      if (!value.is_string()) return Status::InvalidArgument(name + " must be a string");
      (name == "title" ? patch.title : patch.description) = value.get<std::string>();
    } else if (name == "tags") {
      if (!value.is_array()) return Status::InvalidArgument("tags must be an array of strings");
      std::vector<std::string> tags;
      for (const json& tag : value) {
        if (!tag.is_string()) return Status::InvalidArgument("tags must be an array of strings");
        tags.push_back(tag.get<std::string>());
      }
      patch.tags = std::move(tags);
    } else if (name == "gating_rule") {
      if (value.is_null()) {
        patch.gating_rule_json = "";
      } else if (value.is_object()) {
        // Validated and stored in canonical form: the streaming gate parses it on every start.
        Result<GatingRule> rule = ParseGatingRule(Dump(value));
        if (!rule.ok()) return rule.status().WithContext("gating_rule");
        patch.gating_rule_json = GatingRuleToJson(*rule);
      } else {
        return Status::InvalidArgument("gating_rule must be a JSON object or null");
      }
    } else {
      return Status::InvalidArgument("unknown or read-only field \"" + name + "\"");
    }
  }
  return Status::Ok();
}

Result<json> ParseBody(const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!body.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return body;
}

// "clip.final.mp4" -> "clip.final": a readable default title from an upload's file name.
std::string TitleFromFilename(std::string_view filename) {
  const std::size_t slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  const std::size_t dot = filename.rfind('.');
  if (dot != std::string_view::npos && dot > 0) filename = filename.substr(0, dot);
  std::string title;
  for (const char c : filename) {
    const auto u = static_cast<unsigned char>(c);
    title += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  if (title.size() > kMaxTitleFromFilename) {
    title.resize(kMaxTitleFromFilename);
    // Do not end inside a UTF-8 sequence.
    while (!title.empty() && (static_cast<unsigned char>(title.back()) & 0xC0) == 0x80) {
      title.pop_back();
    }
    if (!title.empty() && static_cast<unsigned char>(title.back()) >= 0xC0) title.pop_back();
  }
  return title;
}

std::string StringField(const json& data, const char* name) {
  const auto it = data.find(name);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class MetadataPlugin final : public ServicePlugin {
 public:
  MetadataPlugin() : ServicePlugin("metadata") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    events_ = &context.events;
    services_ = &context.services;
    std::error_code ec;
    std::filesystem::create_directories(config().data_dir, ec);
    MetadataStoreOptions options;
    options.path = (std::filesystem::path(config().data_dir) / "metadata.db").string();
    options.max_page_size = config().metadata.max_page_size;
    EventBus* events = events_;
    options.on_change = [events](const std::string& content_id) {
      Event event;
      event.type = "content.updated";
      event.data = Dump(json{{"content_id", content_id}});
      const Status published = events->Publish(std::move(event));
      if (!published.ok()) {
        Logger("metadata")->warn("cannot publish content.updated: {}", published.ToString());
      }
    };
    Result<std::unique_ptr<MetadataStore>> store = MetadataStore::Open(options);
    if (!store.ok()) return store.status().WithContext("metadata store");
    store_ = std::shared_ptr<MetadataStore>(std::move(store).value());
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<MetadataStore>(store_));

    subscriptions_.push_back(context.events.Subscribe(
        "upload.completed", [this](const Event& event) { OnUploadCompleted(event); }));
    subscriptions_.push_back(context.events.Subscribe(
        "transcode.completed", [this](const Event& event) { OnTranscodeCompleted(event); }));
    subscriptions_.push_back(context.events.Subscribe(
        "transcode.failed", [this](const Event& event) { OnTranscodeFailed(event); }));
    subscriptions_.push_back(context.events.Subscribe(
        "transcode.progress", [this](const Event& event) { OnTranscodeProgress(event); }));

    Router& router = context.router;
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/metadata",
                                          [this](HttpRequest& r) { return HandleGet(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kPost, "/api/v1/metadata/create",
                                          [this](HttpRequest& r) { return HandleCreate(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kPut, "/api/v1/metadata/update",
                                          [this](HttpRequest& r) { return HandleUpdate(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kDelete, "/api/v1/metadata/delete",
                                          [this](HttpRequest& r) { return HandleDelete(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/metadata/search",
                                          [this](HttpRequest& r) { return HandleSearch(r); }));
    return Status::Ok();
  }

  Status Start() override {
    STREAMGATE_ASSIGN_OR_RETURN(sessions_, FindOrCreateSessionVerifier(*services_, config()));
    return Status::Ok();
  }

  Status Stop() override {
    for (const SubscriptionId id : subscriptions_) events_->Unsubscribe(id);
    subscriptions_.clear();
    return Status::Ok();
  }

  HealthReport Health() const override {
    if (store_ == nullptr) return {HealthState::kUnhealthy, "metadata store not open"};
    // An index lookup, cheap at any catalogue size; NotFound proves the database answers.
    const Result<ContentItem> probe = store_->Get("health-probe");
    if (!probe.ok() && probe.status().code() != StatusCode::kNotFound) {
      return {HealthState::kUnhealthy, "metadata store unreadable"};
    }
    return {};
  }

 private:
  // The caller's identity: the wallet of a valid session ("Authorization: Bearer …"; a bad
  // token is 401). Without a session, a trusted front end (or a test) may name the caller in
  // X-StreamGate-Owner when metadata.trust_owner_header is set; everyone else is "anonymous".
  Result<std::string> Caller(const HttpRequest& request) const {
    STREAMGATE_ASSIGN_OR_RETURN(std::string wallet, SessionWallet(request, *sessions_));
    if (!wallet.empty()) return wallet;
    if (!config().metadata.trust_owner_header) return std::string(kAnonymous);
    const std::string_view owner = request.Header(kOwnerHeader);
    if (owner.empty()) return std::string(kAnonymous);
    if (owner.size() > kMaxOwnerBytes) return Status::InvalidArgument("owner header too long");
    for (const char c : owner) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7F) {
        return Status::InvalidArgument("owner header must be printable ASCII without spaces");
      }
    }
    return std::string(owner);
  }

  HttpResponse HandleGet(HttpRequest& request) {
    if (request.HasQuery("id")) {
      Result<ContentItem> item = store_->Get(request.Query("id"));
      if (!item.ok()) return HttpResponse::Error(item.status());
      return JsonResponse(200, ItemToJson(*item));
    }
    ContentListQuery query;
    Result<std::size_t> limit = ParseLimit(request, 20);
    if (!limit.ok()) return HttpResponse::Error(limit.status());
    query.limit = *limit;
    query.cursor = std::string(request.Query("cursor"));
    if (request.HasQuery("owner")) query.owner = std::string(request.Query("owner"));
    if (request.HasQuery("state")) {
      Result<ContentState> state = ParseContentState(request.Query("state"));
      if (!state.ok()) return HttpResponse::Error(state.status());
      query.state = *state;
    }
    Result<ContentPage> page = store_->List(query);
    if (!page.ok()) return HttpResponse::Error(page.status());
    return JsonResponse(200, PageToJson(*page));
  }

  HttpResponse HandleSearch(HttpRequest& request) {
    ContentSearchQuery query;
    if (!request.HasQuery("q")) {
      return HttpResponse::Error(Status::InvalidArgument("missing query parameter q"));
    }
    query.text = std::string(request.Query("q"));
    Result<std::size_t> limit = ParseLimit(request, 20);
    if (!limit.ok()) return HttpResponse::Error(limit.status());
    query.limit = *limit;
    query.cursor = std::string(request.Query("cursor"));
    Result<ContentPage> page = store_->Search(query);
    if (!page.ok()) return HttpResponse::Error(page.status());
    return JsonResponse(200, PageToJson(*page));
  }

  HttpResponse HandleCreate(HttpRequest& request) {
    Result<std::string> caller = Caller(request);
    if (!caller.ok()) return HttpResponse::Error(caller.status());
    Result<json> body = ParseBody(request);
    if (!body.ok()) return HttpResponse::Error(body.status());
    ContentPatch fields;
    Status read = ReadEditableFields(*body, fields, /*allow_id=*/true);
    if (!read.ok()) return HttpResponse::Error(read);
    ContentItem item;
    if (body->contains("id")) {
      if (!(*body)["id"].is_string()) {
        return HttpResponse::Error(Status::InvalidArgument("id must be a string"));
      }
      item.id = (*body)["id"].get<std::string>();
    }
    item.owner = *caller;
    item.title = fields.title.value_or("");
    item.description = fields.description.value_or("");
    item.tags = fields.tags.value_or(std::vector<std::string>{});
    item.gating_rule_json = fields.gating_rule_json.value_or("");
    item.state = ContentState::kUploading;
    Result<ContentItem> created = store_->Create(std::move(item));
    if (!created.ok()) return HttpResponse::Error(created.status());
    return JsonResponse(201, ItemToJson(*created));
  }

  HttpResponse HandleUpdate(HttpRequest& request) {
    Result<std::string> caller = Caller(request);
    if (!caller.ok()) return HttpResponse::Error(caller.status());
    Result<json> body = ParseBody(request);
    if (!body.ok()) return HttpResponse::Error(body.status());
    const auto id = body->find("id");
    if (id == body->end() || !id->is_string()) {
      return HttpResponse::Error(Status::InvalidArgument("id (a string) is required"));
    }
    ContentPatch patch;
    Status read = ReadEditableFields(*body, patch, /*allow_id=*/true);
    if (!read.ok()) return HttpResponse::Error(read);
    Result<ContentItem> updated = store_->Update(id->get<std::string>(), patch, *caller);
    if (!updated.ok()) return HttpResponse::Error(updated.status());
    return JsonResponse(200, ItemToJson(*updated));
  }

  HttpResponse HandleDelete(HttpRequest& request) {
    Result<std::string> caller = Caller(request);
    if (!caller.ok()) return HttpResponse::Error(caller.status());
    if (!request.HasQuery("id")) {
      return HttpResponse::Error(Status::InvalidArgument("missing query parameter id"));
    }
    const Status deleted = store_->Delete(request.Query("id"), *caller);
    if (!deleted.ok()) return HttpResponse::Error(deleted);
    return JsonResponse(200, json{{"deleted", true}, {"id", request.Query("id")}});
  }

  // --- events (contracts in the briefing) ---

  static std::optional<json> ParseEvent(const Event& event) {
    json data = json::parse(event.data, nullptr, false);
    if (!data.is_object() || StringField(data, "content_id").empty()) {
      Logger("metadata")->warn("ignoring malformed {} event", event.type);
      return std::nullopt;
    }
    return data;
  }

  void OnUploadCompleted(const Event& event) {
    const std::optional<json> data = ParseEvent(event);
    if (!data) return;
    const std::string id = StringField(*data, "content_id");
    ContentItem item;
    item.id = id;
    item.owner = StringField(*data, "owner");
    if (item.owner.empty()) item.owner = std::string(kAnonymous);
    item.title = TitleFromFilename(StringField(*data, "filename"));
    item.state = ContentState::kUploaded;
    Result<ContentItem> created = store_->Create(item);
    if (created.ok()) return;
    if (created.status().code() == StatusCode::kAlreadyExists) {
      // Created beforehand through the API (state uploading), or a redelivered event: only
      // move it forward.
      ContentPatch patch;
      patch.state = ContentState::kUploaded;
      patch.only_if_state = ContentState::kUploading;
      Result<ContentItem> existing = store_->Get(id);
      if (existing.ok() && existing->title.empty()) patch.title = item.title;
      LogUnlessStale(store_->UpdateTrusted(id, patch).status(), event);
      return;
    }
    Log(created.status(), event);
  }

  void OnTranscodeCompleted(const Event& event) {
    const std::optional<json> data = ParseEvent(event);
    if (!data) return;
    ContentPatch patch;
    patch.state = ContentState::kReady;
    if (const auto it = data->find("duration_s"); it != data->end() && it->is_number()) {
      patch.duration_s = it->get<double>();
    }
    if (const auto it = data->find("renditions"); it != data->end() && it->is_array()) {
      patch.renditions_json = Dump(*it);
    }
    patch.poster_key = StringField(*data, "poster");
    patch.hls_key = StringField(*data, "hls");
    patch.dash_key = StringField(*data, "dash");
    Log(store_->UpdateTrusted(StringField(*data, "content_id"), patch).status(), event);
  }

  void OnTranscodeFailed(const Event& event) {
    const std::optional<json> data = ParseEvent(event);
    if (!data) return;
    ContentPatch patch;
    patch.state = ContentState::kFailed;
    Logger("metadata")
        ->warn("transcode of {} failed: {}", StringField(*data, "content_id"),
               StringField(*data, "reason"));
    Log(store_->UpdateTrusted(StringField(*data, "content_id"), patch).status(), event);
  }

  void OnTranscodeProgress(const Event& event) {
    const std::optional<json> data = ParseEvent(event);
    if (!data) return;
    // Only the first progress report changes anything (uploaded -> processing).
    ContentPatch patch;
    patch.state = ContentState::kProcessing;
    patch.only_if_state = ContentState::kUploaded;
    LogUnlessStale(store_->UpdateTrusted(StringField(*data, "content_id"), patch).status(), event);
  }

  // FailedPrecondition means the item has already moved past what the event would set.
  static void LogUnlessStale(const Status& status, const Event& event) {
    if (status.code() != StatusCode::kFailedPrecondition) Log(status, event);
  }

  static void Log(const Status& status, const Event& event) {
    if (!status.ok()) {
      Logger("metadata")
          ->warn("{} event {} not applied: {}", event.type, event.id, status.ToString());
    }
  }

  EventBus* events_ = nullptr;
  std::shared_ptr<MetadataStore> store_;
  ServiceRegistry* services_ = nullptr;
  std::shared_ptr<Authenticator> sessions_;  // set in Start()
  std::vector<SubscriptionId> subscriptions_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewMetadataPlugin() { return std::make_unique<internal::MetadataPlugin>(); }

}  // namespace streamgate
