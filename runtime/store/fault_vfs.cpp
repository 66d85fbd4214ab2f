#include "fault_vfs.h"

#include <atomic>
#include <cstdint>

namespace hoso::store {

void FaultInjector::set(Arm& arm, int nth, Kind kind, bool sticky) {
  arm.kind = static_cast<int>(kind);
  arm.sticky = sticky;
  arm.tripped = false;
  arm.countdown = nth;
}

void FaultInjector::fail_write(int nth, Kind kind, bool sticky) {
  set(write_, nth, kind, sticky);
}
void FaultInjector::fail_sync(int nth, Kind kind, bool sticky) {
  set(sync_, nth, kind, sticky);
}

void FaultInjector::disarm() {
  for (Arm* a : {&write_, &sync_}) {
    a->countdown = 0;
    a->sticky = false;
    a->tripped = false;
  }
}

int FaultInjector::step(Arm& arm, int io_code) {
  const int code = arm.kind.load() == static_cast<int>(Kind::kDiskFull) ? SQLITE_FULL : io_code;
  if (arm.tripped.load() && arm.sticky.load()) {
    ++injected_;
    return code;
  }
  if (arm.countdown.load() <= 0) return SQLITE_OK;
  if (arm.countdown.fetch_sub(1) == 1) {
    arm.tripped = true;
    ++injected_;
    return code;
  }
  return SQLITE_OK;
}

int FaultInjector::on_write() {
  return step(write_, SQLITE_IOERR_WRITE);
}
int FaultInjector::on_sync() {
  return step(sync_, SQLITE_IOERR_FSYNC);
}

namespace {

// The shim's file: our header, then the real file's bytes (szOsFile covers both).
struct FaultFile {
  sqlite3_file base;
  FaultInjector* faults;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f)->real;
}
FaultInjector* faults_of(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f)->faults;
}

int f_close(sqlite3_file* f) {
  return real_of(f)->pMethods->xClose(real_of(f));
}
int f_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}
int f_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (int rc = faults_of(f)->on_write(); rc != SQLITE_OK) return rc;
  return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}
