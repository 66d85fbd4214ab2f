// A VFS shim that forwards to SQLite's default VFS and lets a FaultInjector fail
// writes and syncs. One shim per store, registered under a unique name, so two
// stores in one process inject independently.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "hoso/store.h"

namespace hoso::store {

class FaultVfs {
 public:
  // Registers the shim; null when SQLite has no default VFS.
  static std::unique_ptr<FaultVfs> create(std::shared_ptr<FaultInjector> faults);
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;
  ~FaultVfs();  // unregisters; close every connection using it first
  const char* name() const { return name_.c_str(); }

 private:
  FaultVfs() = default;
  sqlite3_vfs vfs_{};
  sqlite3_vfs* root_ = nullptr;
  std::string name_;
  std::shared_ptr<FaultInjector> faults_;
};

}  // namespace hoso::store
