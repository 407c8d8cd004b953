#include "steps/check_bill_hash.h"

#include <zlib.h>

#include <algorithm>
#include <array>

#include "steps/named_field.h"
#include "steps/pipeline.h"

namespace paygate::steps {
namespace {

constexpr unsigned char kGzipMagic0 = 0x1f;
constexpr unsigned char kGzipMagic1 = 0x8b;
constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // a gzip header and trailer, not zlib's

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

}  // namespace

// Inflates a gzip stream piece by piece into the digest, member after member (a gzip file may
// be several concatenated). Nothing is kept but zlib's window: the inflated file is hashed and
// dropped, so its size costs time, not memory.
class BillHashCheck::Inflater {
 public:
  Inflater() {
    if (inflateInit2(&stream_, kGzipWindowBits) != Z_OK) failed_ = true;
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Feeds `in` through; `sink` gets each inflated run. False on a corrupt stream.
  template <typename Sink>
  bool feed(std::string_view in, Sink&& sink) {
    if (failed_) return false;
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      if (ended_ && stream_.avail_in > 0) {  // another member follows
        if (inflateReset(&stream_) != Z_OK) return fail();
        ended_ = false;
      }
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<uInt>(out_.size());
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return fail();
      sink(std::string_view(reinterpret_cast<const char*>(out_.data()),
                            out_.size() - stream_.avail_out));
      if (rc == Z_STREAM_END) {
        ended_ = true;
        if (stream_.avail_in == 0) return true;
        continue;
      }
      // Room left in the output: everything given has been taken in.
      if (stream_.avail_out != 0) return true;
    }
  }
  bool complete() const { return ended_ && !failed_; }

 private:
  bool fail() {
    failed_ = true;
    return false;
  }
  z_stream stream_{};
  std::array<Bytef, 16 * 1024> out_{};
  bool ended_ = false;
  bool failed_ = false;
};

BillHashCheck::BillHashCheck(crypto::DigestAlgorithm algorithm, std::string expected,
                             RequestMetrics& metrics)
    : digest_(algorithm), expected_(std::move(expected)), metrics_(metrics) {}

BillHashCheck::~BillHashCheck() {
  if (counted_.empty()) count("incomplete");
}

void BillHashCheck::count(std::string_view result) {
  counted_ = result;
  metrics_.count_bill_download(result);
}

bool BillHashCheck::applies_to(int status) {
  if (status >= 200 && status <= 299) return true;
  count("not_a_file");
  return false;
}

bool BillHashCheck::update(std::string_view piece) {
  if (decided_) return digest(piece);
  first_bytes_.append(piece);
  if (first_bytes_.size() < 2) return true;
  decided_ = true;
  if (static_cast<unsigned char>(first_bytes_[0]) == kGzipMagic0 &&
      static_cast<unsigned char>(first_bytes_[1]) == kGzipMagic1) {
    inflater_ = std::make_unique<Inflater>();
  }
  const bool ok = digest(first_bytes_);
  first_bytes_.clear();
  return ok;
}

bool BillHashCheck::digest(std::string_view bytes) {
  if (!inflater_) {
    digest_.update(bytes);
    return true;
  }
  if (inflater_->feed(bytes, [this](std::string_view plain) { digest_.update(plain); })) {
    return true;
  }
  count("bad_gzip");
  return false;
}

bool BillHashCheck::finish() {
  if (!decided_) {  // fewer than two bytes in all
    digest_.update(first_bytes_);
    decided_ = true;
  }
  if (inflater_ && !inflater_->complete()) {
    count("bad_gzip");
    return false;
  }
  const bool same = digest_.hex_final() == expected_;
  count(same ? "ok" : "hash_mismatch");
  return same;
}

std::optional<BillHash> parse_bill_hash(std::string_view value) {
  const auto space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto algorithm = crypto::parse_digest_algorithm(value.substr(0, space));
  const std::string_view hex = value.substr(space + 1);
  if (!algorithm || hex.size() != crypto::hex_length(*algorithm) || !is_hex(hex)) {
    return std::nullopt;
  }
  BillHash hash{*algorithm, std::string(hex)};
  for (char& c : hash.hex) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return hash;
}

boost::asio::awaitable<Next> CheckBillHash::on_request(http::Exchange& ex,
                                                       RequestContext& context) {
  const NamedField field = find_named_field(ex.request().fields, proxy::kBillHashHeader);
  const auto hash = field.count == 1 ? parse_bill_hash(field.value) : std::nullopt;
  if (!hash) {
    context.refusal = "bad_bill_hash";
    co_await answer_error(ex, context, core::ErrorKind::kBadRequest,
                          "a bill download needs X-Pay-Bill-Hash: <hash_type> <hash_value>, once "
                          "(SHA1 or SM3 and its hex digits, from the bill's download_url reply)");
    co_return Next::kAnswered;
  }
  context.body_check =
      std::make_unique<BillHashCheck>(hash->algorithm, std::move(hash->hex), metrics_);
  co_return Next::kContinue;
}

}  // namespace paygate::steps
