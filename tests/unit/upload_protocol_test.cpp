// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The upload protocol parsers: tus headers, base64/hex, the streaming multipart parser (fed
// split at every position), and media sniffing.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "streamgate/uploader.h"
#include "upload/digest.h"
#include "upload/multipart_parser.h"
#include "upload/tus_protocol.h"

namespace streamgate::internal {

TEST_CASE("tus numbers are strict", "[uploader]") {
  CHECK(*ParseTusNumber("Upload-Offset", "0") == 0);
  CHECK(*ParseTusNumber("Upload-Offset", "1234567890123456789") == 1234567890123456789ULL);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "12345678901234567890"}) {
    INFO(bad);
    CHECK(ParseTusNumber("Upload-Offset", bad).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Upload-Metadata parses and formats", "[uploader]") {
  auto parsed =
      ParseUploadMetadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0] ==
        std::pair<std::string, std::string>{"filename", "world_domination_plan.pdf"});
  CHECK((*parsed)[1] == std::pair<std::string, std::string>{"is_confidential", ""});
  CHECK(FormatUploadMetadata(*parsed) ==
        "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential");
  CHECK(ParseUploadMetadata("")->empty());
  for (const char* bad :
       {"a b c", "a ***", "a YQ==,a YQ==", ",", "a YQ==,", "k\x01 YQ==", "a YQ"}) {
    INFO(bad);
    CHECK(ParseUploadMetadata(bad).status().code() == StatusCode::kInvalidArgument);
  }
  CHECK(ParseUploadMetadata(std::string(5000, 'a')).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("Upload-Checksum accepts sha1 and sha256 only", "[uploader]") {
  Digest sha1(ChecksumAlgorithm::kSha1);
  sha1.Update("abc");
  const std::string digest = sha1.Final();
  CHECK(HexEncode(digest) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  auto parsed = ParseUploadChecksum("sha1 " + Base64Encode(digest));
  REQUIRE(parsed.ok());
  CHECK(parsed->algorithm == ChecksumAlgorithm::kSha1);
  CHECK(parsed->digest == digest);
  CHECK(ParseUploadChecksum("md5 " + Base64Encode(std::string(16, 'x'))).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(ParseUploadChecksum("sha256 " + Base64Encode(digest)).status().code() ==
        StatusCode::kInvalidArgument);  // wrong length for sha256
  CHECK(ParseUploadChecksum("sha1").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("base64 and hex round-trip and reject junk", "[uploader]") {
  for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    CHECK(*Base64Decode(Base64Encode(text)) == text);
  }
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Encode("fo") == "Zm8=");
  for (const char* bad : {"Zm9", "Zm9v=", "Z===", "Zm=v", "Zm9v!A==", "===="}) {
    INFO(bad);
    CHECK_FALSE(Base64Decode(bad).has_value());
  }
  CHECK(*HexDecode("00ffA0") == std::string("\x00\xff\xa0", 3));
  CHECK_FALSE(HexDecode("0").has_value());
  CHECK_FALSE(HexDecode("zz").has_value());
}

TEST_CASE("Digest copies carry the running state", "[uploader]") {
  Digest a(ChecksumAlgorithm::kSha256);
  a.Update("hello ");
  Digest b = a;
  a.Update("world");
  b.Update("world");
  CHECK(a.Final() == b.Final());
  Digest c(ChecksumAlgorithm::kSha256);
  CHECK(HexEncode(c.Final()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("multipart parser streams the file part, split anywhere", "[uploader]") {
  const std::string boundary = "XyZ";
  std::string file;
  for (int i = 0; i < 3000; ++i) file += static_cast<char>(i % 251);
  file += "\r\n--XY";  // looks like a delimiter but is not one
  const std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"sha256\"\r\n\r\nabc\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dir/clip.mp4\"\r\n"
      "Content-Type: video/mp4\r\n\r\n" +
      file + "\r\n--XyZ--\r\nepilogue";
  for (std::size_t split = 0; split <= body.size(); split += 7) {
    INFO(split);
    std::string received;
    MultipartFileParser::FilePart part;
    std::vector<std::pair<std::string, std::string>> fields_at_start;
    MultipartFileParser parser(
        boundary,
        [&](const MultipartFileParser::FilePart& p) {
          part = p;
          return Status::Ok();
        },
        [&](std::string_view bytes) {
          received.append(bytes);
          return Status::Ok();
        });
    REQUIRE(parser.Feed(std::string_view(body).substr(0, split)).ok());
    REQUIRE(parser.Feed(std::string_view(body).substr(split)).ok());
    REQUIRE(parser.Finish().ok());
    CHECK(received == file);
    CHECK(part.filename == "clip.mp4");
    CHECK(part.content_type == "video/mp4");
    REQUIRE(parser.fields().size() == 1);
    CHECK(parser.fields()[0] == std::pair<std::string, std::string>{"sha256", "abc"});
  }
}

TEST_CASE("multipart parser refuses malformed bodies", "[uploader]") {
  auto run = [](const std::string& body) {
    MultipartFileParser parser(
        "b", [](const MultipartFileParser::FilePart&) { return Status::Ok(); },
        [](std::string_view) { return Status::Ok(); });
    Status status = parser.Feed(body);
    return status.ok() ? parser.Finish() : status;
  };
  CHECK(run("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nxx\r\n--b--")
            .ok());
  CHECK_FALSE(
      run("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nxx").ok());
  CHECK_FALSE(run("--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nxx\r\n--b--").ok());
  CHECK_FALSE(run("--b\r\nNo-Colon\r\n\r\nxx\r\n--b--").ok());
  CHECK_FALSE(run("--b\r\nContent-Disposition: attachment\r\n\r\nxx\r\n--b--").ok());
  CHECK_FALSE(run("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nx\r\n"
                  "--b\r\nContent-Disposition: form-data; name=\"g\"; filename=\"b\"\r\n\r\ny\r\n"
                  "--b--")
                  .ok());  // two files
  CHECK(MultipartBoundary("multipart/form-data; boundary=\"a b\"").value() == "a b");
  CHECK(MultipartBoundary("Multipart/Form-Data;boundary=xyz").value() == "xyz");
  CHECK_FALSE(MultipartBoundary("multipart/form-data").ok());
  CHECK_FALSE(MultipartBoundary("application/json; boundary=x").ok());
}

TEST_CASE("media sniffing recognises video containers only", "[uploader]") {
  using namespace std::string_literals;
  CHECK(SniffVideoContainer("\x00\x00\x00\x18"s + "ftypisom") == "mp4");
  CHECK(SniffVideoContainer("\x00\x00\x00\x14"s + "ftypqt  ") == "quicktime");
  CHECK(SniffVideoContainer("\x00\x00\x00\x08"s + "moov") == "quicktime");
  CHECK(SniffVideoContainer("\x1A\x45\xDF\xA3\x01"s) == "matroska");
  CHECK(SniffVideoContainer("RIFF\x00\x00\x00\x00"s + "AVI LIST") == "avi");
  CHECK(SniffVideoContainer("RIFF\x00\x00\x00\x00"s + "WAVEfmt ") == "");
  CHECK(SniffVideoContainer("FLV\x01\x05"s) == "flv");
  CHECK(SniffVideoContainer("\x00\x00\x01\xBA\x44"s) == "mpegps");
  std::string ts(600, '\0');
  ts[0] = ts[188] = ts[376] = 0x47;
  CHECK(SniffVideoContainer(ts) == "mpegts");
  ts[376] = 0;
  CHECK(SniffVideoContainer(ts) == "");
  std::string m2ts(600, '\0');
  m2ts[4] = m2ts[196] = m2ts[388] = 0x47;
  CHECK(SniffVideoContainer(m2ts) == "mpegts");
  CHECK(SniffVideoContainer(std::string(1, 0x47)) == "");  // one sync byte is chance
  CHECK(SniffVideoContainer("%PDF-1.7 hello") == "");
  CHECK(SniffVideoContainer("\x89PNG\r\n\x1a\n"s) == "");
  CHECK(SniffVideoContainer("") == "");
}

}  // namespace streamgate::internal
