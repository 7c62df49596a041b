// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The pieces of the S3 backend that need no S3 server: key rules, URL building, XML parsing,
// error mapping, and the curl client's retry and streaming behaviour against a local HttpServer.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>

#include "net/curl_http.h"
#include "storage/s3_client.h"
#include "storage/s3_key.h"
#include "storage/s3_options.h"
#include "storage/s3_payload_hash.h"
#include "storage/s3_status.h"
#include "storage/s3_xml.h"
#include "streamgate/http.h"
#include "streamgate/runtime.h"

namespace streamgate::internal {

TEST_CASE("object keys follow the ObjectStore rules", "[s3]") {
  for (const char* key : {"a", "uploads/abc123/source.mp4", "a b/c+d=e&f", "x/.hidden", "a/b..c",
                          "\xC3\xA9t\xC3\xA9/file"}) {
    INFO(key);
    CHECK(ValidateObjectKey(key).ok());
  }
  for (const std::string& key :
       {std::string(), std::string("/a"), std::string("a/"), std::string("a//b"), std::string("."),
        std::string("a/./b"), std::string(".."), std::string("a/../b"), std::string("a\\b"),
        std::string("a\0b", 3), std::string("a\nb"), std::string(1025, 'x')}) {
    INFO(key);
    CHECK(ValidateObjectKey(key).code() == StatusCode::kInvalidArgument);
  }
  CHECK(ValidateKeyPrefix("").ok());
  CHECK(ValidateKeyPrefix("streamgate/").ok());
  CHECK(ValidateKeyPrefix("streamgate").ok());
  CHECK_FALSE(ValidateKeyPrefix("/abs/").ok());
  CHECK_FALSE(ValidateKeyPrefix("a//").ok());
  CHECK(EncodeKeyForPath("dir/a b+c=~_-.\xC3\xBC*") == "dir/a%20b%2Bc%3D~_-.%C3%BC%2A");
}

TEST_CASE("S3 URLs: path style, virtual-host style, canonical query", "[s3]") {
  S3ObjectStoreOptions options;
  options.endpoint = "https://s3.eu-west-3.amazonaws.com/";
  options.bucket = "my.bucket";
  auto path_style = S3Client::Create(options);
  REQUIRE(path_style.ok());
  CHECK((*path_style)->Url("a b/c") == "https://s3.eu-west-3.amazonaws.com/my.bucket/a%20b/c");
  CHECK((*path_style)->Url("") == "https://s3.eu-west-3.amazonaws.com/my.bucket");
  CHECK((*path_style)->Url("k", {{"uploadId", "x/y"}, {"partNumber", "2"}}) ==
        "https://s3.eu-west-3.amazonaws.com/my.bucket/k?partNumber=2&uploadId=x%2Fy");
  CHECK((*path_style)->Url("k", {{"uploads", ""}}) ==
        "https://s3.eu-west-3.amazonaws.com/my.bucket/k?uploads=");
  options.path_style = false;
  auto vhost = S3Client::Create(options);
  REQUIRE(vhost.ok());
  CHECK((*vhost)->Url("a b/c") == "https://my.bucket.s3.eu-west-3.amazonaws.com/a%20b/c");
  CHECK((*vhost)->Url("", {{"list-type", "2"}}) ==
        "https://my.bucket.s3.eu-west-3.amazonaws.com/?list-type=2");

  for (const char* bad :
       {"s3.amazonaws.com", "http://", "http://h/p", "http://u:p@h", "http://h?x", "ftp://h"}) {
    INFO(bad);
    CHECK_FALSE(ParseS3Endpoint(bad).ok());
  }
  const auto endpoint = ParseS3Endpoint("http://[::1]:9000");
  REQUIRE(endpoint.ok());
  CHECK(endpoint->authority == "[::1]:9000");
  CHECK(IsValidS3BucketName("abc"));
  CHECK_FALSE(IsValidS3BucketName("ab"));
  CHECK_FALSE(IsValidS3BucketName("Abc"));
  CHECK_FALSE(IsValidS3BucketName("a_b"));
  CHECK_FALSE(IsValidS3BucketName("-ab"));
  CHECK_FALSE(IsValidS3BucketName("a..b"));
}

TEST_CASE("ListObjectsV2 responses are parsed, entities and url-encoding decoded", "[s3]") {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>p</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>
  <IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;1</NextContinuationToken>
  <Contents><Key>a &amp; b&lt;c&gt;&#233;&#x41;</Key><LastModified>2026-11-23T14:31:57.123Z</LastModified>
    <ETag>&quot;0123abc&quot;</ETag><Size>42</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>z</Key><LastModified>1970-01-01T00:00:01Z</LastModified><ETag>"e"</ETag>
    <Size>0</Size></Contents>
</ListBucketResult>)";
  const Result<S3ListPage> page = ParseListObjectsV2(xml);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 2);
  CHECK(page->objects[0].key ==
        "a & b<c>\xC3\xA9"
        "A");
  CHECK(page->objects[0].size == 42);
  CHECK(page->objects[0].etag == "0123abc");
  CHECK(page->objects[0].modified_unix_ms == 1795444317123);
  CHECK(page->objects[1].key == "z");
  CHECK(page->objects[1].modified_unix_ms == 1000);
  CHECK(page->truncated);
  CHECK(page->next_continuation_token == "tok&1");

  const Result<S3ListPage> encoded = ParseListObjectsV2(
      "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a+b%2Bc%2Fd</Key><Size>1</Size></Contents></ListBucketResult>");
  REQUIRE(encoded.ok());
  CHECK(encoded->objects.at(0).key == "a b+c/d");
  CHECK_FALSE(encoded->truncated);

  // Malformed documents are the server's fault: Internal, never a crash.
  for (const char* bad :
       {"", "<Error/>", "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>&bogus;</Key><Size>1</Size></Contents>"
        "</ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>1"}) {
    INFO(bad);
    CHECK(ParseListObjectsV2(bad).status().code() == StatusCode::kInternal);
  }
}

