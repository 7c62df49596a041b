// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The plugins that ship with libstreamgate, one per service. The monolith registers all of them
// but the gateway; each microservice registers its own. Each factory returns a fresh plugin that
// reads its settings from the Config it receives in Init().
#pragma once

#include <memory>

#include "streamgate/kernel.h"

namespace streamgate {

std::unique_ptr<Plugin> NewGatewayPlugin();     // api-gateway, 9090
std::unique_ptr<Plugin> NewUploadPlugin();      // upload, 9091
std::unique_ptr<Plugin> NewTranscoderPlugin();  // transcoder, 9092
std::unique_ptr<Plugin> NewStreamingPlugin();   // streaming, 9093
std::unique_ptr<Plugin> NewMetadataPlugin();    // metadata, 9005
std::unique_ptr<Plugin> NewCachePlugin();       // cache, 9006
std::unique_ptr<Plugin> NewAuthPlugin();        // auth, 9007
std::unique_ptr<Plugin> NewWorkerPlugin();      // worker, 9008
std::unique_ptr<Plugin> NewMonitorPlugin();     // monitor, 9009
// The browser app at `/` (web.* settings, docs/web.md); the monolith registers it.
std::unique_ptr<Plugin> NewWebPlugin();

}  // namespace streamgate
