#pragma once
// The Wechatpay-* signature fields of a message the merchant role verifies: a platform reply
// (VerifyReply) or a callback (ReceiveCallback).

#include "http/message_head.h"
#include "wechatpay/client.h"

namespace paygate::steps {

// Views of the five fields into `fields`; false when one of them appears more than once (which
// one would count?).
bool collect_signed_fields(const http::HeadFields& fields, wechatpay::SignedHeaders& out);

// True when the message carries none of them.
bool carries_no_signature(const wechatpay::SignedHeaders& headers);

}  // namespace paygate::steps
