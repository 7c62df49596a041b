// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Presigned GET URLs (SigV4 in the query string) of the S3 store, checked against an
// independent implementation: botocore's S3SigV4QueryAuth (/usr/bin/python3,
// python3-botocore) signs the same unsigned URL with the same credentials at the same fixed
// time, and the two URLs must be the same bytes. Plus AWS's published example.
#include "storage/s3_presign.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/s3_client.h"
#include "streamgate/object_store.h"

namespace streamgate {
namespace {

using internal::S3Client;

constexpr char kBotocoreScript[] = R"PY(
import json, sys
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for r in json.load(open(sys.argv[1])):
    auth = S3SigV4QueryAuth(Credentials(r['access_key'], r['secret_key']), 's3', r['region'],
                            expires=r['expires'])
    req = AWSRequest(method='GET', url=r['url'])
    # add_auth() with a fixed clock instead of the current time:
    req.context['timestamp'] = r['amz_date']
    auth._modify_request_before_signing(req)
    canonical = auth.canonical_request(req)
    signature = auth.signature(auth.string_to_sign(req, canonical), req)
    auth._inject_signature_to_request(req, signature)
    out.append(req.url)
print(json.dumps(out))
)PY";

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-presign-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  REQUIRE(::pclose(pipe) == 0);
  return output;
}

}  // namespace

TEST_CASE("Presigned GET URLs equal botocore's for the same time and credentials",
          "[s3][presign]") {
  constexpr int64_t kNow = 1795000000;  // 2026-11-18T11:06:40Z
  struct Case {
    std::string endpoint;
    bool path_style;
    std::string region;
    std::string key;
    int64_t expires;
  };
  const std::vector<Case> cases = {
      {"http://127.0.0.1:4568", true, "us-east-1", "media/abc/360p/seg_00001.m4s", 60},
      {"http://127.0.0.1:4568", true, "eu-west-1", "media/a b/ünïcode+plus=eq&amp;~x.mp4", 3600},
      {"https://s3.eu-west-1.amazonaws.com", false, "eu-west-1", "media/x/master.m3u8", 1},
      {"https://S3.Example.COM:443", true, "us-east-1", "a/b!c'd(e)f*g.m4s", 604800},
      {"http://minio.local:80", true, "us-east-1", "k", 300},
      {"http://[::1]:9000", true, "us-east-1", "media/v6/init.mp4", 60},
  };
  nlohmann::json requests = nlohmann::json::array();
  std::vector<std::string> ours;
  for (const Case& c : cases) {
    S3ObjectStoreOptions options;
    options.endpoint = c.endpoint;
    options.bucket = "streamgate-media";
    options.path_style = c.path_style;
    options.region = c.region;
    options.access_key = "AKIDSTREAMGATETEST";
    options.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    auto client = S3Client::Create(options);
    REQUIRE(client.ok());
    ours.push_back((*client)->PresignGet(c.key, c.expires, kNow));
    requests.push_back({{"url", (*client)->Url(c.key)},
                        {"access_key", options.access_key},
                        {"secret_key", options.secret_key},
                        {"region", c.region},
                        {"expires", c.expires},
                        {"amz_date", "20261118T110640Z"}});
  }
  TempDir dir;
  const auto script = dir.path / "presign.py";
  const auto input = dir.path / "requests.json";
  std::ofstream(script) << kBotocoreScript;
  std::ofstream(input) << requests.dump();
  const nlohmann::json theirs = nlohmann::json::parse(
      RunCommand("/usr/bin/python3 '" + script.string() + "' '" + input.string() + "'"));
  REQUIRE(theirs.size() == ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO(cases[i].endpoint << " " << cases[i].key);
    CHECK(ours[i] == theirs[i].get<std::string>());
    CHECK(ours[i].find("X-Amz-Signature=") != std::string::npos);
  }
}

TEST_CASE("Presigning reproduces AWS's documented example", "[s3][presign]") {
  // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", S3 API docs.
  internal::S3PresignRequest request;
  request.scheme = "https";
  request.authority = "examplebucket.s3.amazonaws.com";
  request.canonical_path = "/test.txt";
  request.region = "us-east-1";
  request.access_key = "AKIAIOSFODNN7EXAMPLE";
  request.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  request.now_unix = 1369353600;  // 2013-05-24T00:00:00Z
  request.expires_s = 86400;
  const std::string url = internal::PresignS3Get(request);
  CHECK(url ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("Presigning: host spelling, lifetimes and stores without the capability",
          "[s3][presign]") {
  CHECK(internal::S3CanonicalHost("http", "127.0.0.1:80") == "127.0.0.1");
  CHECK(internal::S3CanonicalHost("https", "127.0.0.1:80") == "127.0.0.1:80");
  CHECK(internal::S3CanonicalHost("https", "Bucket.S3.AMAZONAWS.com:443") ==
        "bucket.s3.amazonaws.com");
  CHECK(internal::S3CanonicalHost("http", "[::1]:80") == "[::1]");
  CHECK(internal::S3CanonicalHost("http", "[::1]") == "[::1]");

  S3ObjectStoreOptions options;
  options.endpoint = "http://127.0.0.1:4568";
  options.bucket = "streamgate-media";
  options.access_key = "AK";
  options.secret_key = "SK";
  options.key_prefix = "tenant/";
  auto store = NewS3ObjectStore(options);
  REQUIRE(store.ok());
  Result<std::string> url = (*store)->PresignGet("media/x/seg.m4s", 60);
  REQUIRE(url.ok());
  CHECK(url->rfind("http://127.0.0.1:4568/streamgate-media/tenant/media/x/seg.m4s?", 0) == 0);
  CHECK((*store)->PresignGet("../etc/passwd", 60).status().code() == StatusCode::kInvalidArgument);
  CHECK((*store)->PresignGet("media/x", 0).status().code() == StatusCode::kInvalidArgument);
  CHECK((*store)->PresignGet("media/x", 604801).status().code() == StatusCode::kInvalidArgument);

  TempDir dir;
  auto local = NewLocalObjectStore({dir.path.string(), false});
  REQUIRE(local.ok());
  CHECK((*local)->PresignGet("media/x", 60).status().code() == StatusCode::kUnimplemented);
}

}  // namespace streamgate
