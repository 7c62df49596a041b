// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// SigV4 correctness of every S3 request the object store sends, checked independently of any
// S3 server (s3rver does not verify signatures): the requests go to a local HttpServer that
// records them, and botocore's signer (/usr/bin/python3, python3-botocore) recomputes each
// signature from the recorded method, URL, signed headers, body and X-Amz-Date. Plus one AWS
// SigV4 test-suite vector (get-vanilla) reproduced through libcurl.
#include <curl/curl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/s3_client.h"
#include "storage/s3_payload_hash.h"
#include "streamgate/http.h"
#include "streamgate/runtime.h"

namespace streamgate {
namespace {

using internal::CurlBody;
using internal::S3Client;

constexpr char kAccessKey[] = "AKIDSTREAMGATETEST";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Captured {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
};

// An HTTP server that records every request and answers with a body that satisfies each S3
// response parser (UploadId, ListBucketResult) and an ETag.
class RecordingServer {
 public:
  RecordingServer() {
    runtime_ = std::move(Runtime::Create(RuntimeOptions{1, 2})).value();
    auto router = std::make_shared<Router>();
    RouteOptions options;
    options.max_body_bytes = uint64_t{64} << 20;
    const HttpHandler handler = [this](HttpRequest& request) {
      Captured captured;
      captured.method = request.method_name;
      captured.target = request.target;
      for (const auto& [name, value] : request.headers.entries()) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        captured.headers.emplace_back(lower, value);
      }
      captured.body = request.body;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(std::move(captured));
      }
      HttpResponse response = HttpResponse::Text(
          200,
          "<ListBucketResult><UploadId>upload-1</UploadId><IsTruncated>false</IsTruncated>"
          "</ListBucketResult>",
          "application/xml");
      response.headers.Add("ETag", "\"etag-1\"");
      return response;
    };
    for (const HttpMethod method :
         {HttpMethod::kGet, HttpMethod::kPut, HttpMethod::kPost, HttpMethod::kDelete}) {
      REQUIRE(router->Add(method, "/{path...}", handler, options).ok());
      REQUIRE(router->Add(method, "/", handler, options).ok());
    }
    HttpServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    server_ = std::move(HttpServer::Create(server_options, router, *runtime_)).value();
    router_ = router;
    REQUIRE(server_->Start().ok());
  }
  ~RecordingServer() {
    server_->Shutdown();
    runtime_->Stop();
  }

  uint16_t port() const { return server_->port(); }
  Captured Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    REQUIRE(requests_.size() == 1);
    Captured out = std::move(requests_.front());
    requests_.clear();
    return out;
  }

 private:
  std::unique_ptr<Runtime> runtime_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mutex_;
  std::vector<Captured> requests_;
};

constexpr char kBotocoreScript[] = R"PY(
import hashlib, json, sys
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for r in json.load(open(sys.argv[1])):
    auth = S3SigV4Auth(Credentials(r['access_key'], r['secret_key']), 's3', r['region'])
    body = bytes.fromhex(r['body_hex'])
    req = AWSRequest(method=r['method'], url=r['url'], headers=r['headers'], data=body)
    req.context['timestamp'] = r['amz_date']
    canonical = auth.canonical_request(req)
    string_to_sign = auth.string_to_sign(req, canonical)
    out.append({'signature': auth.signature(string_to_sign, req),
                'body_sha256': hashlib.sha256(body).hexdigest(),
                'canonical_request': canonical})
print(json.dumps(out))
)PY";

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
  }
  return out;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

struct ParsedAuthorization {
  std::string credential;
  std::vector<std::string> signed_headers;
  std::string signature;
};

ParsedAuthorization ParseAuthorization(const std::string& header) {
  const std::string algorithm = "AWS4-HMAC-SHA256 ";
  REQUIRE(header.compare(0, algorithm.size(), algorithm) == 0);
  ParsedAuthorization out;
  for (std::string part : Split(header.substr(algorithm.size()), ',')) {
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    const std::size_t equals = part.find('=');
    REQUIRE(equals != std::string::npos);
    const std::string name = part.substr(0, equals);
    const std::string value = part.substr(equals + 1);
    if (name == "Credential") out.credential = value;
    if (name == "SignedHeaders") out.signed_headers = Split(value, ';');
    if (name == "Signature") out.signature = value;
  }
  return out;
}

