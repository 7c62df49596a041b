// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/metaplex_metadata.h"

#include <algorithm>
#include <cstring>

namespace streamgate::internal {
namespace {

constexpr uint8_t kKeyMetadataV1 = 4;  // mpl-token-metadata `Key::MetadataV1`
constexpr uint32_t kMaxStringBytes = 1024;
constexpr uint32_t kMaxCreators = 32;

// A bounds-checked Borsh reader.
class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& data) : data_(data) {}
  bool AtEnd() const { return offset_ == data_.size(); }
  bool Byte(uint8_t& out) {
    if (offset_ + 1 > data_.size()) return false;
    out = data_[offset_++];
    return true;
  }
  bool U32(uint32_t& out) {
    if (offset_ + 4 > data_.size()) return false;
    out = 0;
    for (int i = 3; i >= 0; --i) out = (out << 8) | data_[offset_ + static_cast<std::size_t>(i)];
    offset_ += 4;
    return true;
  }
  bool Key(SolanaKey& out) {
    if (offset_ + 32 > data_.size()) return false;
    std::memcpy(out.data(), data_.data() + offset_, 32);
    offset_ += 32;
    return true;
  }
  bool Skip(std::size_t bytes) {
    if (offset_ + bytes > data_.size()) return false;
    offset_ += bytes;
    return true;
  }
  bool String(std::string& out) {
    uint32_t size = 0;
    if (!U32(size) || size > kMaxStringBytes || offset_ + size > data_.size()) return false;
    out.assign(reinterpret_cast<const char*>(data_.data() + offset_), size);
    offset_ += size;
    // Metaplex pads names, symbols and URIs with NULs to fixed lengths.
    out.erase(std::find(out.begin(), out.end(), '\0'), out.end());
    return true;
  }
  // Option tag: 0 none, 1 some; anything else is corrupt. `present` false at end of data.
  bool OptionTag(bool& present, bool& corrupt) {
    uint8_t tag = 0;
    if (!Byte(tag)) {
      present = false;
      return false;
    }
    corrupt = tag > 1;
    present = tag == 1;
    return true;
  }

 private:
  const std::vector<uint8_t>& data_;
  std::size_t offset_ = 0;
};

Status Corrupt(std::string_view what) {
  return Status::DataLoss("not a Metaplex metadata account: " + std::string(what));
}

}  // namespace

Result<MetaplexMetadata> ParseMetaplexMetadata(const std::vector<uint8_t>& data) {
  Reader reader(data);
  MetaplexMetadata out;
  uint8_t key = 0;
  if (!reader.Byte(key) || key != kKeyMetadataV1) return Corrupt("account key is not MetadataV1");
  if (!reader.Key(out.update_authority) || !reader.Key(out.mint)) return Corrupt("truncated keys");
  if (!reader.String(out.name) || !reader.String(out.symbol) || !reader.String(out.uri)) {
    return Corrupt("bad name, symbol or uri");
  }
  if (!reader.Skip(2)) return Corrupt("truncated seller fee");  // seller_fee_basis_points: u16
  bool present = false;
  bool corrupt = false;
  if (!reader.OptionTag(present, corrupt) || corrupt) return Corrupt("bad creators option");
  if (present) {
    uint32_t creators = 0;
    if (!reader.U32(creators) || creators > kMaxCreators) return Corrupt("bad creator count");
    if (!reader.Skip(std::size_t{creators} * 34)) return Corrupt("truncated creators");
  }
  // primary_sale_happened, is_mutable.
  if (!reader.Skip(2)) return Corrupt("truncated flags");
  // Optional tail, in order: edition_nonce: Option<u8>, token_standard: Option<u8>,
  // collection: Option<Collection { verified: bool, key: Pubkey }>.
  if (!reader.OptionTag(present, corrupt)) return out;
  if (corrupt) return Corrupt("bad edition nonce option");
  if (present && !reader.Skip(1)) return Corrupt("truncated edition nonce");
  if (!reader.OptionTag(present, corrupt)) return out;
  if (corrupt) return Corrupt("bad token standard option");
  if (present) {
    uint8_t standard = 0;
    if (!reader.Byte(standard)) return Corrupt("truncated token standard");
    out.token_standard = standard;
  }
  if (!reader.OptionTag(present, corrupt)) return out;
  if (corrupt) return Corrupt("bad collection option");
  if (present) {
    MetaplexCollection collection;
    uint8_t verified = 0;
    if (!reader.Byte(verified) || verified > 1) return Corrupt("bad collection.verified");
    if (!reader.Key(collection.key)) return Corrupt("truncated collection key");
    collection.verified = verified == 1;
    out.collection = collection;
  }
  return out;
}

}  // namespace streamgate::internal
