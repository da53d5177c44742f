// Memory map exposed as an external ArrayBuffer: safetensors weights become views into the page
// cache, never copies. The mapping lives until the buffer is garbage collected. JavaScript cannot
// make a typed array read-only, so the pages are mapped copy-on-write (private, writable, nothing
// reserved up front): a write into the array changes this process's copy of that page only, where a
// read-only mapping would kill the process with SIGSEGV. The file itself is never written.
#include "map_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

// Headers older than Linux 5.4's lack MADV_PAGEOUT; a kernel that does not know it refuses it with
// EINVAL, and release_file_pages then falls back to MADV_DONTNEED.
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

namespace {

// Live mappings made by map_file: start -> length (removed when the buffer is collected).
std::mutex g_maps_mutex;
std::map<uintptr_t, size_t> g_maps;

}  // namespace

size_t release_file_pages(const void* p, size_t n) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p), end = begin + n;
  {
    std::lock_guard<std::mutex> lock(g_maps_mutex);
    auto it = g_maps.upper_bound(begin);
    if (n == 0 || end < begin || it == g_maps.begin()) return 0;
    --it;
    if (end > it->first + it->second) return 0;
  }
  const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  const uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);
  if (last <= first) return 0;
  // MADV_PAGEOUT also drops the pages from the page cache when no other process maps them (a page
  // written since mapping is anonymous and would go to swap, not be lost); kernels before 5.4 lack it,
  // and there MADV_DONTNEED unmaps them from this process only.
  void* addr = reinterpret_cast<void*>(first);
  if (madvise(addr, last - first, MADV_PAGEOUT) != 0 && madvise(addr, last - first, MADV_DONTNEED) != 0) return 0;
  return last - first;
}

Napi::Value map_file(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "mapFile(path): path must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Napi::Error::New(env, "mapFile: cannot open '" + path + "': " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw Napi::Error::New(env, "mapFile: '" + path + "' is not a regular file");
  }
  const size_t size = size_t(st.st_size);
  if (size == 0) {
    close(fd);
    return Napi::Uint8Array::New(env, 0);
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
  const int map_errno = errno;
  close(fd);  // the mapping keeps the file alive
  if (p == MAP_FAILED) throw Napi::Error::New(env, "mapFile: mmap of '" + path + "' failed: " + strerror(map_errno));
  // Weights are streamed whole, every step: ask for 2 MiB pages. A page-cache miss under this mapping
  // then reads the file in 2 MiB folios mapped by one PMD each, where the default read-around leaves
  // 4 KiB ones that stay small for as long as they are cached. Advice only: a kernel without THP for
  // files refuses it and the mapping works as before.
  madvise(p, size, MADV_HUGEPAGE);
  {
    std::lock_guard<std::mutex> lock(g_maps_mutex);
    g_maps[reinterpret_cast<uintptr_t>(p)] = size;
  }
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(
      env, p, size,
      [](Napi::Env, void* data, size_t* len) {
        {
          std::lock_guard<std::mutex> lock(g_maps_mutex);
          g_maps.erase(reinterpret_cast<uintptr_t>(data));
        }
        munmap(data, *len);
        delete len;
      },
      new size_t(size));
  return Napi::Uint8Array::New(env, size, buf, 0);
}