// A temporary directory removed at scope exit.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-sigv4-XXXXXX").string();
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

TEST_CASE("curl's SigV4 signature of every S3 request matches botocore's", "[s3][sigv4]") {
  RecordingServer server;
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  S3ObjectStoreOptions options;
  options.endpoint = endpoint;
  options.bucket = "sg-bucket";
  options.region = "eu-west-3";
  options.access_key = kAccessKey;
  options.secret_key = kSecretKey;
  options.max_retries = 0;
  std::unique_ptr<S3Client> client = std::move(S3Client::Create(options)).value();

  TempDir temp;
  const std::string file_path = (temp.path / "part.bin").string();
  std::string file_bytes(3000, '\0');
  for (std::size_t i = 0; i < file_bytes.size(); ++i) file_bytes[i] = static_cast<char>(i * 7);
  std::ofstream(file_path, std::ios::binary) << file_bytes;

  // Keys exercising the canonical URI rules: spaces, '+', '=', '&', '~', parentheses, UTF-8.
  const std::string key = "dir one/a b+c=d&e~f(g)_\xC3\xBC.mp4";
  const std::string body = "hello, signed world";
  std::vector<Captured> captured;
  std::vector<bool> unsigned_payload;
  const auto record = [&](bool is_unsigned) {
    captured.push_back(server.Take());
    unsigned_payload.push_back(is_unsigned);
  };

  REQUIRE(client->PutObject(key, CurlBody{body, {}, 0, 0}).ok());
  record(false);
  REQUIRE(client->PutObject(key, CurlBody{{}, file_path, 100, 2000}).ok());
  record(true);
  REQUIRE(client->GetObject(key).ok());
  record(false);
  REQUIRE(client
              ->GetObjectStream(key, "bytes=5-9", nullptr,
                                [](std::string_view) { return Status::Ok(); })
              .ok());
  record(false);
  (void)client->HeadObject(key);
  record(false);
  REQUIRE(client->DeleteObject(key).ok());
  record(false);
  REQUIRE(client->ListObjectsV2("dir one/a b+", "token/with=odd&chars").ok());
  record(false);
  REQUIRE(client->CreateMultipartUpload(key).ok());
  record(false);
  REQUIRE(client->UploadPart(key, "upload/1+x", 3, CurlBody{body, {}, 0, 0}).ok());
  record(false);
  REQUIRE(client->UploadPart(key, "upload/1+x", 4, CurlBody{{}, file_path, 0, 3000}).ok());
  record(true);
  REQUIRE(client->CompleteMultipartUpload(key, "upload/1+x", {"\"e1\"", "\"e2\""}).ok());
  record(false);
  REQUIRE(client->AbortMultipartUpload(key, "upload/1+x").ok());
  record(false);
  // Virtual-host style: the bucket moves into the signed Host header (*.localhost is loopback).
  const std::string vhost_authority = "s3.localhost:" + std::to_string(server.port());
  S3ObjectStoreOptions vhost_options = options;
  vhost_options.endpoint = "http://" + vhost_authority;
  vhost_options.path_style = false;
  std::unique_ptr<S3Client> vhost = std::move(S3Client::Create(vhost_options)).value();
  REQUIRE(vhost->PutObject(key, CurlBody{body, {}, 0, 0}).ok());
  record(false);
  REQUIRE(vhost->ListObjectsV2("dir one/", "").ok());
  record(false);

  nlohmann::json batch = nlohmann::json::array();
  std::vector<ParsedAuthorization> parsed;
  for (const Captured& request : captured) {
    INFO(request.method << " " << request.target);
    const ParsedAuthorization auth = ParseAuthorization(request.Header("authorization"));
    const std::string amz_date = request.Header("x-amz-date");
    REQUIRE(amz_date.size() == 16);
    CHECK(auth.credential ==
          std::string(kAccessKey) + "/" + amz_date.substr(0, 8) + "/eu-west-3/s3/aws4_request");
    // What must be covered by the signature whenever it is sent.
    for (const char* must : {"host", "x-amz-content-sha256", "x-amz-date"}) {
      CHECK(std::find(auth.signed_headers.begin(), auth.signed_headers.end(), must) !=
            auth.signed_headers.end());
    }
    for (const char* optional : {"range", "content-type"}) {
      if (!request.Header(optional).empty()) {
        CHECK(std::find(auth.signed_headers.begin(), auth.signed_headers.end(), optional) !=
              auth.signed_headers.end());
      }
    }
    nlohmann::json headers = nlohmann::json::object();
    for (const std::string& name : auth.signed_headers) headers[name] = request.Header(name);
    batch.push_back({{"method", request.method},
                     {"url", "http://" + request.Header("host") + request.target},
                     {"headers", headers},
                     {"body_hex", Hex(request.body)},
                     {"access_key", kAccessKey},
                     {"secret_key", kSecretKey},
                     {"region", "eu-west-3"},
                     {"amz_date", amz_date}});
    parsed.push_back(auth);
  }
  const std::string script_path = (temp.path / "sign.py").string();
  const std::string input_path = (temp.path / "requests.json").string();
  std::ofstream(script_path) << kBotocoreScript;
  std::ofstream(input_path) << batch.dump();
  const nlohmann::json expected =
      nlohmann::json::parse(RunCommand("/usr/bin/python3 " + script_path + " " + input_path));
  REQUIRE(expected.size() == captured.size());

  for (std::size_t i = 0; i < captured.size(); ++i) {
    const Captured& request = captured[i];
    INFO(request.method << " " << request.target << "\ncanonical request (botocore):\n"
                        << expected[i]["canonical_request"].get<std::string>());
    CHECK(parsed[i].signature == expected[i]["signature"].get<std::string>());
    // The payload hash is the body's real SHA-256, or UNSIGNED-PAYLOAD for streamed files.
    const std::string payload = request.Header("x-amz-content-sha256");
    if (unsigned_payload[i]) {
      CHECK(payload == "UNSIGNED-PAYLOAD");
    } else {
      CHECK(payload == expected[i]["body_sha256"].get<std::string>());
    }
  }
  // The bodies arrived whole: the file range and the in-memory body.
  CHECK(captured[0].body == body);
  CHECK(captured[1].body == file_bytes.substr(100, 2000));
  CHECK(captured[9].body == file_bytes);
  // The key is encoded once, exactly as S3's canonical URI wants it.
  CHECK(captured[0].target == "/sg-bucket/dir%20one/a%20b%2Bc%3Dd%26e~f%28g%29_%C3%BC.mp4");
  CHECK(captured[12].Header("host") == "sg-bucket." + vhost_authority);
  CHECK(captured[12].target == "/dir%20one/a%20b%2Bc%3Dd%26e~f%28g%29_%C3%BC.mp4");
  CHECK(captured[13].target == "/?encoding-type=url&list-type=2&prefix=dir%20one%2F");
  CHECK(captured[6].target ==
        "/sg-bucket?continuation-token=token%2Fwith%3Dodd%26chars&encoding-type=url&"
        "list-type=2&prefix=dir%20one%2Fa%20b%2B");
}

TEST_CASE("libcurl's SigV4 reproduces the AWS test-suite vector get-vanilla", "[s3][sigv4]") {
  // aws-sig-v4-test-suite/get-vanilla: GET / on example.amazonaws.com, service "service",
  // X-Amz-Date 20150830T123600Z, AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY.
  RecordingServer server;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  curl_slist* headers = curl_slist_append(nullptr, "X-Amz-Date: 20150830T123600Z");
  const std::string connect_to =
      "example.amazonaws.com:80:127.0.0.1:" + std::to_string(server.port());
  curl_slist* connect = curl_slist_append(nullptr, connect_to.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, "http://example.amazonaws.com/");
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:service");
  curl_easy_setopt(curl, CURLOPT_USERNAME, "AKIDEXAMPLE");
  curl_easy_setopt(curl, CURLOPT_PASSWORD, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect);
  curl_easy_cleanup(curl);
  REQUIRE(code == CURLE_OK);
  const Captured request = server.Take();
  CHECK(request.Header("authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

}  // namespace streamgate
