#pragma once
// Packer: what one delivery attempt of a stored event POSTs, besides the fields every attempt
// carries (Content-Type, trace context, Request-ID). One per dispatcher thread, confined to it.
//   SealingPacker  the platform's notification (DeliveryForm::kSealed): the envelope with the
//                  resource sealed under the merchant's APIv3 key, signed with the platform key
//                  (notify/envelope.h), and its Wechatpay-* fields.
//   PlainPacker    a callback the merchant role took in (DeliveryForm::kPlain): the stored body
//                  as it is, with the event id, the merchant and the app's bearer token.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "credentials/credentials.h"
#include "crypto/secret_buffer.h"
#include "notify/envelope.h"
#include "notify/event.h"
#include "notify/settings.h"

namespace paygate::notify {

// One attempt's body and header fields, owned: attempts of several events are in flight at once.
struct Parcel {
  std::string body;
  std::vector<std::pair<std::string_view, std::string>> fields;
};

class Packer {
 public:
  virtual ~Packer() = default;
  // False with the reason when the event cannot be sent (the attempt then fails as unsendable).
  virtual bool pack(const EventRecord& record, std::chrono::sys_seconds now, Parcel& out,
                    std::string& reason) = 0;
  // A configuration reload's credentials; only the sealing packer uses them.
  virtual void adopt(std::shared_ptr<const credentials::Credentials> /*credentials*/) {}
  virtual std::string_view user_agent() const = 0;
};

class SealingPacker final : public Packer {
 public:
  explicit SealingPacker(std::shared_ptr<const credentials::Credentials> credentials)
      : credentials_(std::move(credentials)) {}

  bool pack(const EventRecord& record, std::chrono::sys_seconds now, Parcel& out,
            std::string& reason) override;
  void adopt(std::shared_ptr<const credentials::Credentials> credentials) override {
    credentials_ = std::move(credentials);
  }
  std::string_view user_agent() const override { return "paygate-notify"; }

 private:
  std::shared_ptr<const credentials::Credentials> credentials_;
  EnvelopeBuilder envelope_;
};

class PlainPacker final : public Packer {
 public:
  // `token` "" sends no Authorization.
  explicit PlainPacker(const crypto::SecretBuffer& token);

  bool pack(const EventRecord& record, std::chrono::sys_seconds now, Parcel& out,
            std::string& reason) override;
  std::string_view user_agent() const override { return "paygate-callbacks"; }

 private:
  crypto::SecretBuffer authorization_;  // "Bearer <token>", made once; "" none
};

// The packer of an outbox's delivery form.
std::unique_ptr<Packer> make_packer(const NotifySettings& settings,
                                    std::shared_ptr<const credentials::Credentials> credentials);

}  // namespace paygate::notify