TEST_CASE("multipart and error documents", "[s3]") {
  const Result<std::string> id = ParseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
      "<UploadId>VXBsb2FkSUQ&#61;</UploadId></InitiateMultipartUploadResult>");
  REQUIRE(id.ok());
  CHECK(*id == "VXBsb2FkSUQ=");
  CHECK_FALSE(ParseInitiateMultipartUpload("<x/>").ok());
  CHECK_FALSE(ParseInitiateMultipartUpload("<UploadId/>").ok());

  const auto error = ParseS3Error(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does "
      "not exist.</Message><Key>a</Key></Error>");
  REQUIRE(error.has_value());
  CHECK(error->code == "NoSuchKey");
  CHECK(error->message == "The specified key does not exist.");
  CHECK_FALSE(ParseS3Error("<CompleteMultipartUploadResult/>").has_value());

  CHECK(BuildCompleteMultipartUpload({"\"a\"", "b&"}) ==
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag>"
        "</Part><Part><PartNumber>2</PartNumber><ETag>b&amp;</ETag></Part>"
        "</CompleteMultipartUpload>");
  CHECK(XmlUnescape("&#0;") == std::nullopt);
  CHECK(XmlUnescape("&#xD800;") == std::nullopt);
  CHECK(XmlUnescape("&#x1F600;") == std::optional<std::string>("\xF0\x9F\x98\x80"));
  CHECK(ParseIso8601Millis("2026-13-01T00:00:00Z") == std::nullopt);
  CHECK(ParseIso8601Millis("garbage") == std::nullopt);
}

