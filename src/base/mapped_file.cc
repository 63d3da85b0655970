// mmap-backed read-only file view.
#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace loom {

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(other.data_), size_(other.size_), path_(std::move(other.path_)) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = other.data_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::reset() {
  if (data_ != nullptr && size_ > 0) munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return not_found(path, ": no such file");
    if (err == EACCES) return permission_denied(path, ": permission denied");
    return invalid_argument(path, ": cannot open: ", std::strerror(err));
  }
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    int err = errno;
    ::close(fd);
    return invalid_argument(path, ": cannot stat: ", std::strerror(err));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return invalid_argument(path, ": not a regular file");
  }
  MappedFile file;
  file.path_ = path;
  file.size_ = static_cast<size_t>(info.st_size);
  if (file.size_ > 0) {
    void* mapping = mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      file.size_ = 0;
      return invalid_argument(path, ": cannot map: ", std::strerror(err));
    }
    file.data_ = static_cast<const std::byte*>(mapping);
  }
  ::close(fd);
  return file;
}

void MappedFile::release(std::span<const std::byte> range) const {
  if (range.empty() || range.data() < data_ || range.data() + range.size() > data_ + size_) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(range.data()) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(range.data()) + range.size()) / page * page;
  if (end <= begin) return;
  // Advice only: a failure leaves the pages mapped, which costs memory, not
  // correctness. No huge pages first: the kernel may map a 2 MB folio of the
  // page cache whole on a fault, so a later read of a few bytes next to the
  // range (a norm's weights) would map the released pages back. With the
  // range apart, what stays mappable around it is smaller than 2 MB.
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_NOHUGEPAGE);
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace loom
