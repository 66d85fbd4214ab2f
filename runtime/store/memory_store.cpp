// The in-memory store: the same contract as SQLite without the disk, for the
// simulator (millions of dossiers) and for tests. One mutex; a batch is checked
// completely before anything is changed, so it applies whole or not at all.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>

#include "common.h"
#include "hoso/store.h"

namespace hoso::store {
namespace {

using DeadlineKey = std::pair<std::string, std::string>;  // (dossier id, kind)

struct DeadlineRow {
  Deadline d;
  std::int64_t lease_until = 0;
};

class MemoryStore final : public Store {
 public:
  Result<CommitResult> commit(const Batch& batch) override;
  Result<DossierState> get_dossier(std::string_view dossier_id) const override;
  Result<std::vector<DossierState>> list_dossiers_by_unit(const UnitQuery& q) const override;
  Result<std::vector<Event>> read_journal(Sequence from, std::size_t limit) const override;
  Result<std::vector<Event>> dossier_journal(std::string_view dossier_id) const override;
  Result<std::optional<Event>> find_event_by_key(std::string_view key) const override;
  Result<std::vector<Deadline>> dossier_deadlines(std::string_view dossier_id) const override;
  Result<std::vector<Deadline>> claim_due(const ClaimRequest& req) override;
  Result<std::optional<Instant>> next_deadline() const override;
  Result<Counts> counts() const override;
  Result<std::int64_t> next_dossier_number() override {
    return next_number_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  Result<ChainReport> verify_chain() const override;

 private:
  Result<void> check(const Batch& batch) const;
  void apply(const Batch& batch, CommitResult& out);
  void index_units(const DossierState& s, bool add);
  void remove_deadline(const DeadlineKey& key);

  mutable std::mutex mu_;
  std::atomic<std::int64_t> next_number_{0};  // it starts empty
  std::vector<Event> journal_;                // journal_[seq - 1]
  std::string head_hash_;
  std::unordered_map<std::string, Sequence> by_key_;
  std::unordered_map<std::string, std::vector<Sequence>> by_dossier_;
  std::unordered_map<std::string, DossierState> dossiers_;
  std::set<std::pair<std::string, std::string>> by_unit_;  // (unit, dossier id)
  std::map<DeadlineKey, DeadlineRow> deadlines_;
  std::set<std::tuple<Instant, std::string, std::string>> due_order_;
};

Result<void> MemoryStore::check(const Batch& batch) const {
  for (const Expectation& x : batch.expect) {
    auto it = dossiers_.find(x.dossier_id);
    const std::int64_t actual = it == dossiers_.end() ? 0 : it->second.version;
    if (actual != x.version) return stale_version(x.dossier_id, x.version, actual);
  }
  for (const DeadlineRemoval& r : batch.remove_deadlines) {
    if (!r.fired_at) continue;
    auto it = deadlines_.find({r.dossier_id, r.kind});
    if (it == deadlines_.end()) return deadline_gone(r, std::nullopt);
    if (it->second.d.fire_at != *r.fired_at) return deadline_gone(r, it->second.d.fire_at);
  }
  return {};
}

void MemoryStore::index_units(const DossierState& s, bool add) {
  for (const std::string* unit : {&s.competent_unit, &s.receiving_unit}) {
    if (unit->empty()) continue;
    if (add) {
      by_unit_.emplace(*unit, s.dossier_id);
    } else {
      by_unit_.erase({*unit, s.dossier_id});
    }
  }
}

void MemoryStore::remove_deadline(const DeadlineKey& key) {
  auto it = deadlines_.find(key);
  if (it == deadlines_.end()) return;
  due_order_.erase({it->second.d.fire_at, key.first, key.second});
  deadlines_.erase(it);
}

void MemoryStore::apply(const Batch& batch, CommitResult& out) {
  for (const Event& in : batch.events) {
    Event e = in;
    e.seq = static_cast<Sequence>(journal_.size()) + 1;
    e.hash = chain_hash(head_hash_, e);
    head_hash_ = e.hash;
    if (out.first_seq == 0) out.first_seq = e.seq;
    out.last_seq = e.seq;
    if (!e.idempotency_key.empty()) by_key_.emplace(e.idempotency_key, e.seq);
    by_dossier_[e.dossier_id].push_back(e.seq);
    journal_.push_back(std::move(e));
  }
  for (const DossierState& in : batch.states) {
    auto [it, fresh] = dossiers_.try_emplace(in.dossier_id);
    DossierState& s = it->second;
    const std::int64_t version = fresh ? 1 : s.version + 1;
    const Sequence last = out.last_seq != 0 ? out.last_seq : s.last_seq;
    if (!fresh) index_units(s, false);
    s = in;
    s.version = version;
    s.last_seq = last;
    index_units(s, true);
    out.versions.push_back(version);
  }
  for (const DeadlineRemoval& r : batch.remove_deadlines) remove_deadline({r.dossier_id, r.kind});
  for (const Deadline& d : batch.add_deadlines) {
    DeadlineKey key{d.dossier_id, d.kind};
    remove_deadline(key);
    DeadlineRow row{d, 0};
    row.d.owner.clear();
    due_order_.emplace(d.fire_at, d.dossier_id, d.kind);
    deadlines_.emplace(std::move(key), std::move(row));
  }
}

Result<CommitResult> MemoryStore::commit(const Batch& batch) {
  if (auto v = validate_batch(batch); !v) return v.error();
  std::lock_guard lock(mu_);
  for (std::string_view key : batch_keys(batch)) {
    auto it = by_key_.find(std::string(key));
    if (it != by_key_.end()) {
      CommitResult dup;
      dup.duplicate = true;
      dup.first_seq = dup.last_seq = it->second;
      return dup;
    }
  }
  if (auto c = check(batch); !c) return c.error();
  CommitResult out;
  apply(batch, out);
  return out;
}

Result<DossierState> MemoryStore::get_dossier(std::string_view dossier_id) const {
  std::lock_guard lock(mu_);
  auto it = dossiers_.find(std::string(dossier_id));
  if (it == dossiers_.end()) {
    return make_error(ErrorCode::kNotFound, "store: no dossier '" + std::string(dossier_id) + "'");
  }
  return it->second;
}

Result<std::vector<DossierState>> MemoryStore::list_dossiers_by_unit(const UnitQuery& q) const {
  std::lock_guard lock(mu_);
  std::vector<DossierState> out;
  for (auto it = by_unit_.upper_bound({q.unit, q.after_dossier_id});
       it != by_unit_.end() && it->first == q.unit && out.size() < q.limit; ++it) {
    out.push_back(dossiers_.at(it->second));
  }
  return out;
}

Result<std::vector<Event>> MemoryStore::read_journal(Sequence from, std::size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (Sequence s = std::max<Sequence>(from, 1);
       s <= static_cast<Sequence>(journal_.size()) && out.size() < limit; ++s) {
    out.push_back(journal_[static_cast<std::size_t>(s - 1)]);
  }
  return out;
}

Result<std::vector<Event>> MemoryStore::dossier_journal(std::string_view dossier_id) const {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  auto it = by_dossier_.find(std::string(dossier_id));
  if (it == by_dossier_.end()) return out;
  for (Sequence s : it->second) out.push_back(journal_[static_cast<std::size_t>(s - 1)]);
  return out;
}

Result<std::optional<Event>> MemoryStore::find_event_by_key(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(std::string(key));
  if (it == by_key_.end()) return std::optional<Event>{};
  return std::optional<Event>{journal_[static_cast<std::size_t>(it->second - 1)]};
}

Result<std::vector<Deadline>> MemoryStore::dossier_deadlines(std::string_view dossier_id) const {
  std::lock_guard lock(mu_);
  std::vector<Deadline> out;
  const std::string id(dossier_id);
  for (auto it = deadlines_.lower_bound({id, ""}); it != deadlines_.end() && it->first.first == id;
       ++it) {
    out.push_back(it->second.d);
  }
  return out;
}

Result<std::vector<Deadline>> MemoryStore::claim_due(const ClaimRequest& req) {
  std::lock_guard lock(mu_);
  std::vector<Deadline> out;
  for (const auto& [at, id, kind] : due_order_) {
    if (at > req.now || out.size() >= req.limit) break;
    DeadlineRow& row = deadlines_.at({id, kind});
    if (!req.owner.empty()) {
      const bool free =
          row.d.owner.empty() || row.d.owner == req.owner || row.lease_until <= req.lease_now;
      if (!free) continue;
      row.d.owner = req.owner;
      row.lease_until = req.lease_until;
    }
    out.push_back(row.d);
  }
  return out;
}

Result<std::optional<Instant>> MemoryStore::next_deadline() const {
  std::lock_guard lock(mu_);
  if (due_order_.empty()) return std::optional<Instant>{};
  return std::optional<Instant>{std::get<0>(*due_order_.begin())};
}

Result<Counts> MemoryStore::counts() const {
  std::lock_guard lock(mu_);
  return Counts{static_cast<std::int64_t>(journal_.size()),
                static_cast<std::int64_t>(dossiers_.size()),
                static_cast<std::int64_t>(deadlines_.size())};
}

Result<ChainReport> MemoryStore::verify_chain() const {
  std::lock_guard lock(mu_);
  ChainReport r;
  std::string prev;
  for (const Event& e : journal_) {
    prev = chain_hash(prev, e);
    ++r.events_checked;
    if (prev != e.hash) {
      r.intact = false;
      r.first_broken = e.seq;
      r.reason = "hash of event " + std::to_string(e.seq) + " does not match its contents";
      return r;
    }
  }
  return r;
}

}  // namespace

std::unique_ptr<Store> make_memory_store() {
  return std::make_unique<MemoryStore>();
}

}  // namespace hoso::store
