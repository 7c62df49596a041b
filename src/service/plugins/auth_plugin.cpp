// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The auth plugin: routes for wallet challenges, signature verification and session tokens,
// mapped onto the Authenticator (src/auth/). It Provides the Authenticator in Init so that other
// plugins can check `Authorization: Bearer` tokens, and binds the nonce store in Start: the
// shared Cache when a cache plugin provides one, else an in-process LRU of its own.
// NFT ownership (verify-nft) is wired to the chain API by its own route.
#include <nlohmann/json.hpp>

#include "auth/deferred_cache.h"
#include "common/log.h"
#include "service/plugins/service_plugin.h"
#include "streamgate/authenticator.h"
#include "streamgate/cache.h"
#include "streamgate/metadata_store.h"
#include "streamgate/monitor.h"
#include "streamgate/ownership.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxAuthBodyBytes = 16 * 1024;

HttpResponse JsonOk(const Json& body) {
  return HttpResponse::Json(200, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

// The request body as a JSON object; an empty body is an empty object.
Result<Json> BodyObject(const HttpRequest& request) {
  if (request.body.empty()) return Json::object();
  Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return body;
}

// A string field ("" when absent); `allow_number` also takes a JSON integer ({"chain": 1}).
Result<std::string> StringField(const Json& body, const char* name, bool allow_number = false) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (allow_number && it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  return Status::InvalidArgument(std::string(name) + " must be a string");
}

Json ClaimsJson(const SessionClaims& claims) {
  return Json{{"sub", claims.sub}, {"chain", claims.chain}, {"iss", claims.iss},
              {"aud", claims.aud}, {"jti", claims.jti},     {"scheme", claims.scheme},
              {"iat", claims.iat}, {"exp", claims.exp}};
}

class AuthPlugin final : public ServicePlugin {
 public:
  AuthPlugin() : ServicePlugin("auth") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    services_ = &context.services;
    AuthenticatorOptions options = context.config.auth;
    if (options.jwt_keys.empty() && options.jwt_key_file.empty()) {
      options.jwt_key_file = context.config.data_dir + "/auth/session_keys";
    }
    nonces_ = std::make_shared<DeferredCache>();
    Result<std::unique_ptr<Authenticator>> created = Authenticator::Create(options, nonces_);
    if (!created.ok()) return created.status();
    authenticator_ = std::shared_ptr<Authenticator>(std::move(*created));
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<Authenticator>(authenticator_));
    // Ownership answers are cached in the same store as nonces (their own key prefix).
    Result<std::unique_ptr<OwnershipVerifier>> verifier =
        OwnershipVerifier::Create(context.config.chain, nonces_);
    if (!verifier.ok()) return verifier.status().WithContext("chain");
    verifier_ = std::shared_ptr<OwnershipVerifier>(std::move(*verifier));
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<OwnershipVerifier>(verifier_));

    STREAMGATE_ASSIGN_OR_RETURN(
        attempts_, context.metrics.AddCounter("streamgate_auth_attempts_total",
                                              "Wallet sign-in attempts, by scheme and result.",
                                              {"scheme", "result"}));
    RouteOptions route;
    route.max_body_bytes = kMaxAuthBodyBytes;
    auto challenge = [this](HttpRequest& request) { return Challenge(request); };
    STREAMGATE_RETURN_IF_ERROR(
        context.router.Add(HttpMethod::kGet, "/api/v1/auth/challenge", challenge, route));
    STREAMGATE_RETURN_IF_ERROR(
        context.router.Add(HttpMethod::kPost, "/api/v1/auth/challenge", challenge, route));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(
        HttpMethod::kPost, "/api/v1/auth/verify-signature",
        [this](HttpRequest& request) { return VerifySignature(request); }, route));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(
        HttpMethod::kPost, "/api/v1/auth/verify-token",
        [this](HttpRequest& request) { return VerifyToken(request); }, route));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(
        HttpMethod::kPost, "/api/v1/auth/verify-nft",
        [this](HttpRequest& request) { return VerifyNft(request); }, route));
    return Status::Ok();
  }

  Status Start() override {
    std::shared_ptr<Cache> cache = services_->Find<Cache>();
    if (cache == nullptr) {
      LruCacheOptions lru;
      lru.max_bytes = std::size_t{16} << 20;  // ~40k outstanding challenges
      cache = std::shared_ptr<Cache>(NewLruCache(lru));
      Logger("auth")->info("nonce store: in-process LRU (no shared cache provided)");
    } else {
      Logger("auth")->info("nonce store: shared {} cache", cache->backend());
    }
    nonces_->Bind(std::move(cache));
    return Status::Ok();
  }

 private:
  HttpResponse Challenge(HttpRequest& request) {
    ChallengeRequest challenge_request;
    if (request.method == HttpMethod::kPost) {
      Result<Json> body = BodyObject(request);
      if (!body.ok()) return HttpResponse::Error(body.status());
      Result<std::string> address = StringField(*body, "address");
      Result<std::string> chain = StringField(*body, "chain", /*allow_number=*/true);
      if (!address.ok()) return HttpResponse::Error(address.status());
      if (!chain.ok()) return HttpResponse::Error(chain.status());
      challenge_request.address = std::move(*address);
      challenge_request.chain = std::move(*chain);
    } else {
      challenge_request.address = std::string(request.Query("address"));
      challenge_request.chain = std::string(request.Query("chain"));
    }
    Result<streamgate::Challenge> challenge = authenticator_->IssueChallenge(challenge_request);
    if (!challenge.ok()) return HttpResponse::Error(challenge.status());
    Json out = {{"nonce", challenge->nonce},
                {"address", challenge->address},
                {"chain", challenge->chain},
                {"scheme", challenge->scheme_hint},
                {"message", challenge->message},
                {"domain", authenticator_->options().domain},
                {"uri", authenticator_->options().uri},
                {"issued_at", challenge->issued_at},
                {"expiration_time", challenge->expiration_time},
                {"expires_at", challenge->expires_at}};
    if (!challenge->typed_data.empty()) out["typed_data"] = Json::parse(challenge->typed_data);
    HttpResponse response = JsonOk(out);
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }

  HttpResponse VerifySignature(HttpRequest& request) {
    Result<Json> body = BodyObject(request);
    if (!body.ok()) return HttpResponse::Error(body.status());
    VerifySignatureRequest verify;
    for (auto [name, field] :
         {std::pair{"scheme", &verify.scheme}, std::pair{"address", &verify.address},
          std::pair{"message", &verify.message}, std::pair{"signature", &verify.signature}}) {
      Result<std::string> value = StringField(*body, name);
      if (!value.ok()) return HttpResponse::Error(value.status());
      *field = std::move(*value);
    }
    // eip712 may send the typed data as an object under "typed_data" (or as text in "message").
    if (body->contains("typed_data") && verify.message.empty()) {
      const Json& typed = (*body)["typed_data"];
      verify.message = typed.is_string() ? typed.get<std::string>() : typed.dump();
    }
    if (verify.scheme.empty() || verify.address.empty() || verify.signature.empty() ||
        verify.message.empty()) {
      return HttpResponse::Error(Status::InvalidArgument(
          "scheme, address, signature and message (or typed_data) are required"));
    }
    Result<Session> session = authenticator_->VerifySignature(verify);
    CountAttempt(verify.scheme, session.ok());
    if (!session.ok()) return HttpResponse::Error(session.status());
    HttpResponse response = JsonOk({{"token", session->token},
                                    {"token_type", "Bearer"},
                                    {"expires_at", session->claims.exp},
                                    {"claims", ClaimsJson(session->claims)}});
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }

  HttpResponse VerifyToken(HttpRequest& request) {
    std::string token;
    const std::string_view authorization = request.Header("Authorization");
    if (!request.body.empty()) {
      Result<Json> body = BodyObject(request);
      if (!body.ok()) return HttpResponse::Error(body.status());
      Result<std::string> field = StringField(*body, "token");
      if (!field.ok()) return HttpResponse::Error(field.status());
      token = std::move(*field);
    }
    Result<SessionClaims> claims =
        !token.empty() ? authenticator_->VerifySessionToken(token)
        : !authorization.empty()
            ? authenticator_->VerifyBearer(authorization)
            : Result<SessionClaims>(Status::Unauthenticated("no session token given"));
    if (!claims.ok()) {
      HttpResponse response = HttpResponse::Error(claims.status());
      response.headers.Set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return response;
    }
    return JsonOk({{"valid", true}, {"claims", ClaimsJson(*claims)}});
  }

  // POST /api/v1/auth/verify-nft (session required): does the caller's own wallet hold what a
  // rule names? The rule is a content item's stored rule ({"content_id"}) or one given inline
  // ({"rule": {...}}) for a wallet UI to show; either way only the session's wallet is checked,
  // and the answer grants nothing (playback tokens come from the streaming gate). Chain
  // failures are 503, never "not owned".
  HttpResponse VerifyNft(HttpRequest& request) {
    Result<SessionClaims> claims = authenticator_->VerifyBearer(request.Header("Authorization"));
    if (!claims.ok()) {
      HttpResponse response = HttpResponse::Error(claims.status());
      response.headers.Set("WWW-Authenticate", "Bearer");
      return response;
    }
    Result<Json> body = BodyObject(request);
    if (!body.ok()) return HttpResponse::Error(body.status());
    Result<std::string> content_id = StringField(*body, "content_id");
    if (!content_id.ok()) return HttpResponse::Error(content_id.status());
    std::string rule_json;
    if (!content_id->empty()) {
      std::shared_ptr<MetadataStore> metadata = services_->Find<MetadataStore>();
      if (metadata == nullptr) {
        return HttpResponse::Error(
            Status::FailedPrecondition("content rules need the metadata plugin in this process"));
      }
      Result<ContentItem> item = metadata->Get(*content_id);
      if (!item.ok()) return HttpResponse::Error(item.status());
      if (item->gating_rule_json.empty()) {
        return JsonOk({{"wallet", claims->sub}, {"owned", true}, {"reason", "public content"}});
      }
      rule_json = item->gating_rule_json;
    } else if (body->contains("rule") && (*body)["rule"].is_object()) {
      rule_json = (*body)["rule"].dump();
    } else {
      return HttpResponse::Error(Status::InvalidArgument("give content_id or rule (an object)"));
    }
    Result<GatingRule> rule = ParseGatingRule(rule_json);
    if (!rule.ok()) return HttpResponse::Error(rule.status());
    Result<OwnershipDecision> decision = verifier_->Check(*rule, claims->sub);
    if (!decision.ok()) {
      const StatusCode code = decision.status().code() == StatusCode::kInvalidArgument
                                  ? StatusCode::kInvalidArgument
                                  : StatusCode::kUnavailable;
      return HttpResponse::Error(
          Status(code, "ownership could not be verified: " + decision.status().message()));
    }
    return JsonOk({{"wallet", claims->sub},
                   {"owned", decision->owned()},
                   {"reason", decision->reason},
                   {"from_cache", decision->from_cache}});
  }

  // Label values are fixed (never request text), so a client cannot grow the series.
  void CountAttempt(std::string_view scheme, bool success) {
    const bool known =
        scheme == "eip191" || scheme == "siwe" || scheme == "eip712" || scheme == "solana";
    attempts_
        ->WithLabels({known ? scheme : std::string_view("other"), success ? "success" : "failure"})
        .Inc();
  }

  ServiceRegistry* services_ = nullptr;
  CounterFamily* attempts_ = nullptr;
  std::shared_ptr<OwnershipVerifier> verifier_;
  std::shared_ptr<DeferredCache> nonces_;
  std::shared_ptr<Authenticator> authenticator_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewAuthPlugin() { return std::make_unique<internal::AuthPlugin>(); }

}  // namespace streamgate
