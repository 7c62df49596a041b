// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// Umbrella header: the whole public API of libstreamgate.
#pragma once

#include "streamgate/cache.h"
#include "streamgate/config.h"
#include "streamgate/event_bus.h"
#include "streamgate/http.h"
#include "streamgate/job_queue.h"
#include "streamgate/kernel.h"
#include "streamgate/logging.h"
#include "streamgate/object_store.h"
#include "streamgate/plugins.h"
#include "streamgate/result.h"
#include "streamgate/runtime.h"
#include "streamgate/service.h"
#include "streamgate/status.h"
#include "streamgate/version.h"
