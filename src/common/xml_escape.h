// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// XML text escaping for the documents the library writes (S3 requests, DASH manifests).
#pragma once

#include <string>
#include <string_view>

namespace streamgate::internal {

// Escapes & < > " ' so that the text is safe in element content and in quoted attributes.
std::string XmlEscape(std::string_view text);

}  // namespace streamgate::internal