int f_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int f_sync(sqlite3_file* f, int flags) {
  if (int rc = faults_of(f)->on_sync(); rc != SQLITE_OK) return rc;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int f_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int f_lock(sqlite3_file* f, int l) {
  return real_of(f)->pMethods->xLock(real_of(f), l);
}
int f_unlock(sqlite3_file* f, int l) {
  return real_of(f)->pMethods->xUnlock(real_of(f), l);
}
int f_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int f_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int f_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int f_device_chars(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int f_shm_map(sqlite3_file* f, int pg, int sz, int extend, void volatile** pp) {
  sqlite3_file* r = real_of(f);
  if (r->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return r->pMethods->xShmMap(r, pg, sz, extend, pp);
}
int f_shm_lock(sqlite3_file* f, int off, int n, int flags) {
  sqlite3_file* r = real_of(f);
  if (r->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return r->pMethods->xShmLock(r, off, n, flags);
}
void f_shm_barrier(sqlite3_file* f) {
  sqlite3_file* r = real_of(f);
  if (r->pMethods->iVersion >= 2) r->pMethods->xShmBarrier(r);
}
int f_shm_unmap(sqlite3_file* f, int del) {
  sqlite3_file* r = real_of(f);
  if (r->pMethods->iVersion < 2) return SQLITE_OK;
  return r->pMethods->xShmUnmap(r, del);
}
int f_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** pp) {
  sqlite3_file* r = real_of(f);
  if (r->pMethods->iVersion < 3) {
    *pp = nullptr;
    return SQLITE_OK;
  }
  return r->pMethods->xFetch(r, off, n, pp);
}
int f_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  sqlite3_file* r = real_of(f);
  if (r->pMethods->iVersion < 3) return SQLITE_OK;
  return r->pMethods->xUnfetch(r, off, p);
}

const sqlite3_io_methods kMethods = {3,
                                     f_close,
                                     f_read,
                                     f_write,
                                     f_truncate,
                                     f_sync,
                                     f_file_size,
                                     f_lock,
                                     f_unlock,
                                     f_check_reserved,
                                     f_file_control,
                                     f_sector_size,
                                     f_device_chars,
                                     f_shm_map,
                                     f_shm_lock,
                                     f_shm_barrier,
                                     f_shm_unmap,
                                     f_fetch,
                                     f_unfetch};

struct VfsData {
  sqlite3_vfs* root;
  FaultInjector* faults;
};

sqlite3_vfs* root_of(sqlite3_vfs* v) {
  return static_cast<VfsData*>(v->pAppData)->root;
}

int v_open(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* data = static_cast<VfsData*>(v->pAppData);
  auto* ff = reinterpret_cast<FaultFile*>(f);
  ff->faults = data->faults;
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  const int rc = data->root->xOpen(data->root, name, ff->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set, so mirror the real file's.
  ff->base.pMethods = ff->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}
int v_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return root_of(v)->xDelete(root_of(v), name, sync_dir);
}
int v_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return root_of(v)->xAccess(root_of(v), name, flags, out);
}
int v_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return root_of(v)->xFullPathname(root_of(v), name, n, out);
}
void* v_dl_open(sqlite3_vfs* v, const char* name) {
  return root_of(v)->xDlOpen(root_of(v), name);
}
void v_dl_error(sqlite3_vfs* v, int n, char* out) {
  root_of(v)->xDlError(root_of(v), n, out);
}
void (*v_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) {
  return root_of(v)->xDlSym(root_of(v), h, sym);
}
void v_dl_close(sqlite3_vfs* v, void* h) {
  root_of(v)->xDlClose(root_of(v), h);
}
int v_randomness(sqlite3_vfs* v, int n, char* out) {
  return root_of(v)->xRandomness(root_of(v), n, out);
}
int v_sleep(sqlite3_vfs* v, int us) {
  return root_of(v)->xSleep(root_of(v), us);
}
int v_current_time(sqlite3_vfs* v, double* out) {
  return root_of(v)->xCurrentTime(root_of(v), out);
}
int v_last_error(sqlite3_vfs* v, int n, char* out) {
  return root_of(v)->xGetLastError(root_of(v), n, out);
}
int v_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
  sqlite3_vfs* r = root_of(v);
  if (r->iVersion >= 2 && r->xCurrentTimeInt64 != nullptr) return r->xCurrentTimeInt64(r, out);
  double d = 0;
  const int rc = r->xCurrentTime(r, &d);
  *out = static_cast<sqlite3_int64>(d * 86400000.0);
  return rc;
}

std::atomic<std::uint64_t> next_vfs_id{0};  // only makes names unique; no shared state

}  // namespace

std::unique_ptr<FaultVfs> FaultVfs::create(std::shared_ptr<FaultInjector> faults) {
  sqlite3_vfs* root = sqlite3_vfs_find(nullptr);
  if (root == nullptr || faults == nullptr) return nullptr;
  std::unique_ptr<FaultVfs> shim(new FaultVfs());
  shim->root_ = root;
  shim->faults_ = std::move(faults);
  shim->name_ = "hoso-fault-" + std::to_string(next_vfs_id.fetch_add(1));
  auto* data = new VfsData{root, shim->faults_.get()};
  sqlite3_vfs& v = shim->vfs_;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(FaultFile)) + root->szOsFile;
  v.mxPathname = root->mxPathname;
  v.zName = shim->name_.c_str();
  v.pAppData = data;
  v.xOpen = v_open;
  v.xDelete = v_delete;
  v.xAccess = v_access;
  v.xFullPathname = v_full_pathname;
  v.xDlOpen = v_dl_open;
  v.xDlError = v_dl_error;
  v.xDlSym = v_dl_sym;
  v.xDlClose = v_dl_close;
  v.xRandomness = v_randomness;
  v.xSleep = v_sleep;
  v.xCurrentTime = v_current_time;
  v.xGetLastError = v_last_error;
  v.xCurrentTimeInt64 = v_current_time64;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) {
    delete data;
    return nullptr;
  }
  return shim;
}

FaultVfs::~FaultVfs() {
  sqlite3_vfs_unregister(&vfs_);
  delete static_cast<VfsData*>(vfs_.pAppData);
}

}  // namespace hoso::store
