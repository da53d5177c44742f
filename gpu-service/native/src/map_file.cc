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
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(
      env, p, size, [](Napi::Env, void* data, size_t* len) { munmap(data, *len); delete len; },
      new size_t(size));
  return Napi::Uint8Array::New(env, size, buf, 0);
}
