#include "common.h"

#include <algorithm>
#include <set>
#include <string>

#include "sha256.h"

namespace hoso::store {
namespace {

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

bool decode_hex32(std::string_view hex, Sha256::Digest& out) {
  if (hex.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

std::string canonical_event_bytes(const Event& e) {
  return canonical_bytes_at(e.seq, e);
}

std::string canonical_bytes_at(Sequence seq, const Event& e) {
  std::string out;
  out.reserve(96 + e.dossier_id.size() + e.kind.size() + e.actor.size() + e.payload.size() +
              e.idempotency_key.size());
  out.append("hoso.event.v1", 13);
  put_u64(out, static_cast<std::uint64_t>(seq));
  put_str(out, e.dossier_id);
  put_str(out, e.kind);
  put_u64(out, static_cast<std::uint64_t>(e.instant));
  put_str(out, e.actor);
  put_str(out, e.payload);
  put_str(out, e.idempotency_key);
  return out;
}

std::string chain_hash(std::string_view prev_hash_hex, const Event& e) {
  return chain_hash_at(prev_hash_hex, e.seq, e);
}

std::string chain_hash_at(std::string_view prev_hash_hex, Sequence seq, const Event& e) {
  Sha256::Digest prev{};  // the chain starts from 32 zero bytes
  if (!prev_hash_hex.empty() && !decode_hex32(prev_hash_hex, prev)) {
    // Not a hash this store wrote; hash its text so the link still depends on it.
    prev = Sha256::of(prev_hash_hex);
  }
  Sha256 h;
  h.update(prev.data(), prev.size());
  h.update(canonical_bytes_at(seq, e));
  return Sha256::hex(h.finish());
}

Result<void> validate_batch(const Batch& batch) {
  std::set<std::string_view> keys;
  for (const Event& e : batch.events) {
    if (e.dossier_id.empty() || e.kind.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "store: every event needs a dossier id and a kind");
    }
    if (!e.idempotency_key.empty() && !keys.insert(e.idempotency_key).second) {
      return make_error(ErrorCode::kInvalidArgument,
                        "store: idempotency key '" + e.idempotency_key +
                            "' appears twice in one batch; give each event its own key");
    }
  }
  std::set<std::string_view> ids;
  for (const DossierState& s : batch.states) {
    if (s.dossier_id.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "store: a dossier state needs a dossier id");
    }
    if (!ids.insert(s.dossier_id).second) {
      return make_error(ErrorCode::kInvalidArgument,
                        "store: dossier '" + s.dossier_id +
                            "' is upserted twice in one batch; send its final state once");
    }
  }
  for (const Expectation& x : batch.expect) {
    if (x.dossier_id.empty() || x.version < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "store: an expectation needs a dossier id and a version >= 0");
    }
  }
  for (const DeadlineRemoval& r : batch.remove_deadlines) {
    if (r.dossier_id.empty() || r.kind.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "store: a deadline removal needs a dossier id and a kind");
    }
  }
  for (const Deadline& d : batch.add_deadlines) {
    if (d.dossier_id.empty() || d.kind.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "store: a deadline needs a dossier id and a kind");
    }
  }
  return {};
}

std::vector<std::string_view> batch_keys(const Batch& batch) {
  std::vector<std::string_view> keys;
  for (const Event& e : batch.events) {
    if (!e.idempotency_key.empty()) keys.push_back(e.idempotency_key);
  }
  return keys;
}

Error stale_version(std::string_view dossier_id, std::int64_t expected, std::int64_t actual) {
  std::string msg = "store: dossier '" + std::string(dossier_id) + "' ";
  if (expected == 0) {
    msg += "already exists (version " + std::to_string(actual) + ")";
  } else if (actual == 0) {
    msg += "does not exist (expected version " + std::to_string(expected) + ")";
  } else {
    msg += "is at version " + std::to_string(actual) + ", not the expected " +
           std::to_string(expected) + "; another action changed it first: reload and retry";
  }
  return make_error(ErrorCode::kFailedPrecondition, std::move(msg));
}

Error deadline_gone(const DeadlineRemoval& r, std::optional<Instant> actual) {
  std::string msg = "store: deadline '" + r.kind + "' of dossier '" + r.dossier_id + "' ";
  if (!actual) {
    msg += "is no longer queued (already fired or removed)";
  } else {
    msg += "was moved to " + std::to_string(*actual) + " (fired_at " +
           std::to_string(r.fired_at.value_or(0)) + ")";
  }
  return make_error(ErrorCode::kFailedPrecondition, std::move(msg));
}

bool ChainVerifier::feed(const Event& e) {
  if (!report_.intact) return false;
  ++report_.events_checked;
  if (e.seq != expected_) {
    report_.intact = false;
    report_.first_broken = expected_;
    report_.reason = "journal jumps from " + std::to_string(expected_ - 1) + " to " +
                     std::to_string(e.seq) + ": events were deleted";
    return false;
  }
  prev_ = chain_hash(prev_, e);
  if (prev_ != e.hash) {
    report_.intact = false;
    report_.first_broken = e.seq;
    report_.reason = "hash of event " + std::to_string(e.seq) +
                     " does not match its contents and its predecessor: the event or an "
                     "earlier one was changed or reordered";
    return false;
  }
  ++expected_;
  return true;
}

ChainReport ChainVerifier::finish(bool have_head, Sequence head_seq, std::string_view head_hash) {
  if (report_.intact && have_head) {
    // The head written with each commit catches deletion at the journal's end.
    const Sequence last = expected_ - 1;
    if (head_seq != last || head_hash != prev_) {
      report_.intact = false;
      report_.first_broken = head_seq > last ? last + 1 : std::max<Sequence>(head_seq, 1);
      report_.reason = "journal ends at " + std::to_string(last) +
                       " but the last commit recorded head " + std::to_string(head_seq) +
                       ": events at the end were deleted or added, or the head was altered";
    }
  }
  return report_;
}

}  // namespace hoso::store
