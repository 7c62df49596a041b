// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// verify_siwe: the relying party of Sign-In with Ethereum (EIP-4361), from the command line.
//
//   ./verify_siwe NONCES_DIR challenge 0xADDRESS [CHAIN_ID]  > message.txt
//   (the wallet signs message.txt with personal_sign)
//   ./verify_siwe NONCES_DIR verify message.txt 0xSIGNATURE  -> exit 0 and the session, or 1
//
// The Authenticator never trusts a message it did not issue: the nonce must be one it handed
// out, unused and unexpired (it is burned by the first verification, successful or not); domain,
// URI, version, chain and times must match its configuration; the signature must be low-s and
// recover to the claimed, EIP-55 checksummed address. Challenges outlive this process because the
// nonce store is a folder: a small Cache backend written here against the public interface
// (in a server, the in-process LRU or the shared Redis cache plays this part).
#include <streamgate/authenticator.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using streamgate::Result;
using streamgate::Status;

namespace {

// A Cache keeping one file per key (hex-encoded name) in a folder. Take() is one rename(2), so
// of two racing verifications at most one gets a nonce. TTLs are not enforced here: the
// Authenticator checks the expiry stored with each challenge itself.
class FolderCache final : public streamgate::Cache {
 public:
  explicit FolderCache(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }

  Result<std::string> Get(std::string_view key) override { return Read(PathOf(key)); }
  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds) override {
    const std::optional<fs::path> temp = Temp(value);
    if (!temp || ::rename(temp->c_str(), PathOf(key).c_str()) != 0) return Unwritable();
    return Status::Ok();
  }
  Result<bool> SetIfAbsent(std::string_view key, std::string_view value,
                           std::chrono::milliseconds) override {
    const std::optional<fs::path> temp = Temp(value);
    if (!temp) return Unwritable();
    const int linked = ::link(temp->c_str(), PathOf(key).c_str());  // fails if the key exists
    const int error = errno;
    fs::remove(*temp);
    if (linked != 0 && error != EEXIST) return Unwritable();
    return linked == 0;
  }
  Result<std::string> Take(std::string_view key) override {
    const std::optional<fs::path> taken = Temp("");
    if (!taken) return Unwritable();
    if (::rename(PathOf(key).c_str(), taken->c_str()) != 0) {
      fs::remove(*taken);
      return Status::NotFound("no such key");
    }
    Result<std::string> value = Read(*taken);
    fs::remove(*taken);
    return value;
  }
  Result<bool> Delete(std::string_view key) override { return fs::remove(PathOf(key)); }
  Result<uint64_t> DeleteByPrefix(std::string_view prefix) override {
    uint64_t removed = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      const bool key = name.find('.') == std::string::npos;  // not a "tmp." file
      if (key && name.rfind(Hex(prefix), 0) == 0) removed += fs::remove(entry) ? 1 : 0;
    }
    return removed;
  }
  Status Clear() override { return DeleteByPrefix("").status(); }
  streamgate::CacheStats Stats() const override { return {}; }
  std::string_view backend() const override { return "folder"; }

 private:
  static std::string Hex(std::string_view text) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : text) {
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
    return out;
  }
  // Keys stay short here ("auth:nonce:<nonce>"), well under NAME_MAX once hex-encoded.
  fs::path PathOf(std::string_view key) const { return dir_ / Hex(key); }
  static Status Unwritable() { return Status::Unavailable("cannot write the nonce folder"); }
  // A uniquely named file holding `value` (keys are hex: a "tmp." name is never one).
  std::optional<fs::path> Temp(std::string_view value) const {
    std::string name = (dir_ / "tmp.XXXXXX").string();
    const int fd = ::mkstemp(name.data());
    if (fd < 0) return std::nullopt;
    const bool written =
        ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    ::close(fd);
    if (!written) {
      fs::remove(name);
      return std::nullopt;
    }
    return name;
  }
  static Result<std::string> Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound("no such key");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path dir_;
};

int Fail(const Status& status) {
  std::fprintf(stderr, "verify_siwe: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 2 ? argv[2] : "";
  if (argc < 4 || argc > 5 || (command != "challenge" && command != "verify")) {
    std::fprintf(stderr,
                 "usage: %s NONCES_DIR challenge ADDRESS [CHAIN_ID]\n"
                 "       %s NONCES_DIR verify MESSAGE_FILE SIGNATURE\n",
                 argv[0], argv[0]);
    return 2;
  }
  streamgate::AuthenticatorOptions options;  // what a SIWE message must name to be accepted
  options.domain = "example.com";
  options.uri = "https://example.com/login";
  auto auth = streamgate::Authenticator::Create(options, std::make_shared<FolderCache>(argv[1]));
  if (!auth.ok()) return Fail(auth.status());

  if (command == "challenge") {
    auto challenge = (*auth)->IssueChallenge({argv[3], argc == 5 ? argv[4] : ""});
    if (!challenge.ok()) return Fail(challenge.status());
    std::fputs(challenge->message.c_str(), stdout);  // the exact text to sign, no trailing LF
    return 0;
  }
  std::ifstream file(argv[3], std::ios::binary);
  std::ostringstream message;
  message << file.rdbuf();
  streamgate::VerifySignatureRequest request;
  request.scheme = "siwe";
  request.message = message.str();
  // The claimed signer is the message's second line ("<domain> wants you ...\n<address>\n").
  const std::size_t line = request.message.find('\n') + 1;
  request.address = request.message.substr(line, request.message.find('\n', line) - line);
  request.signature = argv[4];
  auto session = (*auth)->VerifySignature(request);
  if (!session.ok()) return Fail(session.status());
  std::printf("signed in: %s on chain %s\nsession token (expires %lld): %s\n",
              session->claims.sub.c_str(), session->claims.chain.c_str(),
              static_cast<long long>(session->claims.exp), session->token.c_str());
  return 0;
}