TEST_CASE("S3 errors map to Status codes", "[s3]") {
  const auto code = [](long status, const std::string& s3_code) {
    const std::string body =
        s3_code.empty() ? "" : "<Error><Code>" + s3_code + "</Code><Message>m</Message></Error>";
    return S3ErrorToStatus(status, body, "GET k").code();
  };
  CHECK(code(404, "NoSuchKey") == StatusCode::kNotFound);
  CHECK(code(404, "") == StatusCode::kNotFound);  // HEAD: no body
  CHECK(code(404, "NoSuchUpload") == StatusCode::kNotFound);
  CHECK(code(404, "NoSuchBucket") == StatusCode::kFailedPrecondition);
  CHECK(code(403, "AccessDenied") == StatusCode::kPermissionDenied);
  CHECK(code(403, "SignatureDoesNotMatch") == StatusCode::kPermissionDenied);
  CHECK(code(403, "") == StatusCode::kPermissionDenied);
  CHECK(code(416, "InvalidRange") == StatusCode::kOutOfRange);
  CHECK(code(400, "EntityTooLarge") == StatusCode::kResourceExhausted);
  CHECK(code(400, "EntityTooSmall") == StatusCode::kInvalidArgument);
  CHECK(code(500, "InternalError") == StatusCode::kUnavailable);
  CHECK(code(503, "SlowDown") == StatusCode::kUnavailable);
  CHECK(code(502, "") == StatusCode::kUnavailable);
  CHECK(code(501, "NotImplemented") == StatusCode::kUnimplemented);
  CHECK(code(301, "PermanentRedirect") == StatusCode::kFailedPrecondition);
  const Status status = S3ErrorToStatus(
      404, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>", "GET a/b");
  CHECK(status.message() == "GET a/b: HTTP 404 NoSuchKey: gone");
}

TEST_CASE("payload hashes are lower-case hex SHA-256", "[s3]") {
  CHECK(S3PayloadSha256Hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(S3PayloadSha256Hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

namespace {

// A local server whose first `failures` answers to every route are 503.
struct FlakyServer {
  explicit FlakyServer(int fail_first) : failures(fail_first) {
    runtime = std::move(Runtime::Create(RuntimeOptions{1, 2})).value();
    auto router = std::make_shared<Router>();
    const HttpHandler handler = [this](HttpRequest& request) {
      ++requests;
      if (failures.fetch_sub(1) > 0) return HttpResponse::Text(503, "busy");
      return HttpResponse::Text(200, std::string(100'000, 'x') + request.body);
    };
    for (const HttpMethod method : {HttpMethod::kGet, HttpMethod::kPost, HttpMethod::kPut}) {
      REQUIRE(router->Add(method, "/{path...}", handler).ok());
    }
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    server = std::move(HttpServer::Create(options, router, *runtime)).value();
    keep_router = router;
    REQUIRE(server->Start().ok());
  }
  ~FlakyServer() {
    server->Shutdown();
    runtime->Stop();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/x"; }

  std::atomic<int> failures;
  std::atomic<int> requests{0};
  std::unique_ptr<Runtime> runtime;
  std::shared_ptr<Router> keep_router;
  std::unique_ptr<HttpServer> server;
};

CurlClientOptions FastRetries(int retries) {
  CurlClientOptions options;
  options.max_retries = retries;
  options.initial_backoff_ms = 1;
  options.max_backoff_ms = 5;
  return options;
}

}  // namespace

TEST_CASE("curl client retries idempotent requests on 5xx, streams bodies", "[s3][curl]") {
  SECTION("two 503s, then success on the third attempt") {
    FlakyServer server(2);
    CurlHttpClient client(FastRetries(3));
    CurlRequest request;
    request.url = server.Url();
    std::string received;
    request.sink = [&](std::string_view bytes) {
      received.append(bytes);
      return Status::Ok();
    };
    const Result<CurlResponse> response = client.Perform(request);
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(received == std::string(100'000, 'x'));
    CHECK(server.requests == 3);
  }
  SECTION("retries run out: the last 503 is returned") {
    FlakyServer server(10);
    CurlHttpClient client(FastRetries(2));
    CurlRequest request;
    request.url = server.Url();
    const Result<CurlResponse> response = client.Perform(request);
    REQUIRE(response.ok());
    CHECK(response->status == 503);
    CHECK(response->body == "busy");
    CHECK(server.requests == 3);
  }
  SECTION("a non-idempotent POST is sent once") {
    FlakyServer server(1);
    CurlHttpClient client(FastRetries(3));
    CurlRequest request;
    request.method = "POST";
    request.url = server.Url();
    request.idempotent = false;
    const Result<CurlResponse> response = client.Perform(request);
    REQUIRE(response.ok());
    CHECK(response->status == 503);
    CHECK(server.requests == 1);
  }
  SECTION("a PUT body from memory arrives whole; collection is bounded") {
    FlakyServer server(0);
    CurlHttpClient client(FastRetries(0));
    CurlRequest request;
    request.method = "PUT";
    request.url = server.Url();
    request.body.data = "payload";
    Result<CurlResponse> response = client.Perform(request);
    REQUIRE(response.ok());
    CHECK(response->body == std::string(100'000, 'x') + "payload");
    request.max_collect_bytes = 1000;
    response = client.Perform(request);
    CHECK(response.status().code() == StatusCode::kResourceExhausted);
  }
  SECTION("a failing sink stops the transfer with its own status") {
    FlakyServer server(0);
    CurlHttpClient client(FastRetries(3));
    CurlRequest request;
    request.url = server.Url();
    request.sink = [](std::string_view) { return Status::Cancelled("stop"); };
    CHECK(client.Perform(request).status().code() == StatusCode::kCancelled);
    CHECK(server.requests == 1);
  }
}

}  // namespace streamgate::internal
