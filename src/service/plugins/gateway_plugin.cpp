// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The gateway plugin: api-gateway (port 9090), the single entry point in microservices mode. It
// routes every /api/v1/<prefix> and /stream/ request to its service (gateway.<service>_url),
// enforces sessions, rate limits and CORS, and lists the services it watches on
// GET /api/v1/gateway/services. Health is degraded, naming them, while services are down.
#include "service/plugins/service_plugin.h"
#include "service/session_caller.h"
#include "streamgate/gateway.h"
#include "streamgate/logging.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class GatewayPlugin final : public ServicePlugin {
 public:
  GatewayPlugin() : ServicePlugin("gateway") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    // Session JWTs are checked with the auth configuration's keys (the auth service's own, when
    // both share auth.jwt_keys or the key file under the data directory).
    std::shared_ptr<const Authenticator> sessions;
    Result<std::shared_ptr<Authenticator>> verifier =
        FindOrCreateSessionVerifier(context.services, context.config);
    if (verifier.ok()) {
      sessions = std::move(*verifier);
    } else {
      Log(LogLevel::kWarn, "gateway",
          "sessions cannot be verified (" + verifier.status().message() +
              "): routes that need one answer 401");
    }
    STREAMGATE_ASSIGN_OR_RETURN(
        gateway_, Gateway::Create(context.config.gateway, context.runtime, std::move(sessions)));
    return gateway_->RegisterRoutes(context.router);
  }

  Status Start() override { return gateway_->Start(); }

  Status Stop() override {
    gateway_->Stop();
    return Status::Ok();
  }

  HealthReport Health() const override {
    if (!gateway_) return {};
    const std::string down = gateway_->DownServices();
    if (down.empty()) return {};
    return {HealthState::kDegraded, "services down: " + down};
  }

 private:
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewGatewayPlugin() { return std::make_unique<internal::GatewayPlugin>(); }

}  // namespace streamgate
